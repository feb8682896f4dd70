/**
 * Starts a real connect server and a real BFF on 127.0.0.1 (port 0, temporary database
 * files), with a sandbox client registered, and captures the BFF's log lines. Real HTTP
 * between the two; nothing is mocked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startConnectServer, type RunningServer } from '../../server/start.ts';
import { createClient } from '../../server/clients/clients.service.ts';
import { startBff, type BffOptions, type RunningBff } from '../../bff/start.ts';

export const SANDBOX_ETH = '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa';

export type Harness = {
  connect: RunningServer;
  bff: RunningBff;
  client: { client_id: string; client_secret: string };
  env: Record<string, string>;
  logs: string[];
  dir: string;
  close(): Promise<void>;
};

export function bffEnv(connectUrl: string, client: { client_id: string; client_secret: string }, dir: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    CONNECT_URL: connectUrl,
    KRYPTOS_CLIENT_ID: client.client_id,
    KRYPTOS_CLIENT_SECRET: client.client_secret,
    BFF_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    BFF_SESSION_SECRET: randomBytes(48).toString('base64'),
    BFF_PORT: '0',
    BFF_DB: join(dir, 'bff.db'),
    LOG_LEVEL: 'debug',
  };
}

export function captureLogs(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}

export async function startHarness(options: Omit<BffOptions, 'env' | 'logDestination'> = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'kc-bff-'));
  const connect = await startConnectServer({
    env: {
      NODE_ENV: 'test',
      CONNECT_DB: join(dir, 'connect.db'),
      CONNECT_PORT: '0',
      CONNECT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    },
  });
  const client = await createClient(connect.ctx.write, Date.now(), { name: 'Acme Test', origins: ['http://localhost:3000'], sandbox: true });
  const env = bffEnv(connect.url, client, dir);
  const { lines, stream } = captureLogs();
  const bff = await startBff({ env, logDestination: stream, ...options });
  return {
    connect,
    bff,
    client,
    env,
    logs: lines,
    dir,
    async close() {
      await bff.close();
      await connect.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser-like user agent: keeps the session cookie, sends the CSRF header on writes. */
export function createAgent(baseUrl: string) {
  let cookie: string | undefined;
  async function call(method: string, path: string, o: { body?: unknown; headers?: Record<string, string>; csrf?: boolean } = {}) {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (cookie) headers.Cookie = cookie;
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    if (o.csrf !== false && method !== 'GET') headers['X-Requested-With'] = 'kryptos-connect';
    const res = await fetch(baseUrl + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), redirect: 'manual' });
    const setCookie = res.headers.getSetCookie();
    for (const c of setCookie) {
      const [pair] = c.split(';');
      if (pair?.startsWith('__Host-kc_session=')) cookie = pair.endsWith('=') ? undefined : pair;
    }
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, setCookie, text, json };
  }
  return {
    call,
    get cookie() {
      return cookie;
    },
    login: (username: string) => call('POST', '/api/demo/login', { body: { username } }),
    /** A widget call through the BFF proxy, as `<kryptos-connect>` makes it. */
    widget: (method: string, path: string, linkToken: string, body?: unknown) =>
      call(method, `/kryptos/widget/${path}`, { body, headers: { 'X-LINK-TOKEN': linkToken }, csrf: false }),
  };
}

export type Agent = ReturnType<typeof createAgent>;

/** Runs the widget flow through the BFF proxy: guest, sandbox ETH address, consent → public token. */
export async function connectThroughWidget(agent: Agent): Promise<{ linkToken: string; publicToken: string | null }> {
  const lt = await agent.call('POST', '/api/kryptos/link-token', { body: {} });
  if (lt.status !== 200) throw new Error(`link-token ${lt.status} ${lt.text}`);
  const linkToken = lt.json.link_token as string;
  const session = await agent.widget('GET', 'session', linkToken);
  if (session.status !== 200) throw new Error(`session ${session.status} ${session.text}`);
  if (!session.json.data.has_existing_grant) {
    const guest = await agent.widget('POST', 'auth/guest', linkToken, {});
    if (guest.status !== 200) throw new Error(`guest ${guest.status} ${guest.text}`);
  }
  const added = await agent.widget('POST', 'integrations', linkToken, { provider: 'ethereum', address: SANDBOX_ETH });
  if (added.status !== 201 && added.status !== 409) throw new Error(`integrations ${added.status} ${added.text}`);
  const scopes = (session.json.data.scopes as { scope: string }[]).map((s) => s.scope);
  const consent = await agent.widget('POST', 'consent', linkToken, { scopes });
  if (consent.status !== 200) throw new Error(`consent ${consent.status} ${consent.text}`);
  return { linkToken, publicToken: consent.json.data.public_token };
}

/** Calls a partner endpoint of the connect server directly with the client credentials. */
export async function partnerCall(h: Harness, method: string, path: string, body?: unknown) {
  const res = await fetch(h.connect.url + path, {
    method,
    headers: { 'X-Client-Id': h.client.client_id, 'X-Client-Secret': h.client.client_secret, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: (await res.json()) as any };
}
