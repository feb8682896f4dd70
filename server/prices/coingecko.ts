/**
 * Daily USD prices from a CoinGecko-compatible API: history from
 * `/coins/{id}/market_chart/range` (the last point of each UTC day), today's from
 * `/simple/price`. Days another asset with the same CoinGecko id already has in
 * `asset_prices` are read from there, not fetched again (USDC on Ethereum and on Solana are
 * one series). 429 answers wait for `Retry-After`, then back off. An asset without a
 * CoinGecko id, or a day CoinGecko has no price for, gets no price: the runner leaves the
 * leg unpriced and the transaction is flagged `missing_price` — never a guess.
 */
import { Decimal } from 'decimal.js';
import type { Db } from '../db/database.ts';
import type { DailyPrice, PriceSource } from '../sync/source.ts';
import { DAY_MS, dayOf } from '../lib/time.ts';
import { requestJson } from '../sync/sources/http.ts';
import { pricesByCoingeckoId } from './prices.repository.ts';

export type CoinGeckoOptions = {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  db?: Db;
  /** The public API serves 365 days of history; a key lifts it (default: 365 without a key). */
  maxHistoryDays?: number;
  now?: () => number;
};

const price = (n: number) => new Decimal(n).toFixed();

export function createCoinGeckoPriceSource(options: CoinGeckoOptions): PriceSource {
  const now = options.now ?? Date.now;
  const headers: Record<string, string> = {};
  // Keys go in a header, never the query string, so no URL carries them.
  if (options.apiKey) headers[/pro-api\./.test(options.url) ? 'x-cg-pro-api-key' : 'x-cg-demo-api-key'] = options.apiKey;
  const get = <T>(path: string, signal: AbortSignal) => requestJson<T>(`${options.url}${path}`, { timeoutMs: options.timeoutMs, signal, headers });
  const maxDays = options.maxHistoryDays ?? (options.apiKey ? 100_000 : 365);

  async function cached(coingeckoId: string, fromDay: number, toDay: number): Promise<Map<number, string>> {
    if (!options.db) return new Map();
    const rows = await pricesByCoingeckoId(options.db, coingeckoId, fromDay, toDay);
    return new Map(rows.map((r) => [Number(r.day), r.price]));
  }

  return {
    name: 'coingecko',
    async dailyPrices(asset, fromDay, toDay, signal): Promise<DailyPrice[]> {
      if (asset.id === 'fiat:usd') {
        const out: DailyPrice[] = [];
        for (let d = fromDay; d <= toDay; d++) out.push({ day: d, price: '1' });
        return out;
      }
      const id = asset.coingeckoId;
      if (!id || asset.isSpam) return [];
      const today = dayOf(now());
      const from = Math.max(fromDay, today - maxDays + 1);
      const to = Math.min(toDay, today);
      if (from > to) return [];
      const days = await cached(id, from, to);
      // Fetch from the first day not already stored (today is always refreshed).
      let first = from;
      while (first < today && first <= to && days.has(first)) first++;
      if (first < today && first <= to) {
        const range = await get<{ prices?: [number, number][] }>(
          `/coins/${encodeURIComponent(id)}/market_chart/range?vs_currency=usd&from=${Math.floor((first * DAY_MS) / 1000)}&to=${Math.floor(((Math.min(to, today - 1) + 1) * DAY_MS) / 1000) - 1}`,
          signal,
        );
        for (const [ms, p] of range.prices ?? []) {
          const d = dayOf(ms);
          if (d >= first && d <= to && d < today && Number.isFinite(p) && p >= 0) days.set(d, price(p)); // later points of a day overwrite earlier ones
        }
      }
      if (to === today) {
        const current = await get<Record<string, { usd?: number }>>(`/simple/price?ids=${encodeURIComponent(id)}&vs_currencies=usd`, signal);
        const usd = current[id]?.usd;
        if (typeof usd === 'number' && Number.isFinite(usd) && usd >= 0) days.set(today, price(usd));
      }
      return [...days.entries()]
        .filter(([d]) => d >= fromDay && d <= toDay)
        .sort((a, b) => a[0] - b[0])
        .map(([day, p]) => ({ day, price: p }));
    },
    /**
     * Units of `currency` per dollar, as CoinGecko converts (`vs_currency`): bitcoin's price in
     * the currency over its price in USD at the same moment — the last common point of each
     * day, today from `/simple/price` — to 10 decimal places.
     */
    async dailyFxRates(currency, fromDay, toDay, signal) {
      const vs = currency.toLowerCase();
      if (vs === 'usd') return Array.from({ length: Math.max(0, toDay - fromDay + 1) }, (_, i) => ({ day: fromDay + i, price: '1' }));
      const today = dayOf(now());
      const from = Math.max(fromDay, today - maxDays + 1);
      const to = Math.min(toDay, today);
      const out = new Map<number, string>();
      const ratio = (a: number, b: number) =>
        Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0 ? new Decimal(a).div(b).toDecimalPlaces(10).toFixed() : null;
      if (from < today && from <= to) {
        const range = (c: string) =>
          get<{ prices?: [number, number][] }>(
            `/coins/bitcoin/market_chart/range?vs_currency=${c}&from=${Math.floor((from * DAY_MS) / 1000)}&to=${Math.floor(((Math.min(to, today - 1) + 1) * DAY_MS) / 1000) - 1}`,
            signal,
          );
        const [usd, other] = await Promise.all([range('usd'), range(encodeURIComponent(vs))]);
        const usdAt = new Map((usd.prices ?? []).map(([ms, p]) => [ms, p]));
        for (const [ms, p] of other.prices ?? []) {
          const d = dayOf(ms);
          const r = usdAt.has(ms) ? ratio(p, usdAt.get(ms)!) : null;
          if (r && d >= from && d <= to && d < today) out.set(d, r); // later points of a day overwrite earlier ones
        }
      }
      if (to === today) {
        const current = await get<Record<string, Record<string, number>>>(`/simple/price?ids=bitcoin&vs_currencies=usd,${encodeURIComponent(vs)}`, signal);
        const r = ratio(current.bitcoin?.[vs] ?? NaN, current.bitcoin?.usd ?? NaN);
        if (r) out.set(today, r);
      }
      return [...out].sort((a, b) => a[0] - b[0]).map(([day, price]) => ({ day, price }));
    },
  };
}
