/**
 * Query and body schemas of the data APIs (contract section 8), also the OpenAPI source.
 * Queries are strict: an unknown or repeated parameter is a 400 `invalid_parameters` with
 * details, so a typo (`limt=5`) is never silently ignored.
 */
import { z } from 'zod';
import { isTimeZone } from '../tax/dates.ts';
import { CURRENCIES } from '../prices/fx.ts';
import { DecimalString, PositiveDecimalString } from '../lib/decimal.ts';

/** A comma-separated list (at most `max` distinct values, each at most 128 characters). */
export const csv = (max = 30) =>
  z
    .string()
    .max(4096)
    .transform((s) => [
      ...new Set(
        s
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v !== ''),
      ),
    ])
    .pipe(z.array(z.string().max(128)).min(1, 'Give at least one value').max(max, `At most ${max} values`));

const bool = z.stringbool();
const limit = z.coerce.number().int().min(1).max(1000).default(100);
const offset = z.coerce.number().int().min(0).max(10_000_000).default(0);
const ms = z.coerce.number().int().min(0).max(8_640_000_000_000);

/** Contract types (`swap|deposit|withdraw`) and ours (`trade|withdrawal|payment|transfer`). */
export const TRANSACTION_TYPE_ALIASES: Record<string, 'deposit' | 'withdrawal' | 'trade' | 'payment' | 'transfer'> = {
  swap: 'trade',
  trade: 'trade',
  deposit: 'deposit',
  withdraw: 'withdrawal',
  withdrawal: 'withdrawal',
  payment: 'payment',
  transfer: 'transfer',
};

export const HoldingsQuery = z.strictObject({
  isSpam: bool.default(false),
  calculatedBalances: bool.default(false),
});

export const TransactionsQuery = z
  .strictObject({
    walletId: csv().optional(),
    currencyId: csv().optional(),
    trxId: z.string().min(1).max(200).optional(),
    isNft: bool.optional(),
    isMissingPrice: bool.optional(),
    isMissingPurchase: bool.optional(),
    isEdited: bool.optional(),
    isManual: bool.optional(),
    transactionType: csv(8)
      .refine((v) => v.every((t) => t.toLowerCase() in TRANSACTION_TYPE_ALIASES), 'Use swap, trade, deposit, withdraw, withdrawal, payment or transfer')
      .optional(),
    label: csv(74).optional(),
    order: z.enum(['asc', 'desc']).default('desc'),
    timeStart: ms.optional(),
    timeEnd: ms.optional(),
    limit,
    offset,
    isSpam: bool.default(false),
    cursor: z.string().min(1).max(1024).optional(),
  })
  .refine((q) => q.timeStart === undefined || q.timeEnd === undefined || q.timeStart <= q.timeEnd, {
    message: 'timeStart must not be after timeEnd',
    path: ['timeStart'],
  })
  .refine((q) => q.cursor === undefined || q.offset === 0, { message: 'Use either cursor or offset, not both', path: ['offset'] });
export type TransactionsQuery = z.infer<typeof TransactionsQuery>;

export const DefiQuery = z.strictObject({
  source: csv().optional(),
  protocol: csv().optional(),
  chain: csv().optional(),
  limit,
  offset,
});
export type DefiQuery = z.infer<typeof DefiQuery>;

export const NftQuery = z.strictObject({
  source: csv().optional(),
  collection: csv().optional(),
  chain: csv().optional(),
  tokenId: z.string().min(1).max(200).optional(),
  contract: z.string().min(1).max(200).optional(),
  limit,
  offset,
  isSpam: bool.default(false),
});
export type NftQuery = z.infer<typeof NftQuery>;

export const BalancesQuery = z.strictObject({
  walletId: csv().optional(),
  currencyId: csv().optional(),
  isSpam: bool.default(false),
});

export const EmptyQuery = z.strictObject({});

