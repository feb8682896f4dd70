/**
 * The connect endpoints under load next to bare Express in the same run: `POST /link-token`
 * and `POST /token/exchange` with a fresh public token per request, synchronous=FULL.
 * Runnable alone: `npx tsx bench/connect.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { seedBenchDatabase } from './fixtures.ts';

export const DURATION = Number(process.env.BENCH_DURATION ?? 10);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const here = import.meta.dirname;

export type LoadRow = { name: string; rps: number; p50: number; p99: number; errors: number; non2xx: number };

export function startChild(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ child: ChildProcess; url: string; info: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const child = fork(join(here, script), { env: { ...process.env, ...env }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (m) => resolve({ child, url: (m as { url: string }).url, info: m as Record<string, unknown> }));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

export async function load(name: string, opts: autocannon.Options): Promise<LoadRow> {
  const r = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  return { name, rps: Math.round(r.requests.average), p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

export async function connectBench(): Promise<LoadRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'kc-bench-'));
  const children: ChildProcess[] = [];
  try {
    const expected = 6000 * DURATION; // more fresh public tokens than the exchange run can use
    process.stderr.write(`seeding ${expected} public tokens…\n`);
    const { client, tokens } = await seedBenchDatabase(join(dir, 'connect.db'), expected);
    const hello = await startChild('hello-child.ts');
    const server = await startChild('server-child.ts', { BENCH_DB: join(dir, 'connect.db') });
    children.push(hello.child, server.child);
    if (server.info.synchronous !== 2) throw new Error('the benchmark server must run with synchronous=FULL');
    const auth = { 'content-type': 'application/json', 'x-client-id': client.client_id, 'x-client-secret': client.client_secret };
    await load('warm-up', { url: `${hello.url}/hello`, duration: 2 });
    await load('warm-up', { url: `${server.url}/health`, duration: 2 });
    const rows: LoadRow[] = [];
    rows.push(await load('bare Express JSON hello', { url: `${hello.url}/hello` }));
    rows.push(
      await load('POST /link-token', {
        url: `${server.url}/link-token`,
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ scopes: 'openid portfolios:read' }),
      }),
    );
    let used = 0;
    rows.push(
      await load('POST /token/exchange (fresh public token each request)', {
        url: `${server.url}/token/exchange`,
        method: 'POST',
        headers: auth,
        requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, body: JSON.stringify({ public_token: tokens[used++] ?? 'exhausted' }) }) }],
      }),
    );
    if (used > tokens.length) throw new Error(`ran out of public tokens (${used} > ${tokens.length}); raise the seed`);
    return rows;
  } finally {
    for (const c of children) c.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const r of await connectBench()) console.log(r);
}
