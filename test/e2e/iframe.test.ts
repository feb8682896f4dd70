/**
 * Iframe mode in Chromium (demo/iframe.html: `<kryptos-connect mode="iframe">`): the screens run
 * in a frame of the connect server; a hostile script on the host page (installed before any of
 * the page's own scripts) wraps fetch and XHR, listens to every message, key and input event and
 * tries to read the frame's document. It must get neither the typed exchange key nor the link
 * token, while the flow still completes with one `connect-success`.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Frame, Page } from 'playwright-core';
import { updateClient } from '../../server/clients/clients.service.ts';
import { SANDBOX_ETH, STEP_TIMEOUT, launchBrowser, newSession, recorded, signIn, startStack, trigger, type Stack } from './helpers.ts';

const TYPED_KEY = 'HostileCannotReadThisKey0123456789abcdef';

const HOSTILE = `(() => {
  const h = (window.__hostile = { texts: [], keys: [], inputs: [], messages: [], frameReads: [] });
  const originalFetch = window.fetch;
  window.fetch = async (...args) => {
    const response = await originalFetch(...args);
    response.clone().text().then((t) => h.texts.push(t), () => {});
    return response;
  };
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (...args) {
    this.addEventListener('load', () => h.texts.push(String(this.responseText)));
    return open.apply(this, args);
  };
  window.addEventListener('message', (e) => h.messages.push(JSON.stringify(e.data)), true);
  document.addEventListener('keydown', (e) => h.keys.push(e.key), true);
  document.addEventListener('input', (e) => h.inputs.push(String(e.target && e.target.value)), true);
  setInterval(() => {
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.tagName === 'IFRAME') {
          try { h.frameReads.push(el.contentDocument ? el.contentDocument.documentElement.outerHTML : 'null'); } catch (err) { h.frameReads.push('blocked'); }
        }
        if (el.value) h.inputs.push(String(el.value));
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
  }, 100);
})();`;

type Hostile = { texts: string[]; keys: string[]; inputs: string[]; messages: string[]; frameReads: string[] };

let stack: Stack;
let browser: Browser;

before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.close();
});

async function connectFrame(page: Page): Promise<Frame> {
  await page.waitForFunction(() => [...document.querySelectorAll('kryptos-connect')].some((k) => k.shadowRoot?.querySelector('iframe')), undefined, {
    timeout: STEP_TIMEOUT,
  });
  for (let i = 0; i < 50; i++) {
    const frame = page.frames().find((f) => f.url().startsWith(`${stack.connectOrigin}/connect/frame`));
    if (frame) return frame;
    await page.waitForTimeout(100);
  }
  throw new Error('no Connect frame');
}

test('iframe mode: the flow completes, and a hostile host script reads neither the typed key nor the link token', async () => {
  const { context, page, observer } = await newSession(browser);
  try {
    await page.addInitScript(HOSTILE);
    await signIn(page, stack.origin, 'ivy', '/iframe.html');
    // First flow, with the client briefly in production (exchanges are closed in the sandbox):
    // type an exchange key in the frame, then close without sending it.
    await updateClient(stack.connect.ctx.write, Date.now(), stack.client.client_id, { sandbox: false });
    await trigger(page).click();
    let frame = await connectFrame(page);
    await frame.getByRole('button', { name: 'Continue as guest' }).click();
    let picker = frame.locator('kryptos-integration-step');
    await picker.getByLabel('Search integrations').fill('Binance');
    await picker.locator('button[data-provider="binance"]').click();
    const key = frame.locator('kryptos-connect-step #f-apiKey');
    await key.click();
    await page.keyboard.type(TYPED_KEY);
    assert.equal(await key.inputValue(), TYPED_KEY, 'typed in the frame');
    await page.waitForTimeout(300);
    await frame.locator('kryptos-connect').getByRole('button', { name: 'Close' }).first().click();
    await page.waitForFunction(() => !document.querySelector('kryptos-connect')?.shadowRoot?.querySelector('iframe'), undefined, { timeout: STEP_TIMEOUT });
    const closed = await recorded(page);
    assert.deepEqual(
      closed.errors.map((e) => e.code),
      ['USER_CLOSED'],
    );
    await updateClient(stack.connect.ctx.write, Date.now(), stack.client.client_id, { sandbox: true });

    await trigger(page).click();
    frame = await connectFrame(page);
    await frame.getByRole('button', { name: 'Continue as guest' }).click();
    picker = frame.locator('kryptos-integration-step');
    // Now the sandbox address, consent, success.
    await picker.getByLabel('Search integrations').fill('Ethereum');
    await picker.locator('button[data-provider="ethereum"]').click();
    const step = frame.locator('kryptos-connect-step');
    await step.getByLabel('Wallet address').fill(SANDBOX_ETH);
    await step.getByText('Valid EVM address').waitFor();
    await step.getByRole('button', { name: 'Add account' }).click();
    await frame.locator('kryptos-accounts-step').getByRole('button', { name: 'Continue', exact: true }).click();
    await frame.locator('kryptos-consent-step').getByRole('button', { name: 'Allow access' }).click();
    await frame.getByRole('heading', { name: 'Connection successful' }).waitFor();
    await frame.getByRole('button', { name: 'Done' }).click();
    await page.locator('#connection-status .badge.ok').waitFor();

    const events = await recorded(page);
    assert.equal(events.success.length, 1, 'connect-success exactly once');
    assert.deepEqual(
      events.errors.map((e) => e.code),
      ['USER_CLOSED'],
      "only the first flow's close",
    );
    assert.ok(events.events.some((e) => e.type === 'success'));
    assert.equal(await page.locator('kryptos-connect iframe').count(), 0, 'the frame is gone after Done');

    await observer.settle();
    const hostile = await page.evaluate(() => (globalThis as unknown as { __hostile: Hostile }).__hostile);
    const everything = JSON.stringify(hostile);
    assert.doesNotMatch(everything, new RegExp(TYPED_KEY), 'the typed key never reached the host page');
    assert.doesNotMatch(everything, /link_[0-9A-Za-z]{20,}/, 'no link token reached the host page');
    assert.ok(
      hostile.frameReads.length > 0 && !hostile.frameReads.some((r) => /kryptos|connect-step/i.test(r)),
      'the frame document was unreadable (at most the initial about:blank)',
    );
    assert.ok(
      hostile.texts.some((t) => t.includes('"handle":"fh_')),
      'the host page saw only a frame handle',
    );
    assert.equal(hostile.keys.length, 0, 'no key event reached the host document');
  } finally {
    await context.close();
  }
});

test('iframe mode: the frame is framable only by the registered origin it names', async () => {
  const clientId = stack.client.client_id;
  const ok = await fetch(`${stack.connect.url}/connect/frame?client_id=${clientId}&origin=${encodeURIComponent(stack.origin)}`);
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get('content-security-policy') ?? '', new RegExp(`frame-ancestors ${stack.origin.replace(/[.]/g, '\\.')}$`));
  const evil = await fetch(`${stack.connect.url}/connect/frame?client_id=${clientId}&origin=${encodeURIComponent('http://127.0.0.1:1')}`);
  assert.equal(evil.status, 403);
  assert.match(evil.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  // A handle is redeemed only from the connect server's own origin, and once; it is only ever made for the client's own link token.
  const minted = await fetch(`${stack.connect.url}/link-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': clientId, 'x-client-secret': stack.client.client_secret },
    body: JSON.stringify({ scopes: 'openid profile portfolios:read' }),
  });
  const linkToken = ((await minted.json()) as { data: { link_token: string } }).data.link_token;
  const handle = await fetch(`${stack.connect.url}/connect/frame/handle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-client-id': clientId, 'x-client-secret': stack.client.client_secret },
    body: JSON.stringify({ link_token: linkToken }),
  });
  assert.equal(handle.status, 200);
  const { data } = (await handle.json()) as { data: { handle: string } };
  const foreign = await fetch(`${stack.connect.url}/connect/frame/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.origin },
    body: JSON.stringify({ handle: data.handle, client_id: clientId }),
  });
  assert.equal(foreign.status, 403);
  const own = await fetch(`${stack.connect.url}/connect/frame/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.connectOrigin },
    body: JSON.stringify({ handle: data.handle, client_id: clientId }),
  });
  assert.equal(own.status, 200);
  const again = await fetch(`${stack.connect.url}/connect/frame/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: stack.connectOrigin },
    body: JSON.stringify({ handle: data.handle, client_id: clientId }),
  });
  assert.equal(again.status, 401);
});
