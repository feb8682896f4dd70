/**
 * `GET /api/v1/transactions` (contract 8.4) and `POST /api/v0/transactions` (8.9).
 * Pages: the documented limit/offset block, plus `pagination.nextCursor`, an opaque signed
 * keyset cursor (`?cursor=`) whose cost does not grow with depth and which stays stable while
 * newer transactions arrive. `totalCount` is exact and cached until the database changes.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { ReadCache } from '../db/read-cache.ts';
import type { Clock } from '../clock.ts';
import type { RouteArea } from '../http/routes.ts';
import { grantOf } from '../http/locals.ts';
import { requireScope } from '../http/bearer.middleware.ts';
import type { TaxPasses } from '../tax/pass.ts';
import { PostTransactionsBody, TransactionsQuery } from './data.schema.ts';
import { canonicalFilters, countTransactions, findTransactions, listTransactions } from './transactions.repository.ts';
import { addManualTransactions, assetsFor } from './transactions.service.ts';
import { parseLegs, transactionView } from './transactions.view.ts';
import type { CursorCodec } from './cursor.ts';

export type TransactionDeps = { db: Db; write: Writer; clock: Clock; cache: ReadCache; cursors: CursorCodec; taxPasses: Pick<TaxPasses, 'rerun'> };

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

/** `v1`: the data area at `/api/v1`; `v0`: the one at `/api/v0`. */
export function transactionRoutes(areas: { v1: RouteArea; v0: RouteArea }, deps: TransactionDeps): void {
  const { db, clock, cache, cursors } = deps;

  areas.v1.get(
    '/transactions',
    {
      query: TransactionsQuery,
      summary: 'Transactions (transactions:read): filters, limit/offset pages and a signed keyset cursor (pagination.nextCursor → ?cursor=)',
      description: 'Ordered by timestamp then id (order=desc by default). Quantities, prices, totalCostbasis and totalGains are exact decimal strings.',
    },
    requireScope('transactions:read'),
    async (req, res) => {
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
        const assets = await assetsFor(
          db,
          cache,
          legs.flatMap((l) => l.map((x) => x.assetId)),
        );
        const last = page.at(-1);
        const pagination = {
          limit: q.limit,
          offset,
          returned_count: page.length,
          totalCount,
          hasNextPage,
          hasPreviousPage: offset > 0,
          nextCursor:
            hasNextPage && last ? cursors.encode(g.workspaceId, filterKey, { timestamp: last.timestamp, id: last.id, position: offset + page.length }) : null,
        };
        return `"data":${JSON.stringify(page.map((r, i) => transactionView(r, legs[i]!, assets)))},"pagination":${JSON.stringify(pagination)}`;
      });
      res
        .type('application/json')
        .send(`{"message":"User transactions retrieved successfully",${body},"user_id":${JSON.stringify(g.userId)},"timestamp":${clock.now()}}`);
    },
  );

  areas.v0.post(
    '/transactions',
    {
      body: PostTransactionsBody,
      summary: 'Add manual transactions to a wallet (transactions:write); a transactionId already in the wallet is skipped (idempotent retries)',
      description:
        '201 {message, data: the created transactions in the GET /api/v1/transactions shape, count, skipped, user_id, timestamp}. Amounts may be decimal strings (exact) or JSON numbers. 400 invalid_parameters with details; 404 wallet_not_found.',
    },
    requireScope('transactions:write'),
    async (req, res) => {
      const body = PostTransactionsBody.parse(req.body);
      const g = grantOf(res);
      const now = clock.now();
      const { createdIds, planned } = await addManualTransactions(deps, g.workspaceId, body, now);
      // `data`: what was created, as GET /v1/transactions shows it (the hosted v0 answered `[]`).
      const rows = await findTransactions(db, g.workspaceId, createdIds);
      const legs = rows.map((r) => parseLegs(r.legs));
      const assets = await assetsFor(
        db,
        cache,
        legs.flatMap((l) => l.map((x) => x.assetId)),
      );
      const count = rows.length;
      res.status(201).json({
        message: `${count} transaction(s) created successfully`,
        data: rows.map((r, i) => transactionView(r, legs[i]!, assets)),
        count,
        skipped: planned - count,
        user_id: g.userId,
        timestamp: now,
      });
    },
  );
}
