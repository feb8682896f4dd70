/**
 * Portfolio insights (contract 8.7). Value shares come from holdings (regular crypto), DeFi
 * net values and NFT values; classes are tried in the contract's order: NFT Enthusiast
 * (> 30 % NFT), DeFi Hodler (> 40 % DeFi), Futures Trader (≥ 10 % of transactions carry a
 * futures label, or a derivatives position), BTC Maximalist (> 60 % BTC), Active Trader
 * (high activity), else Long-term Holder. Activity level uses the average per month over
 * the last 12 months: Low < 5, Medium 5–20, High > 20.
 */
import { Decimal, ZERO, money, percent, sum } from '../lib/decimal.ts';
import { computeDefi, computeHoldings, listNfts, nftValue, type Deps } from './portfolio.service.ts';
import { countTransactions, topLabels } from './transactions.repository.ts';
import { DAY_MS } from '../lib/time.ts';

const FUTURES_LABELS = new Set([
  'Funding Fee Paid',
  'Funding Fee Received',
  'Futures Expense',
  'Margin Fee',
  'Liquidation',
  'Realized Profit',
  'Realized Loss',
]);
const BTC_SYMBOLS = new Set(['BTC', 'WBTC', 'CBBTC', 'TBTC']);

function sizeCategory(total: Decimal) {
  if (total.lt(10_000)) return 'Small';
  if (total.lte(500_000)) return 'Medium';
  if (total.lte(5_000_000)) return 'Large';
  return 'Whale';
}

export async function profile(deps: Deps, workspaceId: string, userId: string, now: number) {
  const [holdings, defi, nfts, labels] = await Promise.all([
    computeHoldings(deps, workspaceId, { includeSpam: false, calculated: false }, now),
    computeDefi(deps, workspaceId, now),
    listNfts(deps.db, workspaceId),
    topLabels(deps.db, workspaceId, 1000),
  ]);
  const base = { order: 'desc' as const, isSpam: false };
  const count = (since?: number) =>
    deps.cache.get(`activity:${workspaceId}:${since ?? 'all'}`, () => countTransactions(deps.db, workspaceId, { ...base, timeStart: since }));
  const [total, lastWeek, lastMonth, lastYear] = await Promise.all([count(), count(now - 7 * DAY_MS), count(now - 30 * DAY_MS), count(now - 365 * DAY_MS)]);

  const ownNfts = nfts.filter((n) => n.is_spam === 0);
  const crypto = holdings.totals.totalValue;
  const defiValue = sum(defi.map((d) => d.assetsValue.minus(d.debt)));
  const nftTotal = sum(ownNfts.map(nftValue));
  const totalValue = crypto.plus(defiValue.gt(0) ? defiValue : ZERO).plus(nftTotal);
  const btc = sum(holdings.holdings.filter((h) => BTC_SYMBOLS.has(h.asset.symbol.toUpperCase())).map((h) => new Decimal(h.marketValue)));
  const shares = {
    regular_crypto: { value: crypto, count: holdings.holdings.length },
    defi: { value: defiValue, count: defi.length },
    nfts: { value: nftTotal, count: ownNfts.length },
  };
  const breakdown = Object.fromEntries(
    Object.entries(shares).map(([k, s]) => [k, { value: money(s.value), percentage: percent(s.value, totalValue), count: s.count }]),
  );
  const [dominant] = Object.entries(shares).sort((a, b) => b[1].value.comparedTo(a[1].value));
  const perMonth = lastYear / 12;
  const level = perMonth > 20 ? 'High' : perMonth >= 5 ? 'Medium' : 'Low';
  const futures = labels.filter((l) => FUTURES_LABELS.has(l.label)).reduce((n, l) => n + l.count, 0);

  const nftPct = percent(nftTotal, totalValue);
  const defiPct = percent(defiValue, totalValue);
  const classification =
    nftPct > 30
      ? 'NFT Enthusiast'
      : defiPct > 40
        ? 'DeFi Hodler'
        : (total > 0 && futures / total >= 0.1) || defi.some((d) => d.row.category === 'derivatives')
          ? 'Futures Trader'
          : percent(btc, totalValue) > 60
            ? 'BTC Maximalist'
            : level === 'High'
              ? 'Active Trader'
              : 'Long-term Holder';
  const size = sizeCategory(totalValue);
  return {
    user_id: userId,
    base_currency: 'USD',
    user_classification: classification,
    summary: {
      classification,
      portfolio_overview: {
        total_value: money(totalValue),
        currency: 'USD',
        size_category: size,
        dominant_category: dominant?.[0] ?? 'regular_crypto',
        dominant_percentage: dominant ? percent(dominant[1].value, totalValue) : 0,
        change_24h_percentage: holdings.summary.total24hrChange,
        unrealized_pnl: holdings.summary.totalUnrealizedPnL,
        roi_percentage: holdings.summary.roiPercentage,
      },
      asset_breakdown: breakdown,
      activity_summary: {
        total_transactions: total,
        activity_level: level,
        activity_description: `${level} activity: about ${Math.round(perMonth * 10) / 10} transactions a month over the last year`,
        recent_activity: { last_week: lastWeek, last_month: lastMonth, last_year: lastYear },
        top_transaction_types: labels.slice(0, 5),
      },
      summary_text: `${classification} with a ${size.toLowerCase()} portfolio of ${money(totalValue)} USD, mostly ${(dominant?.[0] ?? 'regular_crypto').replace('_', ' ')}; ${level.toLowerCase()} activity.`,
    },
  };
}
