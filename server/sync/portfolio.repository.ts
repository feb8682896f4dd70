/**
 * Writes what a source returned: assets, balances (replaced per integration), transactions
 * (upserted by integration and external id, so re-syncs are idempotent), DeFi positions and
 * NFTs (replaced), daily prices. Row ids are derived from the integration and the source's
 * own keys, so the same data always gets the same ids. Call inside a write transaction.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Integration } from '../db/tables.ts';
import { isDecimalString } from '../lib/decimal.ts';
import { existingExternalIds, insertTransactions } from '../data/transactions.repository.ts';
import type { AssetInfo, DailyPrice, DefiPosition, Holding, LegAccount, Nft, SourceTransaction } from './source.ts';

const derivedId = (prefix: string, ...parts: string[]) => prefix + createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 24);

export const transactionId = (integrationId: string, externalId: string) => derivedId('trx_', integrationId, externalId);

function checkQuantity(value: string, what: string): string {
  if (!isDecimalString(value) || value.startsWith('-')) throw new Error(`source returned an invalid ${what}: ${value.slice(0, 40)}`);
  return value;
}

export async function upsertAssets(db: Db, assets: AssetInfo[]): Promise<void> {
  const unique = [...new Map(assets.map((a) => [a.id, a])).values()];
  for (let i = 0; i < unique.length; i += 100) {
    await db
      .insertInto('assets')
      .values(
        unique.slice(i, i + 100).map((a) => ({
          id: a.id,
          symbol: a.symbol,
          name: a.name,
          chain: a.chain,
          contract: a.contract,
          decimals: a.decimals,
          type: a.type,
          category: a.category,
          coingecko_id: a.coingeckoId,
          logo_url: a.logoUrl,
          is_spam: a.isSpam ? 1 : 0,
        })),
      )
      .onConflict((oc) =>
        oc.column('id').doUpdateSet((eb) => ({
          symbol: eb.ref('excluded.symbol'),
          name: eb.ref('excluded.name'),
          decimals: eb.ref('excluded.decimals'),
          category: eb.ref('excluded.category'),
          coingecko_id: eb.ref('excluded.coingecko_id'),
          is_spam: eb.ref('excluded.is_spam'),
        })),
      )
      .execute();
  }
}

export async function replaceBalances(db: Db, integration: Integration, holdings: Holding[], now: number): Promise<void> {
  await upsertAssets(
    db,
    holdings.map((h) => h.asset),
  );
  await db.deleteFrom('balances').where('integration_id', '=', integration.id).execute();
  const rows = holdings.map((h) => ({
    integration_id: integration.id,
    asset_id: h.asset.id,
    workspace_id: integration.workspace_id,
    quantity: checkQuantity(h.quantity, 'balance'),
    updated_at: now,
  }));
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('balances')
      .values(rows.slice(i, i + 200))
      .execute();
}

export async function replaceDefi(db: Db, integration: Integration, positions: DefiPosition[], now: number): Promise<void> {
  await upsertAssets(
    db,
    positions.flatMap((p) => p.positions.map((x) => x.asset)),
  );
  await db.deleteFrom('defi_positions').where('integration_id', '=', integration.id).execute();
  for (const p of positions) {
    await db
      .insertInto('defi_positions')
      .values({
        id: derivedId('defi_', integration.id, p.key),
        integration_id: integration.id,
        workspace_id: integration.workspace_id,
        protocol: p.protocol,
        chain: p.chain,
        category: p.category,
        site_url: p.siteUrl,
        logo_url: p.logoUrl,
        is_active: 1,
        created_at: now,
        updated_at: now,
        positions: JSON.stringify(p.positions.map((x) => ({ assetId: x.asset.id, amount: checkQuantity(x.amount, 'DeFi amount'), side: x.side }))),
      })
      .execute();
  }
}

export async function replaceNfts(db: Db, integration: Integration, nfts: Nft[], now: number): Promise<void> {
  await db.deleteFrom('nfts').where('integration_id', '=', integration.id).execute();
  for (const n of nfts) {
    await db
      .insertInto('nfts')
      .values({
        id: derivedId('nft_', integration.id, n.contract, n.tokenId),
        integration_id: integration.id,
        workspace_id: integration.workspace_id,
        chain: n.chain,
        contract: n.contract,
        token_id: n.tokenId,
        name: n.name,
        description: n.description,
        content_type: n.contentType,
        nft_url: n.nftUrl,
        thumbnail_url: n.thumbnailUrl,
        erc_type: n.ercType,
        amount: checkQuantity(n.amount, 'NFT amount'),
        price: n.price === null ? null : checkQuantity(n.price, 'NFT price'),
        is_spam: n.isSpam ? 1 : 0,
        collection: JSON.stringify(n.collection),
        last_sale: n.lastSale ? JSON.stringify(n.lastSale) : null,
        created_at: now,
      })
      .execute();
  }
}

/** `from_start`: forget everything the integration imported. */
export async function wipeIntegrationData(db: Db, integrationId: string): Promise<void> {
  const ids = db.selectFrom('transactions').select('id').where('integration_id', '=', integrationId);
  await db.deleteFrom('transaction_assets').where('transaction_id', 'in', ids).execute();
  await db.deleteFrom('transactions').where('integration_id', '=', integrationId).execute();
  await db.deleteFrom('balances').where('integration_id', '=', integrationId).execute();
  await db.deleteFrom('defi_positions').where('integration_id', '=', integrationId).execute();
  await db.deleteFrom('nfts').where('integration_id', '=', integrationId).execute();
  await db.updateTable('integrations').set({ sync_cursor: null, total_transactions: 0, limit_exceeded: 0 }).where('id', '=', integrationId).execute();
}

