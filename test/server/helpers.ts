/**
 * Test helpers: a real connect server on port 0 over a temporary SQLite file, a clock the
 * test moves, captured logs, and small HTTP helpers for the partner and widget APIs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startConnectServer, type RunningServer, type StartOptions } from '../../server/start.ts';
import { createClient, type ClientFields } from '../../server/clients/clients.service.ts';
import type { Config } from '../../server/config.ts';
import { readOutbox } from '../../server/mailer.ts';

export const TEST_KEY = Buffer.alloc(32, 7).toString('base64');
export const SANDBOX_ETH = '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa';
export const SANDBOX_SOL = '2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk1';
export const DEFAULT_SCOPES =
  'openid profile offline_access email portfolios:read transactions:read integrations:read tax:read accounting:read reports:read workspace:read users:read';

export type ManualClock = { now(): number; advance(ms: number): void; set(ms: number): void };
export function manualClock(start = Date.UTC(2026, 10, 28, 12, 0, 0)): ManualClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms), set: (ms) => void (t = ms) };
}

/** Real time plus an offset the test can move (sync backoff and leases need time to pass). */
export function runningClock(): ManualClock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms), set: (ms) => void (offset = ms - Date.now()) };
}

export type TestServer = RunningServer & { clock: ManualClock; logs: string[]; dir: string; dbFile: string; stop(): Promise<void> };

const HIGH_LIMITS: Config['rateLimits'] = {
  perClientPerMinute: 100_000,
  perIpPerMinute: 100_000,
  authFailuresPer15Minutes: 100_000,
  otpRequestsPerHour: 1000,
  guestsPerIpPerHour: 100_000,
  guestsPerClientPerHour: 100_000,
};

export type TestServerOptions = {
  config?: Partial<Config>;
  rateLimits?: Partial<Config['rateLimits']>;
  env?: NodeJS.ProcessEnv;
  detectChains?: StartOptions['detectChains'];
  dbFile?: string;
  /** A folder the caller owns (kept on stop, e.g. to restart on the same file). */
  dir?: string;
  clock?: ManualClock;
  sync?: StartOptions['sync'];
  webhooks?: StartOptions['webhooks'];
};

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'kc-test-'));
  const dbFile = options.dbFile ?? join(dir, 'connect.db');
  const clock = options.clock ?? manualClock();
  const logs: string[] = [];
  const logDestination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const running = await startConnectServer({
    env: {
      NODE_ENV: 'test',
      CONNECT_PORT: '0',
      CONNECT_DB: dbFile,
      CONNECT_ENCRYPTION_KEY: TEST_KEY,
      LOG_LEVEL: 'debug',
      CONNECT_ADMIN_TOKEN: 'test-admin-token-0123456789abcdef0123456789',
      ...options.env,
    },
    config: { ...options.config, rateLimits: { ...HIGH_LIMITS, ...options.rateLimits } },
    clock,
    logDestination,
    detectChains: options.detectChains,
    sync: options.sync,
    webhooks: options.webhooks,
  });
  return {
    ...running,
    clock,
    logs,
    dir,
    dbFile,
    async stop() {
      await running.close();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Reply<T = any> = { status: number; body: T; headers: Headers };

export async function call<T = any>(
  server: { url: string },
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  // Bounded: a stuck server fails the test instead of hanging the suite.
  const res = await fetch(server.url + path, { method, headers, body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export type TestClient = { client_id: string; client_secret: string; headers: Record<string, string> };

export async function newClient(server: RunningServer, fields: Partial<ClientFields> = {}): Promise<TestClient> {
  const c = await createClient(server.ctx.write, server.ctx.clock.now(), { name: 'Acme Portfolio', origins: ['http://localhost:3000'], ...fields });
  return { ...c, headers: { 'x-client-id': c.client_id, 'x-client-secret': c.client_secret } };
}

export async function linkToken(server: RunningServer, client: TestClient, body: Record<string, unknown> = {}) {
  const r = await call(server, 'POST', '/link-token', { headers: client.headers, body: { scopes: DEFAULT_SCOPES, ...body } });
  if (r.status !== 200) throw new Error(`link-token failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.data as {
    link_token: string;
    expires_at: string;
    has_existing_grant: boolean;
    resume_refused?: string;
    user_id?: string;
    workspace_id?: string;
  };
}

export function widget(server: RunningServer, link: string) {
  return (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(server, method, `/widget${path}`, { headers: { 'x-link-token': link, ...headers }, body });
}

/** Guest sign-in, the sandbox ETH address, consent to everything requested → public token. */
export async function guestPublicToken(server: RunningServer, client: TestClient, linkBody: Record<string, unknown> = {}) {
  const { link_token } = await linkToken(server, client, linkBody);
  const w = widget(server, link_token);
  const guest = await w('POST', '/auth/guest', {});
  if (guest.status !== 200) throw new Error(`guest failed ${JSON.stringify(guest.body)}`);
  const added = await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
  if (added.status !== 201) throw new Error(`add failed ${JSON.stringify(added.body)}`);
  const session = await w('GET', '/session');
  const scopes = (session.body.data.scopes as { scope: string }[]).map((s) => s.scope);
  const consent = await w('POST', '/consent', { scopes });
  if (consent.status !== 200) throw new Error(`consent failed ${JSON.stringify(consent.body)}`);
  return { link_token, public_token: consent.body.data.public_token as string, w };
}

export async function exchange(server: RunningServer, client: TestClient, public_token: string) {
  return call(server, 'POST', '/token/exchange', { headers: client.headers, body: { public_token } });
}

export async function latestCode(server: RunningServer, email: string): Promise<string> {
  const [mail] = await readOutbox(server.ctx.db, email, 1);
  const code = mail && /\b(\d{6})\b/.exec(mail.subject)?.[1];
  if (!code) throw new Error(`no code mailed to ${email}`);
  return code;
}
