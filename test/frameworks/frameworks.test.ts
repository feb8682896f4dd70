/**
 * `<kryptos-connect>` inside React 19, Vue 3 and Svelte 5, with no wrapper library. Each app
 * (test/frameworks/<framework>/) is built with Vite, importing the widget as the package
 * (`import 'kryptos-connect'` → package.json "exports" → dist/kryptos-connect.js), served from a
 * node:http server whose origin is registered on a sandbox client of a real connect server, and
 * driven in Chromium through the guest flow. The widget calls the connect server directly
 * (`api-base`); its link token comes from `generateLinkToken`, which calls the app server
 * (the only holder of the client secret). Nothing is mocked.
 *
 * Per framework: the app receives `{public_token: "public_…"}` exactly once; re-renders during the
 * flow (every `connect-event` changes app state) and after it (a bound `theme` toggled) neither
 * re-fire success nor replace the element; Escape on a second flow gives the app a
 * `connect-error` whose detail is an `Error` named `AbortError`; the public token exchanges
 * server-side for an access token, once.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { startConnectServer, type RunningServer } from '../../server/start.ts';
import { createClient, updateClient } from '../../server/clients/clients.service.ts';
import {
  ROOT,
  SANDBOX_ETH,
  STEP_TIMEOUT,
  addAddress,
  allowAccess,
  captureLines,
  continueAsGuest,
  continueFromAccounts,
  dialog,
  ensureWidgetBuilt,
  launchBrowser,
  pickProvider,
  trigger,
} from '../e2e/helpers.ts';
import { FRAMEWORKS, buildApps, type BuildReport, type Framework } from './build.ts';
import { startAppServer, type AppServer } from './server.ts';

const NAMES: Record<Framework, string> = { react: 'React', vue: 'Vue', svelte: 'Svelte' };
const USER_REFERENCE = 'framework-tests';
const SCOPES = 'openid profile offline_access portfolios:read transactions:read integrations:read';

/** Counts what the element really dispatched, next to what the framework's listener saw. */
const INIT_SCRIPT = `(() => {
  const kc = (window.__dispatched = { success: 0, error: 0 });
  window.addEventListener('connect-success', () => kc.success++, true);
  window.addEventListener('connect-error', () => kc.error++, true);
})();`;

