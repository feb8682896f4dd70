/**
 * US tax forms from the disposal rows of a tax year (the rows of `/api/v1/tax/gains`):
 *
 * - `form8949Csv`: IRS Form 8949 — Part I (short term) and Part II (long term) apart, each
 *   row with (a) description, (b) date acquired, (c) date sold, (d) proceeds, (e) cost basis,
 *   (f) code, (g) adjustment, (h) gain or loss, and a total row per part. The box is the one
 *   for transactions no broker form reported: C / F before tax year 2025, I / L (no Form
 *   1099-DA) from 2025. No adjustments are made (code empty, adjustment 0).
 * - `scheduleD`: the Schedule D totals those parts carry (per part proceeds, cost, adjustment,
 *   gain; net short-term line 7, net long-term line 15, combined line 16), without
 *   carryovers or other sources the workspace cannot know.
 * - `turboTaxCsv`: TurboTax's crypto gain/loss CSV (`Currency Name, Purchase Date, Cost
 *   Basis, Date Sold, Proceeds`), one row per lot a disposal used so every row has its own
 *   purchase date (empty when no purchase was recorded); no negative numbers.
 *
 * Money is rounded half-up to the cent per row and every total is the sum of the rounded
 * rows, so the paper adds up.
 */
import { Decimal, ZERO } from '../lib/decimal.ts';
import { allocate } from '../tax/books.ts';
import type { DisposalRow } from '../tax/tax.repository.ts';
import { acquiredCell, cell, cents, line } from './reports.csv.ts';

type AssetMeta = { symbol: string };
type LotUse = { acquiredAt: number | null; quantity: string; costBasis: string };

export const FORM_8949_COLUMNS = [
  'Part',
  'Box',
  '(a) Description of property',
  '(b) Date acquired',
  '(c) Date sold or disposed of',
  '(d) Proceeds',
  '(e) Cost or other basis',
  '(f) Code(s)',
  '(g) Amount of adjustment',
  '(h) Gain or (loss)',
] as const;
export const TURBOTAX_COLUMNS = ['Currency Name', 'Purchase Date', 'Cost Basis', 'Date Sold', 'Proceeds'] as const;

/** MM/DD/YYYY (UTC date of the stored moment, as the other reports). */
const usDate = (ms: number) => {
  const d = new Date(ms);
  return `${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}/${d.getUTCFullYear()}`;
};
export const boxes = (year: number) => (year >= 2025 ? { short: 'I', long: 'L' } : { short: 'C', long: 'F' });

type Totals = { proceeds: Decimal; costBasis: Decimal; adjustment: Decimal; gain: Decimal; rows: number };
const totalsOf = (rows: DisposalRow[]): Totals =>
  rows.reduce(
    (t, d) => {
      const p = cents(d.proceeds);
      const b = cents(d.cost_basis);
      return { proceeds: t.proceeds.plus(p), costBasis: t.costBasis.plus(b), adjustment: ZERO, gain: t.gain.plus(p.minus(b)), rows: t.rows + 1 };
    },
    { proceeds: ZERO, costBasis: ZERO, adjustment: ZERO, gain: ZERO, rows: 0 },
  );

export function form8949Csv(rows: DisposalRow[], assets: Map<string, AssetMeta>, year: number): string {
  const box = boxes(year);
  let out = line([...FORM_8949_COLUMNS]);
  for (const [term, part] of [
    ['short', 'Part I'],
    ['long', 'Part II'],
  ] as const) {
    const mine = rows.filter((d) => d.term === term);
    for (const d of mine) {
      const p = cents(d.proceeds);
      const b = cents(d.cost_basis);
      const acquired = acquiredCell(d.lots);
      out += line([
        part,
        box[term],
        cell(`${d.quantity} ${assets.get(d.asset_id)?.symbol ?? d.asset_id}`, true),
        /^\d{4}-/.test(acquired) ? usDate(Date.parse(acquired)) : acquired,
        usDate(d.disposed_at),
        p.toFixed(2),
        b.toFixed(2),
        '',
        '0.00',
        p.minus(b).toFixed(2),
      ]);
    }
    const t = totalsOf(mine);
    out += line([
      `${part} total`,
      box[term],
      `${t.rows} transactions`,
      '',
      '',
      t.proceeds.toFixed(2),
      t.costBasis.toFixed(2),
      '',
      t.adjustment.toFixed(2),
      t.gain.toFixed(2),
    ]);
  }
  return out;
}

const money = (d: Decimal) => d.toFixed(2);
const partView = (t: Totals, box: string) => ({
  box,
  transactions: t.rows,
  proceeds: money(t.proceeds),
  costBasis: money(t.costBasis),
  adjustment: money(t.adjustment),
  gain: money(t.gain),
});

export function scheduleD(rows: DisposalRow[], year: number) {
  const box = boxes(year);
  const short = totalsOf(rows.filter((d) => d.term === 'short'));
  const long = totalsOf(rows.filter((d) => d.term === 'long'));
  return {
    taxYear: year,
    shortTerm: partView(short, box.short),
    longTerm: partView(long, box.long),
    netShortTerm: money(short.gain),
    netLongTerm: money(long.gain),
    net: money(short.gain.plus(long.gain)),
    lines: { '7': money(short.gain), '15': money(long.gain), '16': money(short.gain.plus(long.gain)) },
  };
}

export function turboTaxCsv(rows: DisposalRow[], assets: Map<string, AssetMeta>): string {
  let out = line([...TURBOTAX_COLUMNS]);
  for (const d of rows) {
    const lots = JSON.parse(d.lots) as LotUse[];
    const symbol = cell(assets.get(d.asset_id)?.symbol ?? d.asset_id, true);
    // Proceeds and basis in cents per lot; the last lot takes the remainder so the disposal's total is kept.
    const proceeds = allocate(
      cents(d.proceeds),
      lots.map((l) => new Decimal(l.quantity)),
    ).map((p) => p.toDecimalPlaces(2, Decimal.ROUND_HALF_UP));
    const fixed = proceeds.slice(0, -1).reduce((t, p) => t.plus(p), ZERO);
    proceeds[proceeds.length - 1] = cents(d.proceeds).minus(fixed);
    const bases = lots.map((l) => cents(l.costBasis));
    bases[bases.length - 1] = cents(d.cost_basis).minus(bases.slice(0, -1).reduce((t, b) => t.plus(b), ZERO));
    lots.forEach((l, i) => {
      out += line([
        symbol,
        l.acquiredAt === null ? '' : usDate(l.acquiredAt),
        Decimal.max(bases[i]!, ZERO).toFixed(2),
        usDate(d.disposed_at),
        Decimal.max(proceeds[i]!, ZERO).toFixed(2),
      ]);
    });
  }
  return out;
}
