/**
 * Transaction reads for `GET /v1/transactions`: every documented filter, ordered by
 * (`timestamp`, `id`) on the `transactions_workspace_time` index, with offset pages and
 * keyset pages (a row-value comparison on the same index, so a page 90,000 rows deep costs
 * what the first one does).
 */
import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
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
  let qb = db.selectFrom('transactions as t').where('t.workspace_id', '=', workspaceId)
    // A removed integration's history leaves the workspace's views with it (its rows stay until purged).
    .where('t.integration_id', 'not in', (eb) => eb.selectFrom('integrations').select('id').where('workspace_id', '=', workspaceId).where('deleted_at', 'is not', null));
  if (!f.isSpam) qb = qb.where('t.is_spam', '=', 0);
  if (f.walletId) qb = qb.where('t.integration_id', 'in', f.walletId);
  if (f.currencyId) {
    const ids = f.currencyId;
    qb = qb.where('t.id', 'in', (eb) => eb.selectFrom('transaction_assets as x').select('x.transaction_id').where('x.workspace_id', '=', workspaceId).where('x.asset_id', 'in', ids));
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
  const row = await filtered(db, workspaceId, f).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

export type TransactionRow = Awaited<ReturnType<typeof listTransactions>>[number];

const VIEW_COLUMNS = ['t.id', 't.integration_id', 't.platform_id', 't.timestamp', 't.label', 't.type', 't.description', 't.legs', 't.import_source', 't.raw', 't.total_cost_basis', 't.total_gains'] as const;
// The eight 0/1 flags in one integer: each column read costs (better-sqlite3 builds one JS value per column).
const FLAGS = sql<number>`t.is_spam + 2 * t.is_nft + 4 * t.is_defi + 8 * t.is_manual + 16 * t.is_edited + 32 * t.failed + 64 * t.missing_price + 128 * t.missing_purchase`.as('flags');

/** Transactions of the workspace by id, in the order of `ids` (the answer of `POST /v0/transactions`). */
export async function findTransactions(db: Db, workspaceId: string, ids: string[]): Promise<TransactionRow[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('transactions as t').select(VIEW_COLUMNS).select(FLAGS).where('t.workspace_id', '=', workspaceId).where('t.id', 'in', ids).execute();
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
