/**
 * End-to-end harness: a real connect server and a real BFF serving the demo, in this process
 * (port 0, temporary SQLite files, a sandbox client registered with the BFF's origin, every log
 * line captured at debug level), and Chromium driven by playwright-core. Nothing is mocked.
 *
 * Also: flow steps that drive the demo and `<kryptos-connect>` by role and label (Playwright
 * locators pierce open shadow roots), and an observer that records every URL, console message,
 * response body and header a page produces, for the leakage checks (docs/security-model.md "Leakage").
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { startConnectServer, type RunningServer } from '../../server/start.ts';
import { createClient, updateClient } from '../../server/clients/clients.service.ts';
import { readOutbox } from '../../server/mailer.ts';
import { startBff, type RunningBff } from '../../bff/start.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SANDBOX_ETH = '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa';
export const SANDBOX_SOL = '2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk1';
/** A valid, checksummed mainnet address that is not a sandbox test address. */
export const OTHER_ETH = '0x52908400098527886E0F7030069857D2E4169EE7';
/** Every step waits at most this long. */
export const STEP_TIMEOUT = 15_000;
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** A token or secret of ours, wherever it appears: prefix + 43 base62 + 6 checksum characters. */
export const TOKEN_PATTERN = /(?<![0-9A-Za-z])(?:link|public|cat|cs)_[0-9A-Za-z]{49}(?![0-9A-Za-z])/g;

