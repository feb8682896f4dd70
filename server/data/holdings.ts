/**
 * Holdings (contract 8.3) from live balances or from the ledger, valued at the latest daily
 * price, with average cost basis, unrealised PnL, ROI and the 24 h change. Arithmetic is
 * decimal.js only (amounts.ts). Money is rounded per row and the summary adds the rounded
 * rows, so `summary` equals the sum of `holdings` to the last digit; quantities are exact, so
 * `assetDistribution` sums to `totalQuantity` exactly.
 */
import { Decimal, ZERO, dec, money, percent, quantity, roundMoney, sum } from '../lib/decimal.ts';
import type { PricedAsset } from './portfolio.repository.ts';

export type BalanceEntry = { walletId: string; provider: string; assetId: string; quantity: Decimal };
export type CostBasis = { quantity: string; cost_basis: string };

export type Holding = ReturnType<typeof toHolding>;

export function assetRef(a: PricedAsset | undefined, id: string) {
  return {
    tokenId: id,
    symbol: a?.symbol ?? id,
    publicName: a?.name ?? id,
    chainId: a?.chain ?? null,
    logoUrl: a?.logo_url ?? null,
    type: a?.type ?? 'token',
    category: a?.category ?? 'crypto',
  };
}

function marketLinks(a: PricedAsset | undefined): Record<string, string> {
  return a?.coingecko_id ? { coingecko: `https://www.coingecko.com/en/coins/${encodeURIComponent(a.coingecko_id)}` } : {};
}

type Numbers = { marketValue: Decimal; costbasis: Decimal; unrealizedPnL: Decimal; previousValue: Decimal | null };

function toHolding(assetId: string, entries: BalanceEntry[], a: PricedAsset | undefined, basis: CostBasis | undefined, calculated: boolean, currency: string) {
  const total = sum(entries.map((e) => e.quantity));
  const price = a?.price ? new Decimal(a.price) : null;
  const prev = a?.prev_price ? new Decimal(a.prev_price) : null;
  const marketValue = price ? roundMoney(total.times(price)) : ZERO;
  // Average cost: the basis recorded for `basis.quantity`, scaled to the quantity held now.
  const basisQty = basis ? dec(basis.quantity) : ZERO;
  const hasCostBasis = basis !== undefined && basisQty.gt(0);
  const costPerUnit = hasCostBasis ? dec(basis.cost_basis).div(basisQty) : null;
  const costbasis = costPerUnit ? roundMoney(basisQty.eq(total) ? dec(basis!.cost_basis) : costPerUnit.times(total)) : ZERO;
  // Without a price or a basis there is no PnL to report: 0, and roi 0 (the contract's rule).
  const unrealizedPnL = price && hasCostBasis ? marketValue.minus(costbasis) : ZERO;
  const numbers: Numbers = { marketValue, costbasis, unrealizedPnL, previousValue: price && prev ? roundMoney(total.times(prev)) : null };
  const view = {
    asset: assetRef(a, assetId),
    assetId,
    isSpam: a?.is_spam === 1,
    totalQuantity: quantity(total),
    costbasis: money(costbasis),
    costPerUnit: costPerUnit ? money(costPerUnit) : null,
    hasCostBasis,
    marketPrice: price ? quantity(price) : null,
    marketValue: money(marketValue),
    unrealizedPnL: money(unrealizedPnL),
    roi: percent(unrealizedPnL, costbasis),
    baseCurrency: currency,
    '24hrChange': price && prev ? percent(price.minus(prev), prev) : 0,
    marketLinks: marketLinks(a),
    hasCalculatedBalance: calculated,
    assetDistribution: entries.map((e) => ({
      quantity: quantity(e.quantity),
      account: { provider: e.provider, walletId: e.walletId },
      allocationPercentage: percent(e.quantity, total),
      isCalculatedBalance: calculated,
    })),
  };
  return { view, numbers };
}

