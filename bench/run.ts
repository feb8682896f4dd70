/**
 * `npm run bench`: throughput and latency of the connect server next to bare Express, in
 * one run (these machines are noisy: compare ratios, not absolute numbers). Everything
 * talks to 127.0.0.1 and every load run is bounded in time.
 *
 *   BENCH_DURATION=10 BENCH_CONNECTIONS=50 npm run bench
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { seedBenchDatabase } from './fixtures.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const here = import.meta.dirname;

type Row = { name: string; rps: number; p50: number; p99: number; errors: number; non2xx: number; ratio?: number };

function startChild(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; info: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, script), { env: { ...process.env, ...env }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve({ child, url: (m as { url: string }).url, info: m as Record<string, unknown> }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function load(name: string, opts: autocannon.Options): Promise<Row> {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  return { name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kc-bench-'));
  const rows: Row[] = [];
  try {
    const expected = 6000 * DURATION; // more fresh public tokens than the exchange run can use
    process.stderr.write(`seeding ${expected} public tokens…\n`);
    const { client, tokens } = await seedBenchDatabase(join(dir, 'connect.db'), expected);
    const hello = await startChild('hello-child.ts');
    const server = await startChild('server-child.ts', { BENCH_DB: join(dir, 'connect.db') });
    if (server.info.synchronous !== 2) throw new Error('the benchmark server must run with synchronous=FULL');
    const auth = { 'content-type': 'application/json', 'x-client-id': client.client_id, 'x-client-secret': client.client_secret };

    await load('warm-up', { url: `${hello.url}/hello`, duration: 2 });
    await load('warm-up', { url: `${server.url}/health`, duration: 2 });
    rows.push(await load('bare Express JSON hello', { url: `${hello.url}/hello` }));
    rows.push(await load('POST /link-token', { url: `${server.url}/link-token`, method: 'POST', headers: auth, body: JSON.stringify({ scopes: 'openid portfolios:read' }) }));
    let used = 0;
    rows.push(await load('POST /token/exchange (fresh public token each request)', {
      url: `${server.url}/token/exchange`, method: 'POST', headers: auth,
      requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: JSON.stringify({ public_token: tokens[used++] ?? 'exhausted' }) }) }],
    }));
    if (used > tokens.length) throw new Error(`ran out of public tokens (${used} > ${tokens.length}); raise the seed`);
    hello.child.disconnect();
    server.child.disconnect();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = rows[0]!.rps;
  for (const r of rows) r.ratio = Math.round((r.rps / base) * 1000) / 1000;
  const table = [
    `connections=${CONNECTIONS} duration=${DURATION}s node=${process.version}`,
    '| run | req/s | p50 ms | p99 ms | ratio to bare Express | errors | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.ratio} | ${r.errors} | ${r.non2xx} |`),
  ].join('\n');
  console.log(table);
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify({ at: new Date().toISOString(), connections: CONNECTIONS, duration: DURATION, rows }, null, 2));
  const failed = rows.slice(1).filter((r) => r.errors > 0 || r.non2xx > 0);
  if (failed.length) {
    console.error(`errors in: ${failed.map((r) => r.name).join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
