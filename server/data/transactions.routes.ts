/**
 * `GET /api/v1/transactions` (contract 8.4) and `POST /api/v0/transactions` (8.9).
 * Pages: the documented limit/offset block, plus `pagination.nextCursor`, an opaque signed
 * keyset cursor (`?cursor=`) whose cost does not grow with depth and which stays stable while
 * newer transactions arrive. `totalCount` is exact and cached until the database changes.
 */
import { Router } from 'express';
import { createHash } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { route } from '../openapi.ts';
import { dataError } from '../errors.ts';
import { randomId } from '../crypto.ts';
import { grantOf, requireScope } from './bearer.middleware.ts';
import { PostTransactionsBody, TransactionsQuery, type ManualTransaction } from './data.schema.ts';
import { canonicalFilters, countTransactions, findAssets, findTransactions, listTransactions, type AssetMeta } from './transactions.repository.ts';
import { parseLegs, transactionView, type StoredLeg } from './transactions.view.ts';
import { Decimal, plain } from './amounts.ts';
import { DEFAULT_LABEL, labelProblem } from './labels.ts';
import type { ReadCache } from '../db/read-cache.ts';
import type { CursorCodec } from './cursor.ts';
import type { Db } from '../db/database.ts';

export type DataDeps = { cache: ReadCache; cursors: CursorCodec };

/** Asset rows for a page's legs, from the read cache. */
export async function assetsFor(db: Db, cache: ReadCache, ids: Iterable<string>): Promise<Map<string, AssetMeta>> {
  const keys = [...new Set(ids)].map((id) => `asset:${id}`);
  const found = await cache.getMany(keys, async (missing) => {
    const rows = await findAssets(db, missing.map((k) => k.slice(6)));
    const map = new Map<string, AssetMeta | null>(missing.map((k) => [k, null]));
    for (const r of rows) map.set(`asset:${r.id}`, r);
    return map;
  });
  const out = new Map<string, AssetMeta>();
  for (const v of found.values()) if (v) out.set(v.id, v);
  return out;
}

type Parsed = { q: TransactionsQuery; canonical: string; filterKey: string };
const PARSED_MAX = 1000;
const parsed = new Map<string, Parsed>();

/**
 * Parses (and canonicalises) a query, memoised by its query string: the result is a pure
 * function of it, and partners repeat the same few queries (page after page differs only by
 * `cursor`, which stays out of the key's work but inside the key).
 */
function parseQuery(url: string, query: unknown): Parsed {
  const key = url.slice(url.indexOf('?') + 1);
  const hit = parsed.get(key);
  if (hit) return hit;
  const q = TransactionsQuery.parse(query);
  const canonical = canonicalFilters(q);
  const value = { q, canonical, filterKey: createHash('sha256').update(canonical).digest('base64url').slice(0, 22) };
  if (parsed.size >= PARSED_MAX) parsed.delete(parsed.keys().next().value!);
  parsed.set(key, value);
  return value;
}