/** Builds the holdings list and its summary. Zero totals are left out. */
export function buildHoldings(
  entries: BalanceEntry[],
  assets: Map<string, PricedAsset>,
  costBasis: Map<string, CostBasis>,
  opts: { includeSpam: boolean; calculated: boolean; currency?: string },
) {
  const currency = opts.currency ?? 'USD';
  const byAsset = new Map<string, BalanceEntry[]>();
  for (const e of entries) {
    const a = assets.get(e.assetId);
    if (!opts.includeSpam && a?.is_spam === 1) continue;
    if (a?.type === 'nft') continue; // NFTs are served by /nft-holdings
    const list = byAsset.get(e.assetId) ?? [];
    list.push(e);
    byAsset.set(e.assetId, list);
  }
  const rows = [...byAsset]
    .map(([assetId, list]) => toHolding(assetId, list, assets.get(assetId), costBasis.get(assetId), opts.calculated, currency))
    .filter((h) => !dec(h.view.totalQuantity).isZero())
    .sort((x, y) => y.numbers.marketValue.comparedTo(x.numbers.marketValue) || (x.view.assetId < y.view.assetId ? -1 : 1));
  const totalValue = sum(rows.map((r) => r.numbers.marketValue));
  const totalCostBasis = sum(rows.map((r) => r.numbers.costbasis));
  const totalUnrealizedPnL = sum(rows.map((r) => r.numbers.unrealizedPnL));
  const priced = rows.filter((r) => r.numbers.previousValue !== null);
  const now = sum(priced.map((r) => r.numbers.marketValue));
  const before = sum(priced.map((r) => r.numbers.previousValue!));
  return {
    holdings: rows.map((r) => r.view),
    totals: { totalValue, totalCostBasis, totalUnrealizedPnL },
    summary: {
      totalValue: money(totalValue),
      totalCostBasis: money(totalCostBasis),
      totalUnrealizedPnL: money(totalUnrealizedPnL),
      roiPercentage: percent(totalUnrealizedPnL, totalCostBasis),
      total24hrChange: percent(now.minus(before), before),
      baseCurrency: currency,
    },
  };
}

type Leg = { kind?: string; assetId?: string; quantity?: string; account?: { provider?: string; walletId?: string } | null };

/**
 * Balances derived from the ledger: incoming legs add, outgoing and fee legs subtract. A
 * failed transaction only spends its fee. Legs are attributed to their account's wallet,
 * else to the transaction's integration.
 */
export function ledgerBalances(
  rows: { integration_id: string; legs: string; failed: number; is_spam: number }[],
  providers: Map<string, string>,
  includeSpam: boolean,
): BalanceEntry[] {
  const totals = new Map<string, BalanceEntry>();
  for (const row of rows) {
    if (!includeSpam && row.is_spam === 1) continue;
    let legs: Leg[];
    try {
      legs = JSON.parse(row.legs) as Leg[];
    } catch {
      continue;
    }
    for (const leg of legs) {
      if (!leg.assetId || !leg.quantity || (row.failed === 1 && leg.kind !== 'fee')) continue;
      const walletId = leg.account?.walletId && providers.has(leg.account.walletId) ? leg.account.walletId : row.integration_id;
      const key = `${walletId}\u0000${leg.assetId}`;
      let entry = totals.get(key);
      if (!entry) {
        entry = { walletId, provider: providers.get(walletId) ?? leg.account?.provider ?? 'unknown', assetId: leg.assetId, quantity: ZERO };
        totals.set(key, entry);
      }
      const q = new Decimal(leg.quantity).abs();
      entry.quantity = leg.kind === 'incoming' ? entry.quantity.plus(q) : entry.quantity.minus(q);
    }
  }
  return [...totals.values()]
    .filter((e) => !e.quantity.isZero())
    .sort((a, b) => (a.assetId === b.assetId ? (a.walletId < b.walletId ? -1 : 1) : a.assetId < b.assetId ? -1 : 1));
}