/** Builds `dist/kryptos-connect.js` once if it is missing (`npx vite build`). */
export function ensureWidgetBuilt(): void {
  if (existsSync(join(ROOT, 'dist', 'kryptos-connect.js'))) return;
  const result = spawnSync('npx', ['vite', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('The widget build failed (npx vite build); the end-to-end tests need dist/kryptos-connect.js');
}

/** Chromium from Debian; a clear failure (never a skip) when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. Install it with \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH); the end-to-end tests need it.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
}

export function captureLines(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}

export type Stack = {
  connect: RunningServer;
  bff: RunningBff;
  client: { client_id: string; client_secret: string };
  /** `http://127.0.0.1:<port>` of the BFF and demo (a `__Host-` Secure cookie is accepted there). */
  origin: string;
  /** `http://127.0.0.1:<port>` of the connect server. */
  connectOrigin: string;
  serverLogs: string[];
  bffLogs: string[];
  /** Keys and secrets of the two processes (never to be seen outside them). */
  keys: string[];
  close(): Promise<void>;
};

/**
 * The connect server and the BFF, wired as `npm start` wires them (scripts/start.ts), but on
 * free ports with temporary databases, debug logs captured, and rate limits lifted out of the
 * way of a test run. The sandbox client gets the BFF's exact origins once its port is known.
 */
export async function startStack(): Promise<Stack> {
  ensureWidgetBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'kc-e2e-'));
  const server = captureLines();
  const bffLog = captureLines();
  const connectKey = randomBytes(32).toString('base64');
  const connect = await startConnectServer({
    env: {
      NODE_ENV: 'test',
      CONNECT_PORT: '0',
      CONNECT_DB: join(dir, 'connect.db'),
      CONNECT_ENCRYPTION_KEY: connectKey,
      LOG_LEVEL: 'debug',
      CONNECT_OTP_REQUESTS_PER_HOUR: '1000',
      CONNECT_GUESTS_PER_IP_PER_HOUR: '100000',
      CONNECT_RATE_LIMIT_PER_MINUTE: '100000',
      CONNECT_IP_RATE_LIMIT_PER_MINUTE: '100000',
    },
    logDestination: server.stream,
  });
  const client = await createClient(connect.ctx.write, Date.now(), { name: 'Acme Portfolio (demo)', origins: ['http://localhost:3000'], sandbox: true });
  const bffKey = randomBytes(32).toString('base64');
  const sessionSecret = randomBytes(48).toString('base64url');
  let bff: RunningBff;
  try {
    bff = await startBff({
      env: {
        NODE_ENV: 'test',
        CONNECT_URL: connect.url,
        KRYPTOS_CLIENT_ID: client.client_id,
        KRYPTOS_CLIENT_SECRET: client.client_secret,
        BFF_ENCRYPTION_KEY: bffKey,
        BFF_SESSION_SECRET: sessionSecret,
        BFF_PORT: '0',
        BFF_DB: join(dir, 'bff.db'),
        LOG_LEVEL: 'debug',
        BFF_RATE_LIMIT_PER_MINUTE: '100000',
      },
      logDestination: bffLog.stream,
    });
  } catch (error) {
    await connect.close();
    throw error;
  }
  const port = new URL(bff.url).port;
  // As `npm start` does: the BFF's origins, and the demo's own privacy policy and terms for the consent screen.
  await updateClient(connect.ctx.write, Date.now(), client.client_id, {
    origins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`],
    privacy_policy_url: `http://127.0.0.1:${port}/privacy.html`,
    terms_url: `http://127.0.0.1:${port}/terms.html`,
  });
  return {
    connect,
    bff,
    client,
    origin: `http://127.0.0.1:${port}`,
    connectOrigin: new URL(connect.url).origin,
    serverLogs: server.lines,
    bffLogs: bffLog.lines,
    keys: [client.client_secret, connectKey, bffKey, sessionSecret],
    async close() {
      await bff.close();
      await connect.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a page showed the outside world: URLs, console, response bodies (tokens harvested). */
export type Observer = {
  urls: string[];
  referers: string[];
  console: string[];
  /** Every `link_`/`public_`/`cat_`/`cs_` value seen in a response body. */
  seen: Set<string>;
  /** Responses whose body carried a token: url and Cache-Control. */
  tokenResponses: { url: string; cacheControl: string | undefined }[];
  requests: { url: string; method: string; headers: Record<string, string> }[];
  /** Every response's URL and status. */
  statuses: { url: string; status: number }[];
  /** Waits until every response body has been read. */
  settle(): Promise<void>;
};

const INIT_SCRIPT = `(() => {
  const kc = (window.__kc = { success: [], errors: [], events: [], csp: [] });
  document.addEventListener('connect-success', (e) => kc.success.push(e.detail === null ? null : { public_token: e.detail && e.detail.public_token ? 'public_…' : e.detail }), true);
  document.addEventListener('connect-error', (e) => kc.errors.push({ name: e.detail && e.detail.name, code: e.detail && e.detail.code }), true);
  document.addEventListener('connect-event', (e) => kc.events.push(e.detail), true);
  document.addEventListener('securitypolicyviolation', (e) => kc.csp.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample }), true);
})();`;

export function observe(context: BrowserContext): Observer {
  const pending: Promise<unknown>[] = [];
  const o: Observer = {
    urls: [],
    referers: [],
    console: [],
    seen: new Set(),
    tokenResponses: [],
    requests: [],
    statuses: [],
    settle: async () => {
      while (pending.length) await Promise.allSettled(pending.splice(0));
    },
  };
  const watchPage = (page: Page) => {
    page.on('console', (m) => o.console.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => o.console.push(`pageerror: ${e.message}`));
    page.on('framenavigated', (f) => o.urls.push(f.url()));
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  context.on('request', (req) => {
    o.urls.push(req.url());
    const headers = req.headers();
    o.requests.push({ url: req.url(), method: req.method(), headers });
    if (headers.referer) o.referers.push(headers.referer);
  });
  context.on('response', (res) => {
    o.statuses.push({ url: res.url(), status: res.status() });
    const type = res.headers()['content-type'] ?? '';
    if (!type.includes('json')) return;
    pending.push(
      res.text().then(
        (text) => {
          const tokens = text.match(TOKEN_PATTERN) ?? [];
          for (const t of tokens) o.seen.add(t);
          if (tokens.length) o.tokenResponses.push({ url: res.url(), cacheControl: res.headers()['cache-control'] });
        },
        () => undefined,
      ),
    );
  });
  return o;
}

export type Session = { context: BrowserContext; page: Page; observer: Observer };

/** A fresh browser context (own cookies) with the event recorder and the observer installed. */
export async function newSession(browser: Browser, options: BrowserContextOptions = {}): Promise<Session> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, reducedMotion: 'reduce', ...options });
  context.setDefaultTimeout(STEP_TIMEOUT);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT);
  await context.addInitScript(INIT_SCRIPT);
  const observer = observe(context);
  const page = await context.newPage();
  return { context, page, observer };
}

