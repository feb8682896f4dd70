/** Stored exchange rates (`fx_rates`) and the daily prices a price source may reuse (`asset_prices`). */
import type { Db } from '../db/database.ts';
import type { DailyPrice } from '../sync/source.ts';

/** The days of `fromDay..toDay` with a stored `currency` rate. */
export async function storedFxDays(db: Db, currency: string, fromDay: number, toDay: number): Promise<number[]> {
  return (await db.selectFrom('fx_rates').select('day').where('currency', '=', currency).where('day', '>=', fromDay).where('day', '<=', toDay).execute()).map(
    (r) => Number(r.day),
  );
}

export async function upsertFxRates(trx: Db, currency: string, rates: DailyPrice[]): Promise<void> {
  for (const r of rates)
    await trx
      .insertInto('fx_rates')
      .values({ currency, day: r.day, rate: r.price })
      .onConflict((oc) => oc.columns(['currency', 'day']).doUpdateSet({ rate: r.price }))
      .execute();
}

/** Every stored rate of `currency`, oldest first. */
export async function fxRateRows(db: Db, currency: string) {
  return db.selectFrom('fx_rates').select(['day', 'rate']).where('currency', '=', currency).orderBy('day').execute();
}

export async function workspaceBaseCurrency(db: Db, workspaceId: string): Promise<string | undefined> {
  return (await db.selectFrom('workspaces').select('base_currency').where('id', '=', workspaceId).executeTakeFirst())?.base_currency;
}

/** Stored daily prices of the assets with this CoinGecko id, `fromDay..toDay`. */
export async function pricesByCoingeckoId(db: Db, coingeckoId: string, fromDay: number, toDay: number) {
  return db
    .selectFrom('asset_prices as p')
    .innerJoin('assets as a', 'a.id', 'p.asset_id')
    .select(['p.day', 'p.price'])
    .where('a.coingecko_id', '=', coingeckoId)
    .where('p.day', '>=', fromDay)
    .where('p.day', '<=', toDay)
    .execute();
}
