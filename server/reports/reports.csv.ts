/**
 * The report files. Capital gains: one row per disposal row of `/api/v1/tax/gains` for the
 * year, in the same order, with the columns IRS Form 8949 asks for (description, dates
 * acquired and sold, proceeds, cost basis, gain or loss, short/long term) plus ids to trace
 * each row. Income: one row per income event. Money is rounded half-up to the cent here,
 * at the edge, and the gain column is proceeds − cost basis of the rounded values so every
 * row adds up on paper. Text cells that a spreadsheet would run as a formula are quoted
 * with a leading apostrophe (CSV injection).
 */
import { Decimal, dec } from '../lib/decimal.ts';
import type { DisposalRow, IncomeRow } from '../tax/tax.repository.ts';

type AssetMeta = { symbol: string };

export const CAPITAL_GAINS_COLUMNS = [
  'Description',
  'Date Acquired',
  'Date Sold',
  'Proceeds',
  'Cost Basis',
  'Gain or Loss',
  'Term',
  'Asset',
  'Quantity',
  'Fee',
  'Kind',
  'Transaction ID',
  'Disposal ID',
  'Missing Purchase',
  'Missing Price',
] as const;
export const INCOME_COLUMNS = ['Date Received', 'Asset', 'Quantity', 'Type', 'Value (USD)', 'Transaction ID', 'Income ID', 'Missing Price'] as const;

export const cents = (value: string | Decimal) => dec(String(value)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function cell(value: string, text = false): string {
  const safe = text && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const line = (cells: string[]) => cells.join(',') + '\r\n';

/** "VARIOUS" when the lots were bought on different days, "UNKNOWN" without any recorded purchase. */
export function acquiredCell(lotsJson: string): string {
  const days = new Set((JSON.parse(lotsJson) as { acquiredAt: number | null }[]).filter((l) => l.acquiredAt !== null).map((l) => day(l.acquiredAt!)));
  if (days.size === 0) return 'UNKNOWN';
  return days.size === 1 ? [...days][0]! : 'VARIOUS';
}

const MONEY_COLUMNS = new Set(['Proceeds', 'Cost Basis', 'Gain or Loss', 'Fee']);

/** Money columns name the workspace's base currency when it is not USD ("Proceeds (EUR)"). */
export function capitalGainsCsv(rows: DisposalRow[], assets: Map<string, AssetMeta>, currency = 'USD'): string {
  let out = line(CAPITAL_GAINS_COLUMNS.map((c) => (currency !== 'USD' && MONEY_COLUMNS.has(c) ? `${c} (${currency})` : c)));
  for (const d of rows) {
    const symbol = assets.get(d.asset_id)?.symbol ?? d.asset_id;
    const proceeds = cents(d.proceeds);
    const basis = cents(d.cost_basis);
    out += line([
      cell(`${d.quantity} ${symbol}`, true),
      acquiredCell(d.lots),
      day(d.disposed_at),
      proceeds.toFixed(2),
      basis.toFixed(2),
      proceeds.minus(basis).toFixed(2),
      d.term === 'long' ? 'Long-term' : 'Short-term',
      cell(d.asset_id, true),
      d.quantity,
      cents(d.fee).toFixed(2),
      d.kind,
      cell(d.transaction_id, true),
      cell(d.id.slice(d.id.indexOf(':') + 1), true),
      d.missing_purchase ? 'yes' : 'no',
      d.missing_price ? 'yes' : 'no',
    ]);
  }
  return out;
}

export function incomeCsv(rows: IncomeRow[], assets: Map<string, AssetMeta>, currency = 'USD'): string {
  let out = line(INCOME_COLUMNS.map((c) => (c === 'Value (USD)' ? `Value (${currency})` : c)));
  for (const i of rows) {
    out += line([
      day(i.received_at),
      cell(assets.get(i.asset_id)?.symbol ?? i.asset_id, true),
      i.quantity,
      cell(i.label, true),
      cents(i.value).toFixed(2),
      cell(i.transaction_id, true),
      cell(i.id.slice(i.id.indexOf(':') + 1), true),
      i.missing_price ? 'yes' : 'no',
    ]);
  }
  return out;
}
