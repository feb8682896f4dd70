/**
 * Data API reads on a workspace with 100,000 transactions, next to bare Express in the same
 * run: `GET /api/v1/transactions?limit=20` (first page, and a page 90,000 rows deep reached
 * by the keyset cursor) and `GET /api/v1/holdings`. Runnable alone (`npx tsx bench/data.ts`)
 * or through `dataBench()`.
 *
 *   BENCH_DURATION=10 BENCH_CONNECTIONS=50 BENCH_TRANSACTIONS=100000 npx tsx bench/data.ts
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openDatabase } from '../server/db/database.ts';
import { createGroupCommit } from '../server/db/group-commit.ts';
import { createClient } from '../server/clients/clients.service.ts';
import { insertUserWithWorkspace } from '../server/users/users.repository.ts';
import { CONNECTIONS, DURATION, load, startChild, type LoadRow } from './connect.ts';
import { generatedTransactions, insertGrant, insertTransactions, seedPortfolio } from '../test/server/data/fixtures.ts';

const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 100_000);
const DEPTH = Math.min(90_000, Math.floor(TRANSACTIONS * 0.9));

export type Row = LoadRow;

/** One workspace: the standard portfolio plus `count` transactions, and a `cat_` for it. */
export async function seedDataBench(file: string, count: number) {
  const { db } = await openDatabase(file);
  const now = Date.now();
  const client = await createClient(createGroupCommit(db), now, { name: 'Bench data client', scopes: 'openid portfolios:read transactions:read' });
  const { userId, workspaceId } = await db.transaction().execute((trx) => insertUserWithWorkspace(trx, now, null));
  const fx = await seedPortfolio(db, workspaceId, now);
  await db.transaction().execute((trx) => insertTransactions(trx, workspaceId, fx.walletA, fx.addressA, generatedTransactions(count, now - 60_000), now));
  const { token } = await db
    .transaction()
    .execute((trx) => insertGrant(trx, { clientId: client.client_id, userId, workspaceId, scopes: 'openid portfolios:read transactions:read', now }));
  await db.destroy();
  return { token };
}

async function getJson(url: string, headers: Record<string, string>) {
  const res = await fetch(url, { headers });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ data: unknown[]; pagination: { nextCursor: string | null; offset: number } }>;
}

export async function dataBench(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kc-bench-data-'));
  const children: ChildProcess[] = [];
  try {
    const file = join(dir, 'connect.db');
    const started = Date.now();
    process.stderr.write(`seeding a workspace with ${TRANSACTIONS} transactions…\n`);
    const { token } = await seedDataBench(file, TRANSACTIONS);
    process.stderr.write(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const hello = await startChild('hello-child.ts');
    const server = await startChild('server-child.ts', { BENCH_DB: file });
    children.push(hello.child, server.child);
    const headers = { authorization: `Bearer ${token}` };

    // Walk to the deep page by cursor (1,000 rows a step), as a partner paging history would.
    let cursor: string | null = null;
    let position = 0;
    while (position < DEPTH) {
      const page = await getJson(`${server.url}/api/v1/transactions?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, headers);
      cursor = page.pagination.nextCursor;
      position += page.data.length;
      if (!cursor) throw new Error(`history ended at ${position}`);
    }
    const deep = await getJson(`${server.url}/api/v1/transactions?limit=20&cursor=${cursor}`, headers);
    if (deep.pagination.offset !== DEPTH || deep.data.length !== 20) throw new Error(`deep page at ${deep.pagination.offset} with ${deep.data.length} rows`);

    const urls = {
      first: `${server.url}/api/v1/transactions?limit=20`,
      deep: `${server.url}/api/v1/transactions?limit=20&cursor=${cursor}`,
      holdings: `${server.url}/api/v1/holdings`,
    };
    await load('warm-up', { url: `${hello.url}/hello`, duration: 2 });
    for (const url of Object.values(urls)) await load('warm-up', { url, headers, duration: 2 });
    const rows: Row[] = [];
    rows.push(await load('bare Express JSON hello', { url: `${hello.url}/hello` }));
    rows.push(await load('GET /api/v1/transactions?limit=20 (first page)', { url: urls.first, headers }));
    rows.push(await load(`GET /api/v1/transactions?limit=20 (${DEPTH.toLocaleString('en')} deep, by cursor)`, { url: urls.deep, headers }));
    rows.push(await load('GET /api/v1/holdings', { url: urls.holdings, headers }));
    return rows;
  } finally {
    for (const c of children) c.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await dataBench();
  const base = rows[0]!.rps;
  console.log(
    [
      `connections=${CONNECTIONS} duration=${DURATION}s transactions=${TRANSACTIONS} node=${process.version}`,
      '| run | req/s | p50 ms | p99 ms | ratio to bare Express | errors | non-2xx |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${Math.round((r.rps / base) * 1000) / 1000} | ${r.errors} | ${r.non2xx} |`),
    ].join('\n'),
  );
  const first = rows[1]!;
  const deep = rows[2]!;
  console.log(`deep page p99 / first page p99 = ${(deep.p99 / Math.max(first.p99, 1)).toFixed(2)}`);
  if (rows.slice(1).some((r) => r.errors > 0 || r.non2xx > 0)) process.exitCode = 1;
}
