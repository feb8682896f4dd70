/**
 * docs/security-model.md "Leakage": full flows in Chromium (guest, resume, disconnect in proxy mode; email code in
 * direct mode) with both servers logging at debug level. Every `link_`/`public_` value the browser
 * received, every `cat_` the BFF stored, the client secret, the keys, the sign-in codes and the
 * session cookie are then looked for in every URL and Referer, every console message, every log
 * line of both servers, and the browser storage of both origins. Token responses are `no-store`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import {
  disconnectDemo,
  SANDBOX_ETH,
  SANDBOX_SOL,
  addAddress,
  allowAccess,
  assertNothingLeaks,
  connectAsGuest,
  continueFromAccounts,
  dialog,
  finishAndWaitConnected,
  latestCode,
  launchBrowser,
  newSession,
  openWidget,
  partnerCall,
  pickProvider,
  signIn,
  startStack,
  storageOf,
  storedAccessToken,
  type Observer,
  type Stack,
} from './helpers.ts';

const SESSION_COOKIE = '__Host-kc_session';

describe('leakage: no token or secret outside where it belongs', () => {
  let stack: Stack;
  let browser: Browser;
  const observers: Observer[] = [];
  const storage: Record<string, string[]> = { 'BFF origin storage': [], 'connect origin storage': [], 'other cookies': [], 'session cookie value': [] };
  const secrets = new Set<string>();
  const codes: string[] = [];
  const sessionCookies: string[] = [];
  const posted: string[] = [];

  /** Storage of both origins and the cookies of a context, read before it closes. */
  async function collectStorage(page: Page) {
    storage['BFF origin storage']!.push(...(await storageOf(page)));
    const other = await page.context().newPage();
    await other.goto(`${stack.connectOrigin}/health`);
    storage['connect origin storage']!.push(...(await storageOf(other)));
    await other.close();
    for (const c of await page.context().cookies()) {
      if (c.name === SESSION_COOKIE) {
        sessionCookies.push(c.value);
        storage['session cookie value']!.push(c.value);
        assert.equal(c.httpOnly, true);
        assert.equal(c.secure, true);
        assert.equal(c.sameSite, 'Strict');
      } else storage['other cookies']!.push(`${c.domain} ${c.name}=${c.value}`);
    }
    posted.push(...(await page.evaluate(() => (window as unknown as { __posted?: string[] }).__posted ?? [])));
  }

  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
    secrets.add(stack.client.client_secret);
    for (const k of stack.keys) secrets.add(k);

    // 1. Proxy mode: guest connect, resume with the Solana address, close once with Escape, disconnect.
    {
      const { page, context, observer } = await newSession(browser);
      await context.addInitScript(() => {
        const w = window as unknown as { __posted: string[] };
        w.__posted = [];
        const original = window.postMessage.bind(window);
        window.postMessage = ((message: unknown, target?: unknown, transfer?: Transferable[]) => {
          w.__posted.push(typeof target === 'string' ? target : JSON.stringify(target));
          return original(message, target as string, transfer);
        }) as typeof window.postMessage;
      });
      observers.push(observer);
      await signIn(page, stack.origin, 'lea');
      await connectAsGuest(page);
      secrets.add((await storedAccessToken(stack, 'lea'))!);
      await openWidget(page);
      await page.keyboard.press('Escape');
      await dialog(page).waitFor({ state: 'hidden' });
      await openWidget(page);
      await pickProvider(page, 'solana', 'Solana');
      await addAddress(page, SANDBOX_SOL, 'SOLANA');
      await page.locator('kryptos-accounts-step').getByRole('button', { name: 'Confirm' }).click();
      await page.getByRole('button', { name: 'Done' }).click();
      await page
        .locator('#message')
        .getByText(/^1 account added\./)
        .waitFor();
      await disconnectDemo(page);
      await page.locator('#connection-status').getByText('Not connected').waitFor();
      await observer.settle();
      await collectStorage(page);
      await context.close();
    }

    // 2. Direct mode: email code sign-in, straight to the connect server.
    {
      const { page, context, observer } = await newSession(browser);
      observers.push(observer);
      const email = `leo-${Date.now()}@example.com`;
      await signIn(page, stack.origin, 'leo', '/direct.html');
      await openWidget(page);
      await page.getByLabel('Email address').fill(email);
      await page.locator('kryptos-email-step').getByRole('button', { name: 'Continue', exact: true }).click();
      await page.getByLabel('6-digit code').waitFor();
      const code = await latestCode(stack, email);
      codes.push(code);
      await page.getByLabel('6-digit code').fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await pickProvider(page, 'ethereum', 'Ethereum');
      await addAddress(page, SANDBOX_ETH, 'EVM');
      await continueFromAccounts(page);
      await allowAccess(page);
      await finishAndWaitConnected(page);
      secrets.add((await storedAccessToken(stack, 'leo'))!);
      await observer.settle();
      await collectStorage(page);
      await context.close();
    }
    for (const o of observers) for (const t of o.seen) secrets.add(t);
    for (const c of sessionCookies) secrets.add(c);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('saw the tokens it looks for: link_ and public_ in responses, cat_ only in the BFF, logs at debug level', () => {
    const seen = observers.flatMap((o) => [...o.seen]);
    assert.ok(
      seen.some((t) => t.startsWith('link_')),
      'a link token reached the browser',
    );
    assert.ok(
      seen.some((t) => t.startsWith('public_')),
      'a public token reached the browser',
    );
    assert.deepEqual(
      seen.filter((t) => t.startsWith('cat_') || t.startsWith('cs_')),
      [],
      'no access token or client secret ever reaches a browser',
    );
    assert.equal([...secrets].filter((s) => s.startsWith('cat_')).length, 2);
    assert.equal(stack.bff.ctx.logger.level, 'debug');
    assert.equal(stack.connect.ctx.logger.level, 'debug');
    // The detector catches a planted token, by value and by shape.
    const planted = [...secrets].find((s) => s.startsWith('public_'))!;
    assert.throws(() => assertNothingLeaks([planted], { log: [`{"msg":"x ${planted}"}`] }));
    assert.throws(() => assertNothingLeaks([], { log: [`Bearer cat_${'a'.repeat(49)}`] }));
    assert.ok(stack.serverLogs.length > 20 && stack.bffLogs.length > 20, `${stack.serverLogs.length} server and ${stack.bffLogs.length} BFF log lines`);
    assert.ok(sessionCookies.length === 2 && codes.length === 1);
  });

  it('no token, secret, key, code or session cookie in any URL, Referer or console message', () => {
    const urls = observers.flatMap((o) => o.urls);
    assert.ok(urls.length > 50);
    assertNothingLeaks([...secrets, ...codes], {
      URL: urls,
      Referer: observers.flatMap((o) => o.referers),
      console: observers.flatMap((o) => o.console),
    });
    // Nothing credential-like in a query string at all.
    assert.deepEqual(
      urls.filter((u) => /[?&](link_token|public_token|access_token|client_secret|code|token)=/i.test(u)),
      [],
    );
  });

  it('no token, secret, key, code or session cookie in any log line of the BFF or the connect server', () => {
    assertNothingLeaks(secrets, { 'BFF log': stack.bffLogs, 'server log': stack.serverLogs });
    const code = new RegExp(`(?<![0-9A-Za-z])(${codes.join('|')})(?![0-9A-Za-z])`);
    assert.deepEqual(
      [...stack.bffLogs, ...stack.serverLogs].filter((l) => code.test(l)),
      [],
      'a sign-in code was logged',
    );
  });

  it('browser storage of both origins holds nothing but the HttpOnly session cookie', () => {
    assert.deepEqual(storage['BFF origin storage'], []);
    assert.deepEqual(storage['connect origin storage'], []);
    assert.deepEqual(storage['other cookies'], []);
    const tokenSecrets = [...secrets].filter((s) => !sessionCookies.includes(s));
    assertNothingLeaks(tokenSecrets, { 'session cookie': storage['session cookie value']! });
    assert.deepEqual(posted, [], 'the widget posts no window messages');
  });

  it('every response that carried a token to the browser is Cache-Control: no-store', () => {
    const responses = observers.flatMap((o) => o.tokenResponses);
    assert.ok(responses.some((r) => r.url.endsWith('/api/kryptos/link-token')));
    assert.ok(responses.some((r) => r.url.endsWith('/widget/consent')));
    assert.deepEqual(
      responses.filter((r) => !/\bno-store\b/.test(r.cacheControl ?? '')),
      [],
    );
  });

  it('the partner token endpoints answer Cache-Control: no-store', async () => {
    const link = await partnerCall(stack, 'POST', '/link-token', { scopes: 'openid portfolios:read', user_reference: 'cache-check' });
    assert.equal(link.status, 200);
    assert.match(link.headers.get('cache-control') ?? '', /no-store/);
    const pub = await partnerCall(stack, 'POST', '/sandbox/public-token', { scopes: 'openid portfolios:read', user_reference: 'cache-check' });
    assert.equal(pub.status, 200);
    assert.match(pub.headers.get('cache-control') ?? '', /no-store/);
    const exchanged = await partnerCall(stack, 'POST', '/token/exchange', { public_token: pub.json.data.public_token });
    assert.equal(exchanged.status, 200);
    assert.match(exchanged.json.data.access_token, /^cat_/);
    assert.match(exchanged.headers.get('cache-control') ?? '', /no-store/);
    assert.match(exchanged.headers.get('pragma') ?? '', /no-cache/);
    const grants = await partnerCall(stack, 'GET', '/token/grants');
    assert.match(grants.headers.get('cache-control') ?? '', /no-store/);
    // And those tokens never reached a log either.
    assertNothingLeaks([link.json.data.link_token, pub.json.data.public_token, exchanged.json.data.access_token], { 'server log': stack.serverLogs });
  });
});