export const WorkspaceUpdate = z
  .strictObject({
    // Money is computed in this currency at the price source's daily rates (prices/fx.ts).
    baseCurrency: z.enum(CURRENCIES).optional(),
    costBasisMethod: z.enum(['FIFO', 'LIFO', 'HIFO', 'AVERAGE', 'UK_POOL']).optional(),
    taxYearStart: z
      .string()
      .regex(/^\d{2}-\d{2}$/, 'Use MM-DD')
      .refine((s) => {
        const [m, d] = s.split('-').map(Number) as [number, number];
        const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
        return days !== undefined && d >= 1 && d <= days;
      }, 'Not a calendar day (MM-DD, 02-29 excluded)')
      .optional(),
    longTermDays: z.number().int().min(1).max(3650).optional(),
    // calendar: long-term after the first anniversary date (US); days: more than longTermDays days.
    holdingPeriod: z.enum(['calendar', 'days']).optional(),
    taxTimezone: z.string().min(1).max(64).refine(isTimeZone, 'Not an IANA time zone (e.g. America/New_York)').optional(),
    lotTracking: z.enum(['universal', 'wallet']).optional(),
    transferDetection: z
      .strictObject({
        enabled: z.boolean().optional(),
        windowHours: z.number().int().min(1).max(720).optional(),
        tolerancePercent: z
          .union([
            z
              .number()
              .min(0)
              .max(50)
              .transform((n) => String(n)),
            z.string().regex(/^\d{1,2}(\.\d{1,4})?$/, 'A percentage such as 1 or 0.25'),
          ])
          .refine((v) => Number(v) <= 50, 'At most 50')
          .optional(),
      })
      .refine((b) => Object.values(b).some((v) => v !== undefined), 'Give at least one field to change')
      .optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'Give at least one field to change');
export type WorkspaceUpdate = z.infer<typeof WorkspaceUpdate>;

export const AddAddressIntegration = z.strictObject({
  provider: z.string().min(1).max(64),
  address: z.string().trim().min(1).max(128),
  chains: z.array(z.string().min(1).max(32)).min(1).max(16).optional(),
  alias: z.string().trim().min(1).max(64).optional(),
});

// ---------------------------------------------------------------- POST /v0/transactions (contract 8.9)

/** An amount: a decimal string (exact) or a JSON number (accepted as v0 sends it; precision is what JSON gave us). */
const Amount = z.union([
  PositiveDecimalString,
  z
    .number()
    .positive()
    .finite()
    .transform((n) => String(n))
    .pipe(PositiveDecimalString),
]);
const CurrencyAmount = z.strictObject({ currency: z.string().min(1).max(128), amount: Amount, contractAddress: z.string().min(1).max(128).optional() });
const Party = z
  .object({
    name: z.string().max(128).optional(),
    publicName: z.string().max(128).optional(),
    address: z.string().max(128).optional(),
    walletId: z.string().max(128).optional(),
    logo_url: z.string().max(500).optional(),
    portfolioId: z.string().max(128).optional(),
    portfolioName: z.string().max(128).optional(),
  })
  .strict()
  .nullable();
const FiatValue = z.strictObject({
  fiatValue: z
    .union([
      DecimalString,
      z
        .number()
        .finite()
        .transform((n) => String(n))
        .pipe(DecimalString),
    ])
    .nullable(),
  priceAccuracy: z.string().max(32).optional(),
  baseCurrency: z.literal('USD').optional(),
});

export const ManualTransaction = z.strictObject({
  timestamp: z.union([z.number().int().min(0).max(8_640_000_000_000), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]),
  transactionType: z.enum(['deposit', 'withdrawal', 'trade', 'payment']),
  transactionId: z.string().min(1).max(200),
  description: z.strictObject({ title: z.string().max(200).optional(), desc: z.string().max(2000).optional() }).optional(),
  sentCurrency: CurrencyAmount.optional(),
  receivedCurrency: CurrencyAmount.optional(),
  fee: CurrencyAmount.optional(),
  sender: Party.optional(),
  receiver: Party.optional(),
  feeValue: FiatValue.optional(),
  netValue: FiatValue.optional(),
  label: z.string().min(1).max(64).optional(),
  /** Ours: the two halves of a movement between own wallets share it (see README "Own-wallet transfers"). */
  transferId: z.string().min(1).max(200).optional(),
});
export type ManualTransaction = z.infer<typeof ManualTransaction>;

export const PostTransactionsBody = z.strictObject({
  walletId: z.string().min(1).max(128),
  transactions: z.array(ManualTransaction).min(1).max(500),
});
export type PostTransactionsBody = z.infer<typeof PostTransactionsBody>;