// ---- driving the demo and the widget -------------------------------------------------------

export const dialog = (page: Page) => page.locator('kryptos-connect dialog');
export const trigger = (page: Page) => page.locator('kryptos-connect').getByRole('button', { name: /Connect with Kryptos|Add more accounts/ });

/** Opens the demo and signs in with the demo's username form. */
export async function signIn(page: Page, origin: string, username: string, path = '/'): Promise<void> {
  await page.goto(origin + path);
  await page.getByLabel('Username').fill(username);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByText(`Signed in as ${username}`).waitFor();
  await trigger(page).waitFor();
}

export async function openWidget(page: Page): Promise<void> {
  await trigger(page).click();
  await dialog(page).waitFor({ state: 'visible' });
}

export async function continueAsGuest(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Continue as guest' }).click();
}

export async function pickProvider(page: Page, id: string, search: string): Promise<void> {
  const picker = page.locator('kryptos-integration-step');
  await picker.getByLabel('Search integrations').fill(search);
  await picker.locator(`button[data-provider="${id}"]`).click();
}

/** Types an address in the connect step, waits for the live check, adds the account. */
export async function addAddress(page: Page, address: string, kind: 'EVM' | 'SOLANA'): Promise<void> {
  const step = page.locator('kryptos-connect-step');
  await step.getByLabel('Wallet address').fill(address);
  await step.getByText(`Valid ${kind} address`).waitFor();
  await step.getByRole('button', { name: 'Add account' }).click();
}

export async function continueFromAccounts(page: Page): Promise<void> {
  await page.locator('kryptos-accounts-step').getByRole('button', { name: 'Continue', exact: true }).click();
}

export async function allowAccess(page: Page): Promise<void> {
  await page.locator('kryptos-consent-step').getByRole('button', { name: 'Allow access' }).click();
}

