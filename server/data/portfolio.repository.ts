/**
 * Reads behind holdings, balances, DeFi, NFTs and profiling. Rows are returned as stored
 * (decimal strings); arithmetic happens in holdings.ts with decimal.js.
 */
import type { Db } from '../db/database.ts';

export type AssetRow = {
  id: string;
  symbol: string;
  name: string;
  chain: string | null;
  contract: string | null;
  type: string;
  category: string;
  coingecko_id: string | null;
  logo_url: string | null;
  is_spam: number;
};
export type PricedAsset = AssetRow & { price: string | null; price_day: number | null; prev_price: string | null };

/**
 * Assets with their latest daily price on or before `day` and the one before it (for the
 * 24 h change): two index seeks per asset on the (asset_id, day) primary key.
 */
export async function findPricedAssets(db: Db, ids: string[], day: number): Promise<Map<string, PricedAsset>> {
  const out = new Map<string, PricedAsset>();
  if (ids.length === 0) return out;
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('assets as a')
      .select(['a.id', 'a.symbol', 'a.name', 'a.chain', 'a.contract', 'a.type', 'a.category', 'a.coingecko_id', 'a.logo_url', 'a.is_spam'])
      .select((eb) => {
        const prices = () => eb.selectFrom('asset_prices as p').whereRef('p.asset_id', '=', 'a.id').where('p.day', '<=', day).orderBy('p.day', 'desc').limit(1);
        return [prices().select('p.price').as('price'), prices().select('p.day').as('price_day'), prices().select('p.price').offset(1).as('prev_price')];
      })
      .where('a.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows as PricedAsset[]) out.set(r.id, r);
  }
  return out;
}

export type BalanceRow = { integration_id: string; asset_id: string; quantity: string; provider: string; address: string | null; chain: string | null };

/** Live balances of the workspace's current (not removed) integrations. */
export async function listBalances(db: Db, workspaceId: string): Promise<BalanceRow[]> {
  return db
    .selectFrom('balances as b')
    .innerJoin('integrations as i', 'i.id', 'b.integration_id')
    .select(['b.integration_id', 'b.asset_id', 'b.quantity', 'i.provider', 'i.address', 'i.chain'])
    .where('b.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .orderBy('b.asset_id')
    .orderBy('b.integration_id')
    .execute();
}

export async function listCostBasis(db: Db, workspaceId: string) {
  const rows = await db.selectFrom('asset_cost_basis').select(['asset_id', 'quantity', 'cost_basis']).where('workspace_id', '=', workspaceId).execute();
  return new Map(rows.map((r) => [r.asset_id, r]));
}

export type IntegrationRef = { id: string; provider: string; address: string | null; chain: string | null };

export async function listIntegrationRefs(db: Db, workspaceId: string): Promise<Map<string, IntegrationRef>> {
  const rows = await db
    .selectFrom('integrations')
    .select(['id', 'provider', 'address', 'chain'])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** Every leg of the workspace's transactions (for ledger-derived balances); only the manual ones with `manualOnly`. */
export async function listLedgerRows(db: Db, workspaceId: string, manualOnly = false) {
  let qb = db
    .selectFrom('transactions as t')
    .innerJoin('integrations as i', 'i.id', 't.integration_id')
    .select(['t.integration_id', 't.legs', 't.failed', 't.is_spam'])
    .where('t.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null);
  if (manualOnly) qb = qb.where('t.is_manual', '=', 1);
  return qb.execute();
}

export async function listDefiPositions(db: Db, workspaceId: string) {
  return db
    .selectFrom('defi_positions as d')
    .innerJoin('integrations as i', 'i.id', 'd.integration_id')
    .select([
      'd.id',
      'd.integration_id',
      'd.protocol',
      'd.chain',
      'd.category',
      'd.site_url',
      'd.logo_url',
      'd.positions',
      'd.is_active',
      'd.created_at',
      'd.updated_at',
      'i.provider',
      'i.address',
    ])
    .where('d.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .orderBy('d.created_at')
    .orderBy('d.id')
    .execute();
}
export type DefiRow = Awaited<ReturnType<typeof listDefiPositions>>[number];

export async function listNfts(db: Db, workspaceId: string) {
  return db
    .selectFrom('nfts as n')
    .innerJoin('integrations as i', 'i.id', 'n.integration_id')
    .select([
      'n.id',
      'n.integration_id',
      'n.chain',
      'n.contract',
      'n.token_id',
      'n.name',
      'n.description',
      'n.content_type',
      'n.nft_url',
      'n.thumbnail_url',
      'n.erc_type',
      'n.amount',
      'n.price',
      'n.is_spam',
      'n.collection',
      'n.last_sale',
      'n.created_at',
      'i.provider',
      'i.address',
    ])
    .where('n.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .orderBy('n.created_at')
    .orderBy('n.id')
    .execute();
}
export type NftRow = Awaited<ReturnType<typeof listNfts>>[number];
