/**
 * The demo's two other pages: direct mode (the widget calls the connect server itself, over
 * CORS limited to the registered origins) and the strict-CSP page (no inline script or style
 * anywhere, so the widget must work with `default-src 'none'; script-src 'self'; style-src 'self'`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import {
  UNSERVED_DATA,
  connectAsGuest,
  portfolioLoaded,
  unexpectedConsoleErrors,
  launchBrowser,
  newSession,
  portfolioAccounts,
  recorded,
  signIn,
  startStack,
  type Stack,
} from './helpers.ts';

describe('direct mode and strict CSP', () => {
  let stack: Stack;
  let browser: Browser;
  before(async () => {
    [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('direct mode: every /widget call goes to the connect server origin and the flow completes', async () => {
    const { page, context, observer } = await newSession(browser);
    await signIn(page, stack.origin, 'dina', '/direct.html');
    await page.getByText(`Direct mode: the widget calls ${stack.connect.url}/widget/* itself.`).waitFor();
    await connectAsGuest(page);
    await portfolioAccounts(page, 1);

    const widgetCalls = observer.requests.filter((r) => /\/widget\//.test(new URL(r.url).pathname));
    assert.ok(widgetCalls.length >= 6, `widget calls: ${widgetCalls.length}`);
    const origins = new Set(widgetCalls.map((r) => new URL(r.url).origin));
    assert.deepEqual([...origins], [stack.connectOrigin]);
    // None went through the BFF proxy.
    assert.equal(observer.requests.filter((r) => r.url.startsWith(`${stack.origin}/kryptos/widget/`)).length, 0);
    // The link token travels in a header, never in the URL; the link token itself still came from the BFF.
    for (const r of widgetCalls.filter((r) => r.method !== 'OPTIONS')) assert.match(r.headers['x-link-token'] ?? '', /^link_/);
    assert.ok(observer.requests.some((r) => r.url === `${stack.origin}/api/kryptos/link-token`));
    // The exchange still happened in the BFF.
    assert.ok(observer.requests.some((r) => r.url === `${stack.origin}/api/kryptos/exchange`));
    await context.close();
  });

  it('strict-CSP page: the flow completes with zero CSP violations', async () => {
    const { page, context, observer } = await newSession(browser);
    const response = await page.goto(`${stack.origin}/strict-csp.html`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    await signIn(page, stack.origin, 'sam', '/strict-csp.html');
    await connectAsGuest(page);
    await portfolioAccounts(page, 1);
    // The data panels (holdings, transactions, DeFi, NFTs) render under the same policy.
    await portfolioLoaded(page);
    const kc = await recorded(page);
    assert.deepEqual(kc.csp, []);
    const cspConsole = observer.console.filter((m) => /Content Security Policy|Content-Security-Policy|Refused to/i.test(m));
    assert.deepEqual(cspConsole, []);
    assert.deepEqual(unexpectedConsoleErrors(observer), []);
    assert.deepEqual(
      observer.statuses.filter((s) => s.status >= 400 && !UNSERVED_DATA.test(s.url)),
      [],
    );
    // The detector itself works: an inline style attribute is a violation under this policy.
    await page.evaluate(() => document.body.setAttribute('style', 'outline: 1px solid red'));
    await page.waitForFunction(() => (window as unknown as { __kc: { csp: unknown[] } }).__kc.csp.length > 0, undefined, { timeout: 5000 });
    await context.close();
  });
});