/** The accounts listed on a widget step (name and short address), in order. */
export async function accountRows(page: Page, step: string): Promise<string[]> {
  const rows = page.locator(`${step} .account .grow`);
  return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** From the accounts step: "Add another account", pick the provider, add the address, back on the accounts step. */
export async function addAnotherAccount(page: Page, id: string, search: string, address: string, kind: 'EVM' | 'SOLANA'): Promise<void> {
  await page.locator('kryptos-accounts-step').getByRole('button', { name: 'Add another account' }).click();
  await pickProvider(page, id, search);
  await addAddress(page, address, kind);
  await page.getByRole('heading', { name: 'Accounts to share' }).waitFor();
}

/** Waits for the success screen, closes it with Done, waits for the demo to show the connection. */
export async function finishAndWaitConnected(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Connection successful' }).waitFor();
  await page.getByRole('button', { name: 'Done' }).click();
  await dialog(page).waitFor({ state: 'hidden' });
  await page.locator('#connection-status .badge.ok').waitFor();
}

/** The whole guest path from a signed-in demo page: guest, Ethereum test address, consent, success. */
export async function connectAsGuest(page: Page): Promise<void> {
  await openWidget(page);
  await continueAsGuest(page);
  await pickProvider(page, 'ethereum', 'Ethereum');
  await addAddress(page, SANDBOX_ETH, 'EVM');
  await continueFromAccounts(page);
  await allowAccess(page);
  await finishAndWaitConnected(page);
}

/** The demo's Disconnect button, then "Disconnect" in the confirmation it asks for. */
export async function disconnectDemo(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Disconnect' }).click();
  await page.getByRole('dialog', { name: 'Disconnect Kryptos?' }).getByRole('button', { name: 'Disconnect' }).click();
}

export type Recorded = { success: unknown[]; errors: { name?: string; code?: string }[]; events: { type: string; step?: string }[]; csp: unknown[] };
export const recorded = (page: Page): Promise<Recorded> => page.evaluate(() => (globalThis as unknown as { __kc: Recorded }).__kc);

/** Rows of the demo's "Connected accounts" panel once it has loaded. */
export async function portfolioAccounts(page: Page, expected: number): Promise<void> {
  const rows = page.locator('#panel-integrations li');
  await rows.nth(expected - 1).waitFor();
  assert.equal(await rows.count(), expected);
}

/** Waits until every panel of the demo's portfolio has finished loading. */
export async function portfolioLoaded(page: Page): Promise<void> {
  await page.locator('#panel-integrations').waitFor();
  await page.locator('#portfolio .panel p.muted', { hasText: 'Loading…' }).first().waitFor({ state: 'detached' });
}

/** The latest sign-in code mailed to `email` (the development mailer's outbox). */
export async function latestCode(stack: Stack, email: string): Promise<string> {
  const [mail] = await readOutbox(stack.connect.ctx.db, email, 1);
  const code = mail && (/\b(\d{6})\b/.exec(mail.subject)?.[1] ?? /\b(\d{6})\b/.exec(mail.body)?.[1]);
  if (!code) throw new Error(`no code mailed to ${email}`);
  return code;
}

/** Calls a partner endpoint of the connect server with the client credentials (headers). */
export async function partnerCall(stack: Stack, method: string, path: string, body?: unknown) {
  const res = await fetch(stack.connect.url + path, {
    method,
    headers: { 'X-Client-Id': stack.client.client_id, 'X-Client-Secret': stack.client.client_secret, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

/** The BFF's stored access token of a demo user (read inside the test process, never in a browser). */
export async function storedAccessToken(stack: Stack, username: string): Promise<string | undefined> {
  return (await stack.bff.ctx.store.find(username))?.accessToken;
}

// ---- leakage -------------------------------------------------------------------------------

/** localStorage, sessionStorage, IndexedDB names and Cache Storage names of the page's origin. */
export async function storageOf(page: Page): Promise<string[]> {
  // A string, evaluated in the page (this file is type-checked without the DOM library).
  return page.evaluate(`(async () => {
    const out = [];
    for (const store of [localStorage, sessionStorage]) {
      for (let i = 0; i < store.length; i++) out.push(store.key(i) + '=' + store.getItem(store.key(i)));
    }
    for (const db of await indexedDB.databases()) out.push('indexedDB:' + db.name);
    if ('caches' in self) for (const name of await caches.keys()) out.push('cache:' + name);
    return out;
  })()`);
}

/** Data resources the connect server does not serve yet: the demo shows "Not available yet" for their 404. */
export const UNSERVED_DATA = /\/api\/kryptos\/data\/(holdings|transactions|defi-holdings|nft-holdings)(\?|$)/;

/** Console errors other than the browser's note about those expected 404s. */
export function unexpectedConsoleErrors(o: Observer): string[] {
  const notFound = o.statuses.filter((s) => s.status === 404 && UNSERVED_DATA.test(s.url)).length;
  let allowed = notFound;
  return o.console.filter((m) => {
    if (!m.startsWith('error') && !m.startsWith('pageerror')) return false;
    if (allowed > 0 && m === 'error: Failed to load resource: the server responded with a status of 404 (Not Found)') {
      allowed--;
      return false;
    }
    return true;
  });
}

/** Asserts that no secret appears in any of the places named (label → haystack lines). */
export function assertNothingLeaks(secrets: Iterable<string>, places: Record<string, string[]>): void {
  const list = [...new Set(secrets)].filter((s) => s.length >= 8);
  const found: string[] = [];
  for (const [label, lines] of Object.entries(places)) {
    for (const line of lines) {
      for (const s of list) if (line.includes(s)) found.push(`${label}: ${s.slice(0, 8)}… in ${line.slice(0, 160)}`);
      for (const m of line.match(TOKEN_PATTERN) ?? []) found.push(`${label}: token-shaped ${m.slice(0, 8)}… in ${line.slice(0, 160)}`);
    }
  }
  assert.deepEqual(found, [], `secrets leaked:\n${found.join('\n')}`);
}
