/** Query and body schemas of the tax, accounting and report endpoints (zod 4, as data.schema.ts). */
import { z } from 'zod';
import { csv } from '../data/data.schema.ts';

const Year = z.coerce.number().int().min(1970).max(2200);
const Limit = z.coerce.number().int().min(1).max(1000).default(100);
const Offset = z.coerce.number().int().min(0).max(10_000_000).default(0);

export const GainsQuery = z.strictObject({
  year: Year.optional(),
  asset: csv().optional(),
  term: z.enum(['short', 'long']).optional(),
  kind: z.enum(['disposal', 'fee']).optional(),
  limit: Limit,
  offset: Offset,
});
export type GainsQuery = z.infer<typeof GainsQuery>;

export const IncomeQuery = z.strictObject({ year: Year.optional(), asset: csv().optional(), limit: Limit, offset: Offset });
export const SummaryQuery = z.strictObject({ year: Year.optional() });
export const LotsQuery = z.strictObject({ asset: csv().optional(), limit: Limit, offset: Offset });
export const LedgerQuery = z.strictObject({ limit: Limit, offset: Offset });
export const BalancesQuery = z.strictObject({});
export const ScheduleDQuery = z.strictObject({ year: Year });

export const REPORT_TYPES = ['capital_gains', 'income', 'form_8949', 'turbotax'] as const;
export const ReportBody = z.strictObject({ type: z.enum(REPORT_TYPES), year: z.number().int().min(1970).max(2200) });
export type ReportBody = z.infer<typeof ReportBody>;
export const ReportsQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(20) });
