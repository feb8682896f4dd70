/**
 * `npm start`: the whole thing on one machine, in one process, after `npm install`.
 *
 * - builds the widget if `dist/kryptos-connect.js` is missing (`npx vite build`);
 * - starts the connect server (CONNECT_PORT, default 4000, `data/connect.db`);
 * - registers a sandbox client "Acme Portfolio (demo)" on first start (its id and secret
 *   kept in `data/demo-client.json`, mode 0600) and reuses it afterwards;
 * - starts the BFF with the demo (BFF_PORT, default 3000, `data/bff.db`), with its keys
 *   generated once into `data/` (mode 0600) unless given in the environment;
 * - shows sign-in codes sent by the development mailer as a "dev inbox" in this terminal;
 * - shuts both down gracefully on Ctrl-C.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startConnectServer, type RunningServer } from '../server/start.ts';
import { stopOnSignal } from '../server/shutdown.ts';
import { ConfigError as ConnectConfigError } from '../server/config.ts';
import { createClient, updateClient } from '../server/clients/clients.service.ts';
import { findActiveClient } from '../server/clients/clients.repository.ts';
import { readOutbox } from '../server/mailer.ts';
import { DEFAULT_CLIENT_SCOPES } from '../server/scopes.ts';
import { openWebhookSecret, rotateWebhookSecret, setWebhook } from '../server/webhooks/webhooks.service.ts';
import { startBff, type RunningBff } from '../bff/start.ts';
import { ConfigError as BffConfigError } from '../bff/config.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DATA = join(ROOT, 'data');
const env = process.env;

/** Reads a secret file from data/, creating it (mode 0600) with `make()` the first time. */
function secretFile(name: string, make: () => string): string {
  const file = join(DATA, name);
  if (!existsSync(file)) writeFileSync(file, make() + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

function buildWidgetIfMissing() {
  if (existsSync(join(ROOT, 'dist', 'kryptos-connect.js'))) return;
  console.log('Building the widget (dist/kryptos-connect.js is missing)…');
  const result = spawnSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) console.warn('\nThe widget build failed; the demo will say so. Fix it and run `npm run build`.\n');
}

type DemoClient = { client_id: string; client_secret: string };

/** The demo's sandbox client: reused from data/demo-client.json while the server still knows it. */
async function demoClient(connect: RunningServer, origins: string[]): Promise<DemoClient> {
  const file = join(DATA, 'demo-client.json');
  const { db, write } = connect.ctx;
  if (existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoClient;
    const existing = await findActiveClient(db, saved.client_id);
    if (existing) {
      const registered = JSON.parse(existing.origins) as string[];
      if (origins.some((o) => !registered.includes(o)))
        await updateClient(write, Date.now(), saved.client_id, { origins: [...new Set([...registered, ...origins])] });
      return saved;
    }
    console.log('The saved demo client is unknown to this database; registering a new one.');
  }
  const created = await createClient(write, Date.now(), { name: 'Acme Portfolio (demo)', origins, sandbox: true });
  const saved = { client_id: created.client_id, client_secret: created.client_secret };
  writeFileSync(file, JSON.stringify(saved, null, 2) + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return saved;
}

/** The demo generates tax reports too: its client and the BFF ask for reports:write on top of the defaults. */
const DEMO_SCOPES = `${DEFAULT_CLIENT_SCOPES} reports:write`;

/**
 * Registers the BFF's webhook receiver for the demo client and returns its signing secret
 * (kept in data/bff-webhook.secret, mode 0600; rotated when that file and the database disagree).
 */
async function demoWebhook(connect: RunningServer, clientId: string, url: string): Promise<string> {
  const file = join(DATA, 'bff-webhook.secret');
  const { db, sealer } = connect.ctx;
  const saved = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  const set = await setWebhook(db, sealer, Date.now(), clientId, url);
  let secret = set.secret ?? saved;
  const row = await findActiveClient(db, clientId);
  if (!secret || !row?.webhook_secret || openWebhookSecret(sealer, clientId, row.webhook_secret) !== secret)
    secret = (await rotateWebhookSecret(db, sealer, Date.now(), clientId)).secret;
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}

/** Prints mails of the development mailer as they arrive: the dev inbox, not a log. */
async function watchDevInbox(connect: RunningServer): Promise<() => void> {
  if (connect.ctx.mailer.kind !== 'outbox') return () => undefined;
  let lastId = (await readOutbox(connect.ctx.db, undefined, 1))[0]?.id ?? 0;
  const timer = setInterval(async () => {
    const mails = (await readOutbox(connect.ctx.db, undefined, 50).catch(() => [])).filter((m) => m.id > lastId).reverse();
    for (const m of mails) {
      lastId = Math.max(lastId, m.id);
      console.log(`\n┌─ dev inbox ─ to ${m.to_address} ─ ${m.subject}\n│ ${m.body.split('\n').join('\n│ ')}\n└─`);
    }
  }, 1000);
  return () => clearInterval(timer);
}

async function main() {
  mkdirSync(DATA, { recursive: true, mode: 0o700 });
  buildWidgetIfMissing();

  const bffPort = env.BFF_PORT ?? '3000';
  const adminToken = env.CONNECT_ADMIN_TOKEN ?? secretFile('admin-token', () => randomBytes(32).toString('base64url'));
  const logLevel = env.LOG_LEVEL ?? 'warn';

  const connect = await startConnectServer({
    env: {
      ...env,
      CONNECT_PORT: env.CONNECT_PORT ?? '4000',
      CONNECT_DB: env.CONNECT_DB ?? join(DATA, 'connect.db'),
      CONNECT_ADMIN_TOKEN: adminToken,
      LOG_LEVEL: logLevel,
    },
  });
  let bff: RunningBff | undefined;
  let stopInbox: () => void = () => undefined;
  const shutdown = async (signal: string) => {
    console.log(`\n${signal}: shutting down…`);
    stopInbox();
    await bff?.close();
    await connect.close();
    process.exit(0);
  };
  stopOnSignal((signal) => void shutdown(signal));

  try {
    const client = await demoClient(connect, [`http://localhost:${bffPort}`, `http://127.0.0.1:${bffPort}`]);
    const registered = await findActiveClient(connect.ctx.db, client.client_id);
    if (registered && !registered.scopes.split(' ').includes('reports:write'))
      await updateClient(connect.ctx.write, Date.now(), client.client_id, { scopes: `${registered.scopes} reports:write` });
    // "Sign in with Kryptos (OAuth)" (demo/oauth.html): the BFF's callback on both spellings of its origin.
    const callbacks = [`http://localhost:${bffPort}/auth/kryptos/callback`, `http://127.0.0.1:${bffPort}/auth/kryptos/callback`];
    const redirectUris = registered ? (JSON.parse(registered.redirect_uris) as string[]) : [];
    if (registered && callbacks.some((c) => !redirectUris.includes(c)))
      await updateClient(connect.ctx.write, Date.now(), client.client_id, { redirect_uris: [...new Set([...redirectUris, ...callbacks])] });
    // The consent screen links to the demo's own privacy policy and terms (demo/privacy.html, demo/terms.html).
    if (registered && !registered.privacy_policy_url) {
      await updateClient(connect.ctx.write, Date.now(), client.client_id, {
        privacy_policy_url: `http://localhost:${bffPort}/privacy.html`,
        terms_url: `http://localhost:${bffPort}/terms.html`,
      });
    }
    const webhookSecret = await demoWebhook(connect, client.client_id, `http://127.0.0.1:${bffPort}/api/kryptos/webhooks`);
    bff = await startBff({
      env: {
        ...env,
        CONNECT_URL: connect.url,
        KRYPTOS_CLIENT_ID: client.client_id,
        KRYPTOS_CLIENT_SECRET: client.client_secret,
        BFF_ENCRYPTION_KEY: env.BFF_ENCRYPTION_KEY ?? secretFile('bff.key', () => randomBytes(32).toString('base64')),
        BFF_SESSION_SECRET: env.BFF_SESSION_SECRET ?? secretFile('bff-session.secret', () => randomBytes(48).toString('base64url')),
        BFF_PORT: bffPort,
        BFF_DB: env.BFF_DB ?? join(DATA, 'bff.db'),
        BFF_SCOPES: env.BFF_SCOPES ?? DEMO_SCOPES,
        BFF_WEBHOOK_SECRET: webhookSecret,
        LOG_LEVEL: logLevel,
      },
    });
    // The connect server tells the demo's backend when a sync completes (signed webhooks).
    await setWebhook(connect.ctx.db, connect.ctx.sealer, Date.now(), client.client_id, `${bff.url}/api/kryptos/webhooks`);
  } catch (error) {
    await connect.close();
    throw error;
  }
  stopInbox = await watchDevInbox(connect);

  const demo = `http://localhost:${new URL(bff.url).port}`;
  console.log(`
Kryptos Connect is running (sandbox client "Acme Portfolio (demo)").

  Demo app          ${demo}/
  Direct mode       ${demo}/direct.html
  Strict CSP page   ${demo}/strict-csp.html
  Connect server    ${connect.url}   (API reference: ${connect.url}/docs)

Sign in to the demo with any username, then "Connect with Kryptos". In the sandbox, add
Ethereum 0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa or Solana 2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk1.
Email sign-in codes are not sent in development: they appear below as "dev inbox", and at
  curl -H "Authorization: Bearer $(cat data/admin-token)" '${connect.url}/admin/outbox?to=you@example.com'
Ctrl-C stops everything.`);
}

main().catch((error: unknown) => {
  if (error instanceof ConnectConfigError || error instanceof BffConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  console.error(error);
  process.exit(1);
});
