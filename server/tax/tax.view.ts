/**
 * Wire shapes of the tax endpoints and the per-year summary. Money is 8 dp like the rest of
 * the data API (amounts.ts); the engine already made every value at 8 dp, so totals here
 * are exact sums of the rows a partner receives.
 */
import { Decimal, ZERO, dec, money, quantity } from '../lib/decimal.ts';
import type { DisposalRow, IncomeRow } from './tax.repository.ts';
import { taxYearRange } from './engine.ts';

type AssetMeta = { id: string; symbol: string; name: string; type: string };
export const assetOf = (assets: Map<string, AssetMeta>, id: string) => {
  const a = assets.get(id);
  return { tokenId: id, symbol: a?.symbol ?? id, publicName: a?.name ?? id, type: a?.type ?? 'token' };
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function disposalView(d: DisposalRow, assets: Map<string, AssetMeta>, currency = 'USD') {
  const lots = JSON.parse(d.lots) as { lotId: string; transactionId: string; acquiredAt: number | null; quantity: string; costBasis: string }[];
  return {
    id: d.id.slice(d.id.indexOf(':') + 1),
    transactionId: d.transaction_id,
    asset: assetOf(assets, d.asset_id),
    kind: d.kind,
    quantity: quantity(dec(d.quantity)),
    acquiredAt: d.acquired_at,
    disposedAt: d.disposed_at,
    acquiredDate: iso(d.acquired_at),
    disposedDate: iso(d.disposed_at),
    taxYear: d.tax_year,
    term: d.term,
    proceeds: money(dec(d.proceeds)),
    costBasis: money(dec(d.cost_basis)),
    gain: money(dec(d.gain)),
    fee: money(dec(d.fee)),
    baseCurrency: currency,
    lots: lots.map((l) => ({ ...l, costBasis: money(dec(l.costBasis)) })),
    isMissingPrice: d.missing_price === 1,
    isMissingPurchase: d.missing_purchase === 1,
  };
}

export function incomeView(i: IncomeRow, assets: Map<string, AssetMeta>, currency = 'USD') {
  return {
    id: i.id.slice(i.id.indexOf(':') + 1),
    transactionId: i.transaction_id,
    asset: assetOf(assets, i.asset_id),
    label: i.label,
    quantity: quantity(dec(i.quantity)),
    receivedAt: i.received_at,
    receivedDate: iso(i.received_at),
    taxYear: i.tax_year,
    value: money(dec(i.value)),
    baseCurrency: currency,
    isMissingPrice: i.missing_price === 1,
  };
}

type Bucket = { proceeds: Decimal; costBasis: Decimal; gains: Decimal; losses: Decimal; count: number };
const bucket = (): Bucket => ({ proceeds: ZERO, costBasis: ZERO, gains: ZERO, losses: ZERO, count: 0 });
const bucketView = (b: Bucket) => ({
  proceeds: money(b.proceeds),
  costBasis: money(b.costBasis),
  gains: money(b.gains),
  losses: money(b.losses),
  net: money(b.gains.plus(b.losses)),
  disposals: b.count,
});

/** Per tax year: short and long term gains and losses, income by label, fees paid, flags. */
export function summarize(disposals: DisposalRow[], income: IncomeRow[], yearStart: string, zone = 'UTC', currency = 'USD') {
  const years = new Map<
    number,
    { short: Bucket; long: Bucket; income: Map<string, Decimal>; incomeCount: number; fees: Decimal; missingPrice: Set<string>; missingPurchase: Set<string> }
  >();
  const yearOf = (y: number) => {
    let v = years.get(y);
    if (!v)
      years.set(
        y,
        (v = { short: bucket(), long: bucket(), income: new Map(), incomeCount: 0, fees: ZERO, missingPrice: new Set(), missingPurchase: new Set() }),
      );
    return v;
  };
  for (const d of disposals) {
    const y = yearOf(d.tax_year);
    const b = d.term === 'long' ? y.long : y.short;
    const gain = dec(d.gain);
    b.proceeds = b.proceeds.plus(d.proceeds);
    b.costBasis = b.costBasis.plus(d.cost_basis);
    if (gain.gte(0)) b.gains = b.gains.plus(gain);
    else b.losses = b.losses.plus(gain);
    b.count++;
    // Fees paid: every fee leg's market value (already netted in the proceeds or basis it belonged to).
    if (d.kind === 'fee') y.fees = y.fees.plus(d.proceeds);
    if (d.missing_price) y.missingPrice.add(d.transaction_id);
    if (d.missing_purchase) y.missingPurchase.add(d.transaction_id);
  }
  for (const i of income) {
    const y = yearOf(i.tax_year);
    y.income.set(i.label, (y.income.get(i.label) ?? ZERO).plus(i.value));
    y.incomeCount++;
    if (i.missing_price) y.missingPrice.add(i.transaction_id);
  }
  return [...years]
    .sort(([a], [b]) => b - a)
    .map(([taxYear, y]) => {
      const [from, to] = taxYearRange(taxYear, yearStart, zone);
      const incomeTotal = [...y.income.values()].reduce((t, v) => t.plus(v), ZERO);
      return {
        taxYear,
        from: new Date(from).toISOString(),
        to: new Date(to).toISOString(),
        shortTerm: bucketView(y.short),
        longTerm: bucketView(y.long),
        netGain: money(y.short.gains.plus(y.short.losses).plus(y.long.gains).plus(y.long.losses)),
        income: {
          total: money(incomeTotal),
          events: y.incomeCount,
          byLabel: Object.fromEntries([...y.income].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, money(v)])),
        },
        fees: money(y.fees),
        flags: { missingPriceTransactions: y.missingPrice.size, missingPurchaseTransactions: y.missingPurchase.size },
        baseCurrency: currency,
      };
    });
}