export function transactionRoutes(ctx: AppContext, { cache, cursors }: DataDeps): Router {
  const router = Router({ strict: true, caseSensitive: true });
  const { db, clock } = ctx;

  route({
    method: 'get', path: '/api/v1/transactions', tag: 'Data v1', auth: 'bearer', query: TransactionsQuery,
    summary: 'Transactions (transactions:read): filters, limit/offset pages and a signed keyset cursor (pagination.nextCursor → ?cursor=)',
    description: 'Ordered by timestamp then id (order=desc by default). Quantities, prices, totalCostbasis and totalGains are exact decimal strings.',
  });
  router.get('/v1/transactions', requireScope('transactions:read'), async (req, res) => {
    const g = grantOf(res);
    const { q, canonical, filterKey } = parseQuery(req.url, req.query);
    // The cursor is verified (signature, workspace, filters) on every request, cached page or not.
    const after = q.cursor ? cursors.decode(q.cursor, g.workspaceId, filterKey) : undefined;
    const offset = after ? after.position : q.offset;
    // `data` and `pagination` depend only on the workspace, the query and the database state:
    // serialized once and served until the next write (CONNECT_READ_CACHE_MB; 0 turns it off).
    const body = await cache.getSized(`page:${g.workspaceId}:${req.url.slice(req.url.indexOf('?') + 1)}`, async () => {
      const [rows, totalCount] = await Promise.all([
        listTransactions(db, g.workspaceId, q, { limit: q.limit + 1, offset: q.offset, after }),
        cache.get(`count:${g.workspaceId}:${canonical}`, () => countTransactions(db, g.workspaceId, q)),
      ]);
      const hasNextPage = rows.length > q.limit;
      const page = hasNextPage ? rows.slice(0, q.limit) : rows;
      const legs = page.map((r) => parseLegs(r.legs));
      const assets = await assetsFor(db, cache, legs.flatMap((l) => l.map((x) => x.assetId)));
      const last = page.at(-1);
      const pagination = {
        limit: q.limit, offset, returned_count: page.length, totalCount, hasNextPage, hasPreviousPage: offset > 0,
        nextCursor: hasNextPage && last ? cursors.encode(g.workspaceId, filterKey, { timestamp: last.timestamp, id: last.id, position: offset + page.length }) : null,
      };
      return `"data":${JSON.stringify(page.map((r, i) => transactionView(r, legs[i]!, assets)))},"pagination":${JSON.stringify(pagination)}`;
    });
    res.type('application/json').send(`{"message":"User transactions retrieved successfully",${body},"user_id":${JSON.stringify(g.userId)},"timestamp":${clock.now()}}`);
  });

  route({
    method: 'post', path: '/api/v0/transactions', tag: 'Data v0', auth: 'bearer', body: PostTransactionsBody,
    summary: 'Add manual transactions to a wallet (transactions:write); a transactionId already in the wallet is skipped (idempotent retries)',
    description: '201 {message, data: the created transactions in the GET /api/v1/transactions shape, count, skipped, user_id, timestamp}. Amounts may be decimal strings (exact) or JSON numbers. 400 invalid_parameters with details; 404 wallet_not_found.',
  });
  router.post('/v0/transactions', requireScope('transactions:write'), async (req, res) => {
    const body = PostTransactionsBody.parse(req.body);
    const g = grantOf(res);
    const wallet = await db
      .selectFrom('integrations')
      .select(['id', 'provider', 'chain', 'address'])
      .where('id', '=', body.walletId)
      .where('workspace_id', '=', g.workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!wallet) throw dataError('wallet_not_found', 'No wallet with this walletId in the workspace', [{ path: 'walletId', message: 'Wallet not found' }]);

    const problems: { path: string; message: string }[] = [];
    const seen = new Set<string>();
    const planned: { tx: ManualTransaction; legs: StoredLeg[] }[] = [];
    for (const [i, tx] of body.transactions.entries()) {
      const at = (p: string, message: string) => problems.push({ path: `transactions.${i}${p ? `.${p}` : ''}`, message });
      if (seen.has(tx.transactionId)) at('transactionId', 'Duplicated transactionId in this request');
      seen.add(tx.transactionId);
      const needs = { deposit: ['receivedCurrency'], withdrawal: ['sentCurrency'], trade: ['sentCurrency', 'receivedCurrency'], payment: ['sentCurrency'] }[tx.transactionType] as ('sentCurrency' | 'receivedCurrency')[];
      for (const field of needs) if (!tx[field]) at(field, `Required for a ${tx.transactionType} transaction`);
      if (tx.transactionType === 'deposit' && tx.sentCurrency) at('sentCurrency', 'A deposit has no sentCurrency');
      if ((tx.transactionType === 'withdrawal' || tx.transactionType === 'payment') && tx.receivedCurrency) at('receivedCurrency', `A ${tx.transactionType} has no receivedCurrency`);
      const labelIssue = tx.label ? labelProblem(tx.label, tx.transactionType) : undefined;
      if (labelIssue) at('label', labelIssue);
      const account = { provider: wallet.provider, walletId: wallet.id, publicAddress: wallet.address };
      const legs: StoredLeg[] = [];
      const add = async (kind: StoredLeg['kind'], field: 'receivedCurrency' | 'sentCurrency' | 'fee', fiat?: string | null) => {
        const c = tx[field];
        if (!c) return;
        const assetId = await resolveAsset(db, wallet.chain, c.currency, c.contractAddress);
        if (!assetId) return at(`${field}.currency`, `Unknown currency "${c.currency.slice(0, 64)}"${c.contractAddress ? ' / contractAddress' : ''}`);
        const quantity = new Decimal(c.amount);
        const price = fiat !== undefined && fiat !== null ? plain(new Decimal(fiat).div(quantity).toDecimalPlaces(18)) : null;
        legs.push({ kind, assetId, quantity: plain(quantity), price, account });
      };
      const net = tx.netValue?.fiatValue;
      await add('incoming', 'receivedCurrency', tx.transactionType === 'deposit' || tx.transactionType === 'trade' ? net : undefined);
      await add('outgoing', 'sentCurrency', tx.transactionType !== 'deposit' ? net : undefined);
      await add('fee', 'fee', tx.feeValue?.fiatValue);
      planned.push({ tx, legs });
    }
    if (problems.length) throw dataError('invalid_parameters', 'Invalid request parameters', problems);

    const now = clock.now();
    const createdIds = await ctx.write(async (trx) => {
      const existing = new Set(
        (await trx.selectFrom('transactions').select('external_id').where('integration_id', '=', wallet.id).where('external_id', 'in', [...seen]).execute()).map((r) => r.external_id),
      );
      const created: string[] = [];
      for (const { tx, legs } of planned) {
        if (existing.has(tx.transactionId)) continue;
        const id = randomId('trx_', 12);
        await trx.insertInto('transactions').values({
          id, workspace_id: g.workspaceId, integration_id: wallet.id, external_id: tx.transactionId, platform_id: tx.transactionId, timestamp: tx.timestamp,
          label: tx.label ?? DEFAULT_LABEL[tx.transactionType], type: tx.transactionType,
          description: tx.description ? [tx.description.title, tx.description.desc].filter(Boolean).join(' — ') || null : null,
          legs: JSON.stringify(legs), is_spam: 0, is_nft: 0, is_defi: 0, is_manual: 1, is_edited: 0, failed: tx.label === 'Failed' ? 1 : 0,
          missing_price: legs.some((l) => l.price === null) ? 1 : 0, missing_purchase: 0, import_source: 'API', raw: JSON.stringify(tx),
          total_cost_basis: null, total_gains: null, created_at: now,
        }).execute();
        const assetIds = [...new Set(legs.map((l) => l.assetId))];
        await trx.insertInto('transaction_assets').values(assetIds.map((asset_id) => ({ transaction_id: id, asset_id, workspace_id: g.workspaceId, timestamp: tx.timestamp }))).execute();
        created.push(id);
      }
      if (created.length) await trx.updateTable('integrations').set((eb) => ({ total_transactions: eb('total_transactions', '+', created.length) })).where('id', '=', wallet.id).execute();
      return created;
    });
    // Own-wallet transfers among them are paired (and detected ones announced) by the next pass.
    if (createdIds.length) ctx.taxPasses.rerun(g.workspaceId);
    // `data`: what was created, as GET /v1/transactions shows it (the hosted v0 answered `[]`).
    const rows = await findTransactions(db, g.workspaceId, createdIds);
    const legs = rows.map((r) => parseLegs(r.legs));
    const assets = await assetsFor(db, cache, legs.flatMap((l) => l.map((x) => x.assetId)));
    const count = rows.length;
    res.status(201).json({
      message: `${count} transaction(s) created successfully`, data: rows.map((r, i) => transactionView(r, legs[i]!, assets)), count,
      skipped: planned.length - count, user_id: g.userId, timestamp: now,
    });
  });

  return router;
}

/** Finds the asset a v0 currency names: an asset id, a contract on the wallet's chain, or a symbol. */
async function resolveAsset(db: Db, chain: string | null, currency: string, contract?: string): Promise<string | undefined> {
  if (currency.includes(':')) return (await db.selectFrom('assets').select('id').where('id', '=', currency).executeTakeFirst())?.id;
  if (contract && chain) {
    const row = await db.selectFrom('assets').select('id').where('id', 'in', [`${chain}:${contract.toLowerCase()}`, `${chain}:${contract}`]).executeTakeFirst();
    if (row) return row.id;
  }
  const candidates = await db.selectFrom('assets').select(['id', 'chain', 'type', 'is_spam']).where((eb) => eb(eb.fn('upper', ['symbol']), '=', currency.toUpperCase())).limit(50).execute();
  const rank = (a: (typeof candidates)[number]) => (a.is_spam ? 100 : 0) + (a.chain === chain ? 0 : 10) + (a.type === 'native' ? 0 : 1);
  return candidates.sort((a, b) => rank(a) - rank(b) || (a.id < b.id ? -1 : 1))[0]?.id;
}
