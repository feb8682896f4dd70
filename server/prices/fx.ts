/**
 * Base currencies (README "Base currencies"): the workspace's money is computed in its
 * currency. Rates — units of the currency per US dollar, per UTC day — come from the price
 * source (CoinGecko's `vs_currency` conversion; fixed rates offline) and are stored in
 * `fx_rates`. A day without a stored rate takes the latest one before it (the first one for
 * days before any). Conversions are exact decimal products; money is rounded where it is
 * valued, as in USD.
 */
import { Decimal } from '../lib/decimal.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import * as repo from './prices.repository.ts';
import type { PriceSource } from '../sync/source.ts';

export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD', 'AUD', 'CHF', 'SEK'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Fetches and stores the rates of `currency` for `fromDay..toDay` not stored yet (today is always refreshed). Throws when the source has none. */
export async function ensureFxRates(
  deps: { db: Db; write: Writer },
  prices: PriceSource | undefined,
  currency: string,
  fromDay: number,
  toDay: number,
  today: number,
  signal: AbortSignal,
): Promise<void> {
  if (currency === 'USD') return;
  if (!prices?.dailyFxRates) throw new Error(`The price source offers no ${currency} rates`);
  const have = new Set(await repo.storedFxDays(deps.db, currency, fromDay, toDay));
  let first = fromDay;
  while (first <= toDay && have.has(first) && first !== today) first++;
  if (first > toDay) return;
  const rates = await prices.dailyFxRates(currency, first, toDay, signal);
  if (rates.length === 0 && have.size === 0) throw new Error(`The price source has no ${currency} rates`);
  await deps.write((trx) => repo.upsertFxRates(trx, currency, rates));
}

/** Rate lookup for one currency: units per dollar on `day` (1 for USD). */
export async function fxRates(db: Db, currency: string): Promise<(day: number) => Decimal> {
  if (currency === 'USD') return () => new Decimal(1);
  const rows = await repo.fxRateRows(db, currency);
  const days = rows.map((r) => Number(r.day));
  const rates = rows.map((r) => new Decimal(r.rate));
  if (rates.length === 0) throw new Error(`No ${currency} rates stored`);
  return (day: number) => {
    let lo = 0;
    let hi = days.length - 1;
    if (day < days[0]!) return rates[0]!;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (days[mid]! <= day) lo = mid;
      else hi = mid - 1;
    }
    return rates[lo]!;
  };
}

/** The workspace's currency. */
export async function workspaceCurrency(db: Db, workspaceId: string): Promise<string> {
  return (await repo.workspaceBaseCurrency(db, workspaceId)) ?? 'USD';
}