/** Transactions the workspace holds (of integrations not removed): what the limit counts. */
export async function countWorkspaceTransactions(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .selectFrom('transactions as t')
    .innerJoin('integrations as i', 'i.id', 't.integration_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('t.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type StoredPage = { inserted: number; updated: number; limited: boolean };

/**
 * Upserts a page of transactions. With a limit, only as many new transactions as the
 * workspace still has room for are inserted (counted inside this transaction, so two
 * integrations syncing at once cannot overshoot); `limited` says some were left out.
 */
export async function storeTransactions(
  db: Db,
  integration: Integration,
  account: LegAccount,
  txs: SourceTransaction[],
  limit: number | null,
  now: number,
): Promise<StoredPage> {
  if (txs.length === 0) return { inserted: 0, updated: 0, limited: false };
  const existing = await existingExternalIds(
    db,
    integration.id,
    txs.map((t) => t.externalId),
  );
  let room = Infinity;
  if (limit !== null) room = Math.max(0, limit - (await countWorkspaceTransactions(db, integration.workspace_id)));
  const keep: SourceTransaction[] = [];
  let inserted = 0;
  let limited = false;
  const seen = new Set<string>();
  for (const t of txs) {
    if (seen.has(t.externalId)) continue;
    seen.add(t.externalId);
    if (existing.has(t.externalId)) keep.push(t);
    else if (inserted < room) {
      keep.push(t);
      inserted++;
    } else limited = true;
  }
  const rows = keep.map((t) => {
    const legs = t.legs.map((l) => ({
      kind: l.kind,
      assetId: l.assetId,
      quantity: checkQuantity(l.quantity, 'quantity'),
      price: l.price === null ? null : checkQuantity(l.price, 'price'),
      account: l.account ?? account,
    }));
    const raw = { ...t.raw, ...(t.transferId ? { transferId: t.transferId } : {}) };
    return {
      id: transactionId(integration.id, t.externalId),
      workspace_id: integration.workspace_id,
      integration_id: integration.id,
      external_id: t.externalId,
      platform_id: t.platformId,
      timestamp: t.timestamp,
      label: t.label,
      type: t.type,
      description: t.description,
      legs: JSON.stringify(legs),
      is_spam: t.isSpam ? 1 : 0,
      is_nft: t.isNft ? 1 : 0,
      is_defi: t.isDefi ? 1 : 0,
      is_manual: 0,
      is_edited: 0,
      failed: t.failed ? 1 : 0,
      missing_price: legs.some((l) => l.price === null) ? 1 : 0,
      missing_purchase: 0,
      import_source: 'API' as const,
      raw: Object.keys(raw).length ? JSON.stringify(raw) : null,
      total_cost_basis: null,
      total_gains: null,
      created_at: now,
    };
  });
  await insertTransactions(db, rows);
  return { inserted, updated: keep.length - inserted, limited };
}

export async function countIntegrationTransactions(db: Db, integrationId: string): Promise<number> {
  const row = await db
    .selectFrom('transactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('integration_id', '=', integrationId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The last day with a stored price, per asset. */
export async function lastPriceDays(db: Db, assetIds: string[]): Promise<Map<string, number>> {
  if (assetIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('asset_prices')
    .select(['asset_id', (eb) => eb.fn.max('day').as('day')])
    .where('asset_id', 'in', assetIds)
    .groupBy('asset_id')
    .execute();
  return new Map(rows.map((r) => [r.asset_id, Number(r.day)]));
}

export async function insertPrices(db: Db, assetId: string, prices: DailyPrice[]): Promise<void> {
  for (let i = 0; i < prices.length; i += 300) {
    await db
      .insertInto('asset_prices')
      .values(prices.slice(i, i + 300).map((p) => ({ asset_id: assetId, day: p.day, price: checkQuantity(p.price, 'price') })))
      .onConflict((oc) => oc.columns(['asset_id', 'day']).doNothing())
      .execute();
  }
}

/** Every asset the integration holds or has moved. */
export async function integrationAssets(db: Db, integrationId: string) {
  const ids = new Set<string>();
  for (const r of await db.selectFrom('balances').select('asset_id').where('integration_id', '=', integrationId).execute()) ids.add(r.asset_id);
  for (const r of await db
    .selectFrom('transaction_assets as a')
    .innerJoin('transactions as t', 't.id', 'a.transaction_id')
    .select('a.asset_id')
    .distinct()
    .where('t.integration_id', '=', integrationId)
    .execute())
    ids.add(r.asset_id);
  return ids.size
    ? db
        .selectFrom('assets')
        .selectAll()
        .where('id', 'in', [...ids])
        .execute()
    : [];
}
