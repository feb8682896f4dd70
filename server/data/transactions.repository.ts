/**
 * The `transactions` table and its `transaction_assets` index. Writes: `insertTransactions`,
 * the one way rows get in (the sync and `POST /v0/transactions`). Reads for
 * `GET /v1/transactions`: every documented filter, ordered by (`timestamp`, `id`) on the
 * `transactions_workspace_time` index, with offset pages and keyset pages (a row-value
 * comparison on the same index, so a page 90,000 rows deep costs what the first one does).
 */
import { sql, type Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { TransactionsTable } from '../db/tables.ts';
import { TRANSACTION_TYPE_ALIASES, type TransactionsQuery } from './data.schema.ts';
import type { CursorKey } from './cursor.ts';

/** Bits of the packed `flags` column of a listed transaction. */
export const FLAG = { spam: 1, nft: 2, defi: 4, manual: 8, edited: 16, failed: 32, missingPrice: 64, missingPurchase: 128 } as const;

export type Filters = Omit<TransactionsQuery, 'limit' | 'offset' | 'cursor'>;

/** The filters in a canonical form (what a cursor is bound to and the count is cached by). */
export function canonicalFilters(q: TransactionsQuery): string {
  const { limit: _l, offset: _o, cursor: _c, ...filters } = q;
  const sorted = Object.entries(filters)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : v] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify(sorted);
}

function filtered(db: Db, workspaceId: string, f: Filters) {
  let qb = db
    .selectFrom('transactions as t')
    .where('t.workspace_id', '=', workspaceId)
    // A removed integration's history leaves the workspace's views with it (its rows stay until purged).
    .where('t.integration_id', 'not in', (eb) =>
      eb.selectFrom('integrations').select('id').where('workspace_id', '=', workspaceId).where('deleted_at', 'is not', null),
    );
  if (!f.isSpam) qb = qb.where('t.is_spam', '=', 0);
  if (f.walletId) qb = qb.where('t.integration_id', 'in', f.walletId);
  if (f.currencyId) {
    const ids = f.currencyId;
    qb = qb.where('t.id', 'in', (eb) =>
      eb.selectFrom('transaction_assets as x').select('x.transaction_id').where('x.workspace_id', '=', workspaceId).where('x.asset_id', 'in', ids),
    );
  }
  if (f.trxId) {
    const trxId = f.trxId;
    qb = qb.where((eb) => eb.or([eb('t.id', '=', trxId), eb('t.platform_id', '=', trxId)]));
  }
  if (f.isNft !== undefined) qb = qb.where('t.is_nft', '=', f.isNft ? 1 : 0);
  if (f.isMissingPrice !== undefined) qb = qb.where('t.missing_price', '=', f.isMissingPrice ? 1 : 0);
  if (f.isMissingPurchase !== undefined) qb = qb.where('t.missing_purchase', '=', f.isMissingPurchase ? 1 : 0);
  if (f.isEdited !== undefined) qb = qb.where('t.is_edited', '=', f.isEdited ? 1 : 0);
  if (f.isManual !== undefined) qb = qb.where('t.is_manual', '=', f.isManual ? 1 : 0);
  if (f.transactionType) qb = qb.where('t.type', 'in', [...new Set(f.transactionType.map((t) => TRANSACTION_TYPE_ALIASES[t.toLowerCase()]!))]);
  if (f.label) qb = qb.where('t.label', 'in', f.label);
  if (f.timeStart !== undefined) qb = qb.where('t.timestamp', '>=', f.timeStart);
  if (f.timeEnd !== undefined) qb = qb.where('t.timestamp', '<=', f.timeEnd);
  return qb;
}

export async function countTransactions(db: Db, workspaceId: string, f: Filters): Promise<number> {
  const row = await filtered(db, workspaceId, f)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export type TransactionRow = Awaited<ReturnType<typeof listTransactions>>[number];

const VIEW_COLUMNS = [
  't.id',
  't.integration_id',
  't.platform_id',
  't.timestamp',
  't.label',
  't.type',
  't.description',
  't.legs',
  't.import_source',
  't.raw',
  't.total_cost_basis',
  't.total_gains',
] as const;
// The eight 0/1 flags in one integer: each column read costs (better-sqlite3 builds one JS value per column).
const FLAGS =
  sql<number>`t.is_spam + 2 * t.is_nft + 4 * t.is_defi + 8 * t.is_manual + 16 * t.is_edited + 32 * t.failed + 64 * t.missing_price + 128 * t.missing_purchase`.as(
    'flags',
  );

/** Transactions of the workspace by id, in the order of `ids` (the answer of `POST /v0/transactions`). */
export async function findTransactions(db: Db, workspaceId: string, ids: string[]): Promise<TransactionRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('transactions as t')
    .select(VIEW_COLUMNS)
    .select(FLAGS)
    .where('t.workspace_id', '=', workspaceId)
    .where('t.id', 'in', ids)
    .execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** `limit` rows after `after` (keyset) or after skipping `offset` rows. */
export async function listTransactions(db: Db, workspaceId: string, f: Filters, page: { limit: number; offset: number; after?: CursorKey }) {
  let qb = filtered(db, workspaceId, f);
  const desc = f.order === 'desc';
  if (page.after) {
    const { timestamp, id } = page.after;
    qb = qb.where((eb) => eb(eb.refTuple('t.timestamp', 't.id'), desc ? '<' : '>', eb.tuple(timestamp, id)));
  }
  return qb
    .select(VIEW_COLUMNS)
    .select(FLAGS)
    .orderBy('t.timestamp', desc ? 'desc' : 'asc')
    .orderBy('t.id', desc ? 'desc' : 'asc')
    .limit(page.limit)
    .offset(page.after ? 0 : page.offset)
    .execute();
}

export async function findAssets(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('assets').select(['id', 'symbol', 'name', 'type', 'chain', 'contract', 'coingecko_id', 'is_spam']).where('id', 'in', ids).execute();
}
export type AssetMeta = Awaited<ReturnType<typeof findAssets>>[number];

/** The most used labels (profiling), spam excluded. */
export async function topLabels(db: Db, workspaceId: string, limit: number) {
  const rows = await db
    .selectFrom('transactions')
    .select((eb) => ['label', eb.fn.countAll<number>().as('count')])
    .where('workspace_id', '=', workspaceId)
    .where('is_spam', '=', 0)
    .groupBy('label')
    .orderBy('count', 'desc')
    .orderBy('label')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ label: r.label, count: Number(r.count) }));
}