describe('<kryptos-connect> in React, Vue and Svelte without a wrapper', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kc-frameworks-'));
  let connect: RunningServer;
  let client: { client_id: string; client_secret: string };
  let apps: AppServer;
  let browser: Browser;
  let builds: BuildReport[];
  const logs = captureLines();

  before(async () => {
    ensureWidgetBuilt();
    const started = Date.now();
    let built: Promise<BuildReport[]> | undefined;
    let launched: Promise<Browser> | undefined;
    [connect, builds, browser] = await Promise.all([
      startConnectServer({
        env: {
          NODE_ENV: 'test',
          CONNECT_PORT: '0',
          CONNECT_DB: join(dir, 'connect.db'),
          CONNECT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
          LOG_LEVEL: 'info',
          CONNECT_GUESTS_PER_IP_PER_HOUR: '100000',
          CONNECT_RATE_LIMIT_PER_MINUTE: '100000',
          CONNECT_IP_RATE_LIMIT_PER_MINUTE: '100000',
        },
        logDestination: logs.stream,
      }),
      (built = buildApps(join(dir, 'apps'))),
      (launched = launchBrowser()),
    ]).catch(async (error: unknown) => {
      // One of the three failed: do not leave the others running.
      await Promise.allSettled([launched?.then((b) => b.close()), built]);
      throw error;
    });
    client = await createClient(connect.ctx.write, Date.now(), { name: 'Framework apps', origins: ['http://localhost:3000'], sandbox: true });
    apps = await startAppServer({
      dir: join(dir, 'apps'),
      connectUrl: connect.url,
      clientId: client.client_id,
      clientSecret: client.client_secret,
      userReference: USER_REFERENCE,
      scopes: SCOPES,
    });
    // The page origin is what the connect server's CORS allows for this client's link tokens.
    await updateClient(connect.ctx.write, Date.now(), client.client_id, { origins: [apps.origin] });
    const times = builds.map((b) => `${b.framework} ${b.ms} ms`).join(', ');
    console.log(`setup ${Date.now() - started} ms (vite builds: ${times})`);
  });

  after(async () => {
    await browser?.close();
    await apps?.close();
    await connect?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each app imports the widget as the package: "exports" → dist/kryptos-connect.js, no build warnings', () => {
    const dist = realpathSync(join(ROOT, 'dist', 'kryptos-connect.js'));
    assert.deepEqual(
      builds.map((b) => b.framework),
      [...FRAMEWORKS],
    );
    for (const b of builds) {
      assert.deepEqual(
        b.widget.map((id) => realpathSync(id)),
        [dist],
        `${b.framework} resolved 'kryptos-connect' to ${b.widget.join(', ')}`,
      );
      assert.ok(b.files.includes('index.html'), `${b.framework}: ${b.files.join(', ')}`);
      assert.deepEqual(b.warnings, [], `${b.framework} compiler warnings`);
    }
  });

  const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();
  /** Polls an output of the app until it has the expected text (bounded by STEP_TIMEOUT). */
  async function waitText(page: Page, id: string, expected: string): Promise<void> {
    await page.waitForFunction(([sel, want]) => document.querySelector(sel)?.textContent === want, [`#${id}`, expected] as const, { timeout: STEP_TIMEOUT });
  }

  for (const framework of FRAMEWORKS) {
    const name = NAMES[framework];
    it(`${name}: guest flow → one connect-success {public_token}, re-renders harmless, Escape → AbortError, token exchanges`, { timeout: 60_000 }, async () => {
      const context = await browser.newContext({ viewport: { width: 1024, height: 768 }, reducedMotion: 'reduce' });
      context.setDefaultTimeout(STEP_TIMEOUT);
      context.setDefaultNavigationTimeout(STEP_TIMEOUT);
      await context.addInitScript(INIT_SCRIPT);
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('response', (r) => r.status() >= 400 && problems.push(`${r.status()} ${r.request().method()} ${r.url()}`));
      try {
        await page.goto(`${apps.origin}/${framework}/?api=${encodeURIComponent(connect.url)}`);
        await trigger(page).waitFor();
        await page.getByRole('heading', { name: `${name} 0` }).waitFor();

        // The framework passed strings as attributes and the function as a property (not a stringified attribute).
        const wiring = await page.evaluate(() => {
          const el = document.querySelector('kryptos-connect') as HTMLElement & Record<string, unknown>;
          el.__identity = 'first';
          return {
            defined: customElements.get('kryptos-connect') === el.constructor,
            appName: el.getAttribute('app-name'),
            apiBase: el.getAttribute('api-base'),
            theme: el.getAttribute('theme'),
            generateLinkToken: typeof el.generateLinkToken,
            attributes: el.getAttributeNames().sort(),
          };
        });
        assert.deepEqual(wiring, {
          defined: true,
          appName: `Acme (${name})`,
          apiBase: connect.url,
          theme: 'light',
          generateLinkToken: 'function',
          attributes: ['api-base', 'app-name', 'size', 'theme'],
        });

        // Svelte's `bind:this` handed the app the element itself.
        if (framework === 'svelte') await page.locator('main[data-bound="kryptos-connect"]').waitFor();

        // The guest flow. Every connect-event updates app state, so the app re-renders at each step.
        await trigger(page).click();
        await dialog(page).waitFor({ state: 'visible' });
        await page.locator('kryptos-connect #kc-title').getByText(`Acme (${name})`).waitFor();
        await continueAsGuest(page);
        await pickProvider(page, 'ethereum', 'Ethereum');
        await addAddress(page, SANDBOX_ETH, 'EVM');
        await continueFromAccounts(page);
        await allowAccess(page);
        await page.getByRole('heading', { name: 'Connection successful' }).waitFor();
        await waitText(page, 'successes', '1');
        const eventsAtSuccess = Number(await text(page, 'events'));
        assert.ok(eventsAtSuccess >= 6, `the app saw ${eventsAtSuccess} connect-event(s)`);
        await page.getByRole('button', { name: 'Done' }).click();
        await dialog(page).waitFor({ state: 'hidden' });

        const result = JSON.parse(await text(page, 'result')) as Record<string, unknown>;
        assert.deepEqual(Object.keys(result), ['public_token']);
        assert.match(String(result.public_token), /^public_[0-9A-Za-z]+$/);
        assert.equal(await text(page, 'error'), '', 'Done after success is not an abort');

        // Re-render the parent twice (the bound theme flips dark, then light): same element, no second success.
        for (const [round, theme] of [
          [1, 'dark'],
          [2, 'light'],
        ] as const) {
          await page.locator('#bump').click();
          await page.getByRole('heading', { name: `${name} ${round}` }).waitFor();
          await page.waitForFunction((t) => document.querySelector('kryptos-connect')?.getAttribute('theme') === t, theme, { timeout: STEP_TIMEOUT });
        }
        assert.equal(await page.evaluate(() => (document.querySelector('kryptos-connect') as unknown as Record<string, unknown>).__identity), 'first');
        assert.equal(await page.locator('kryptos-connect').count(), 1);
        assert.equal(await text(page, 'successes'), '1');
        assert.deepEqual(JSON.parse(await text(page, 'result')), result);

        // A second flow, closed with Escape: the app gets an AbortError (USER_CLOSED), still no second success.
        await trigger(page).click();
        await dialog(page).waitFor({ state: 'visible' });
        await page.getByRole('button', { name: 'Continue as guest' }).waitFor();
        await page.keyboard.press('Escape');
        await dialog(page).waitFor({ state: 'hidden' });
        await waitText(page, 'error', JSON.stringify({ name: 'AbortError', code: 'USER_CLOSED', isError: true }));
        assert.equal(await text(page, 'successes'), '1');
        assert.deepEqual(await page.evaluate(() => (window as unknown as { __dispatched: unknown }).__dispatched), { success: 1, error: 1 });
        // The element still works after all that: it opens again.
        await trigger(page).click();
        await dialog(page).waitFor({ state: 'visible' });
        await page.getByRole('button', { name: 'Continue as guest' }).waitFor();
        await page.evaluate(() => (document.querySelector('kryptos-connect') as unknown as { close(): void }).close());
        await dialog(page).waitFor({ state: 'hidden' });
        await page.waitForFunction(() => (window as unknown as { __dispatched: { error: number } }).__dispatched.error === 2, undefined, {
          timeout: STEP_TIMEOUT,
        });

        // No console error, warning or failed request at all (logos resolve against the API origin, never the page's).
        const unexpected = problems;
        assert.deepEqual(unexpected, [], 'console errors or warnings, failed requests');

        // The public token is real: the partner exchanges it server-side, and only once.
        const exchange = (token: unknown) =>
          fetch(`${connect.url}/token/exchange`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-Client-Id': client.client_id, 'X-Client-Secret': client.client_secret },
            body: JSON.stringify({ public_token: token }),
          });
        const first = await exchange(result.public_token);
        const body = (await first.json()) as { success: boolean; data: Record<string, unknown> };
        assert.equal(first.status, 200, JSON.stringify(body));
        assert.match(String(body.data.access_token), /^cat_/);
        assert.equal(body.data.user_reference, USER_REFERENCE);
        assert.equal(body.data.scope, SCOPES);
        const again = await exchange(result.public_token);
        assert.ok(again.status >= 400, `a second exchange answered ${again.status}`);
      } finally {
        await context.close();
      }
    });
  }
});