export type NewTransaction = Insertable<TransactionsTable>;

/**
 * Inserts transactions with their `transaction_assets` index rows (one per distinct asset of
 * the legs). A row whose (integration, external id) is already stored is updated with what a
 * source may change and its index rebuilt, so a re-sync is idempotent. Call inside a write.
 */
export async function insertTransactions(trx: Db, rows: NewTransaction[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    await trx
      .insertInto('transactions')
      .values(rows.slice(i, i + 100))
      .onConflict((oc) =>
        oc.columns(['integration_id', 'external_id']).doUpdateSet((eb) => ({
          platform_id: eb.ref('excluded.platform_id'),
          timestamp: eb.ref('excluded.timestamp'),
          label: eb.ref('excluded.label'),
          type: eb.ref('excluded.type'),
          description: eb.ref('excluded.description'),
          legs: eb.ref('excluded.legs'),
          is_spam: eb.ref('excluded.is_spam'),
          is_nft: eb.ref('excluded.is_nft'),
          is_defi: eb.ref('excluded.is_defi'),
          failed: eb.ref('excluded.failed'),
          raw: eb.ref('excluded.raw'),
        })),
      )
      .execute();
  }
  const ids = rows.map((r) => r.id);
  const index = rows.flatMap((r) =>
    [...new Set((JSON.parse(r.legs) as { assetId: string }[]).map((l) => l.assetId))].map((asset_id) => ({
      transaction_id: r.id,
      asset_id,
      workspace_id: r.workspace_id,
      timestamp: r.timestamp,
    })),
  );
  for (let i = 0; i < ids.length; i += 500)
    await trx
      .deleteFrom('transaction_assets')
      .where('transaction_id', 'in', ids.slice(i, i + 500))
      .execute();
  for (let i = 0; i < index.length; i += 200)
    await trx
      .insertInto('transaction_assets')
      .values(index.slice(i, i + 200))
      .execute();
}

/** Which of these external ids the integration already has. */
export async function existingExternalIds(db: Db, integrationId: string, externalIds: string[]): Promise<Set<string>> {
  const existing = new Set<string>();
  for (let i = 0; i < externalIds.length; i += 500) {
    const rows = await db
      .selectFrom('transactions')
      .select('external_id')
      .where('integration_id', '=', integrationId)
      .where('external_id', 'in', externalIds.slice(i, i + 500))
      .execute();
    for (const r of rows) existing.add(r.external_id);
  }
  return existing;
}

/** The first transaction's timestamp in the workspace, or null when it has none. */
export async function firstTransactionTime(db: Db, workspaceId: string): Promise<number | null> {
  const row = await db
    .selectFrom('transactions')
    .select((eb) => eb.fn.min<number>('timestamp').as('t'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row?.t !== null && row?.t !== undefined ? Number(row.t) : null;
}

/** An asset by its id. */
export async function assetIdById(db: Db, id: string): Promise<string | undefined> {
  return (await db.selectFrom('assets').select('id').where('id', '=', id).executeTakeFirst())?.id;
}

/** The first of these asset ids that exists. */
export async function anyAssetId(db: Db, ids: string[]): Promise<string | undefined> {
  return (await db.selectFrom('assets').select('id').where('id', 'in', ids).executeTakeFirst())?.id;
}

/** Up to 50 assets whose symbol is `symbol`, case-insensitively. */
export async function assetsBySymbol(db: Db, symbol: string) {
  return db
    .selectFrom('assets')
    .select(['id', 'chain', 'type', 'is_spam'])
    .where((eb) => eb(eb.fn('upper', ['symbol']), '=', symbol.toUpperCase()))
    .limit(50)
    .execute();
}

/** Transactions of the workspace by id whose integration is not removed (what tax changes may name). */
export async function findLiveTransactions(db: Db, workspaceId: string, ids: string[]) {
  return db
    .selectFrom('transactions as t')
    .innerJoin('integrations as i', 'i.id', 't.integration_id')
    .select(['t.id', 't.integration_id', 't.timestamp', 't.type', 't.legs', 't.failed'])
    .where('t.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .where('t.id', 'in', ids)
    .execute();
}
