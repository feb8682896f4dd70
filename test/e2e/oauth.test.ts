/**
 * The OAuth 2.0 / OpenID Connect flow end to end in Chromium, driven by a relying party we did
 * not write (openid-client): discovery, an authorization URL with PKCE S256, state and nonce,
 * the hosted page (the real widget screens at the connect server's origin: guest sign-in, the
 * sandbox address, consent), the callback on a 127.0.0.1 server, the token exchange (id_token
 * validated by openid-client), userinfo, a data API call, introspection and revocation.
 * Also: cancelling on the hosted page, and the hosted page refusing to be framed.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { createClient, updateClient } from '../../server/clients/clients.service.ts';
import {
  SANDBOX_ETH,
  STEP_TIMEOUT,
  addAddress,
  storageOf,
  allowAccess,
  continueAsGuest,
  continueFromAccounts,
  dialog,
  launchBrowser,
  newSession,
  pickProvider,
  startStack,
  type Stack,
} from './helpers.ts';

const SCOPES = 'openid profile email portfolios:read workspace:read';

let stack: Stack;
let browser: Browser;
let rpServer: Server;
let rpOrigin: string;
let client: { client_id: string; client_secret: string };
let config: oidc.Configuration;

before(async () => {
  // The relying party's own origin: its callback and a page that tries to frame the hosted page.
  rpServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/callback') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Callback</title><h1>Back at the app</h1>');
    } else if (url.pathname === '/frame') {
      const src = url.searchParams.get('src') ?? '';
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><title>Framer</title><iframe id="victim" src="${src.replace(/"/g, '&quot;')}" width="600" height="600"></iframe>`);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => rpServer.listen(0, '127.0.0.1', resolve));
  rpOrigin = `http://127.0.0.1:${(rpServer.address() as AddressInfo).port}`;
  stack = await startStack();
  client = await createClient(stack.connect.ctx.write, Date.now(), {
    name: 'Ledgerly (OAuth test)',
    redirect_uris: [`${rpOrigin}/callback`],
    sandbox: true,
    logo_url: `${stack.connectOrigin}/integrations/logos/ethereum.svg`,
  });
  config = await oidc.discovery(new URL(stack.connect.url), client.client_id, undefined, oidc.ClientSecretBasic(client.client_secret), {
    execute: [oidc.allowInsecureRequests],
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stack?.close();
  await new Promise((resolve) => rpServer?.close(resolve));
});

async function authorizationUrl() {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${rpOrigin}/callback`,
    scope: SCOPES,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  return { url, verifier, state, nonce };
}

test('openid-client drives the whole flow through the hosted page in Chromium', async () => {
  const { url, verifier, state, nonce } = await authorizationUrl();
  const { context, page, observer } = await newSession(browser);
  try {
    await page.goto(url.href);
    // The hosted page at the connect server's origin, the real widget dialog, the handle gone from the address bar.
    await dialog(page).waitFor({ state: 'visible' });
    assert.equal(new URL(page.url()).origin, stack.connectOrigin);
    assert.equal(new URL(page.url()).pathname, '/connect');
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await page.evaluate(() => history.length), 2, 'the handle replaced, not pushed');
    // Per-client branding: the client's name and logo in the header.
    await page.locator('kryptos-connect #kc-title').getByText('Ledgerly (OAuth test)').waitFor();
    assert.match((await page.locator('kryptos-connect header img').getAttribute('src')) ?? '', /\/integrations\/logos\/ethereum\.svg$/);

    await continueAsGuest(page);
    await pickProvider(page, 'ethereum', 'Ethereum');
    await addAddress(page, SANDBOX_ETH, 'EVM');
    await continueFromAccounts(page);
    await allowAccess(page);
    await page.waitForURL((u) => u.origin === rpOrigin && u.pathname === '/callback', { timeout: STEP_TIMEOUT });
    const callback = new URL(page.url());
    assert.equal(callback.searchParams.get('state'), state);
    assert.ok(callback.searchParams.get('code'));
    assert.equal(callback.searchParams.get('iss'), config.serverMetadata().issuer);

    // The relying party: code → tokens, id_token validated by openid-client (signature, iss, aud, nonce, at_hash).
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    assert.match(tokens.access_token, /^cat_/);
    const claims = tokens.claims()!;
    assert.ok(claims.sub);
    assert.equal(claims.nonce, nonce);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info.sub, claims.sub);

    const data = await fetch(`${stack.connect.url}/api/v1/workspace`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(data.status, 200, await data.clone().text());
    const portfolios = await oidc.fetchProtectedResource(config, tokens.access_token, new URL(`${stack.connect.url}/api/v1/workspace`), 'GET');
    assert.equal(portfolios.status, 200);

    const live = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(live.active, true);
    assert.equal(live.client_id, client.client_id);
    assert.equal(live.sub, claims.sub);
    await oidc.tokenRevocation(config, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
    const after = await fetch(`${stack.connect.url}/api/v1/workspace`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(after.status, 401);

    // No token or handle in any URL the browser saw; no CSP violation on the hosted page.
    await observer.settle();
    for (const u of observer.urls) assert.doesNotMatch(u, /(?:link|public|cat|cs)_[0-9A-Za-z]{20,}/, u);
    const violations = await page.evaluate(() => (globalThis as unknown as { __kc?: { csp: unknown[] } }).__kc?.csp ?? []);
    assert.deepEqual(violations, []);
  } finally {
    await context.close();
  }
});

test('closing the hosted page sends access_denied back to the relying party, with state and iss', async () => {
  const { url, state } = await authorizationUrl();
  const { context, page } = await newSession(browser);
  try {
    await page.goto(url.href);
    await dialog(page).waitFor({ state: 'visible' });
    await page.locator('kryptos-connect').getByRole('button', { name: 'Close' }).click();
    await page.waitForURL((u) => u.origin === rpOrigin && u.pathname === '/callback', { timeout: STEP_TIMEOUT });
    const callback = new URL(page.url());
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), state);
    assert.equal(callback.searchParams.get('iss'), config.serverMetadata().issuer);
    assert.equal(callback.searchParams.get('code'), null);
  } finally {
    await context.close();
  }
});

test('a reused or missing handle shows a message, not the widget', async () => {
  const { context, page } = await newSession(browser);
  try {
    await page.goto(`${stack.connect.url}/connect`);
    await page.getByText('start again').waitFor();
    assert.equal(await dialog(page).isVisible(), false);
    await page.goto(`${stack.connect.url}/connect?request=creq_nope`);
    await page.getByText(/Malformed request handle|Unknown sign-in request/).waitFor();
    assert.equal(new URL(page.url()).search, '');
  } finally {
    await context.close();
  }
});

test('the hosted page cannot be framed: frame-ancestors none, and Chromium refuses to render it in an iframe', async () => {
  const { url } = await authorizationUrl();
  const first = await fetch(url, { redirect: 'manual' });
  assert.equal(first.status, 303);
  const hosted = new URL(first.headers.get('location')!, stack.connect.url).href;
  const direct = await fetch(`${stack.connect.url}/connect`);
  assert.match(direct.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
  assert.equal(direct.headers.get('x-frame-options'), 'DENY');

  const { context, page } = await newSession(browser);
  try {
    const blocked = new Promise<boolean>((resolve) => {
      page.on('console', (m) => {
        if (/frame-ancestors|Refused to (display|frame)/i.test(m.text())) resolve(true);
      });
      setTimeout(() => resolve(false), STEP_TIMEOUT);
    });
    await page.goto(`${rpOrigin}/frame?src=${encodeURIComponent(hosted)}`);
    assert.equal(await blocked, true, 'Chromium reports the refusal');
    const frame = page.frames().find((f) => f !== page.mainFrame());
    assert.ok(frame);
    assert.equal(await frame.locator('kryptos-connect').count(), 0, 'nothing of the hosted page rendered in the frame');
    assert.notEqual(new URL(frame.url()).origin, stack.connectOrigin);
  } finally {
    await context.close();
  }
});

test('the demo: "Sign in with Kryptos (OAuth)" through the BFF (openid-client), then the shared accounts from the data API', async () => {
  await updateClient(stack.connect.ctx.write, Date.now(), stack.client.client_id, { redirect_uris: [`${stack.origin}/auth/kryptos/callback`] });
  const { context, page, observer } = await newSession(browser);
  try {
    await page.goto(`${stack.origin}/oauth.html`);
    await page.getByRole('link', { name: 'Sign in with Kryptos', exact: true }).click();
    await dialog(page).waitFor({ state: 'visible' });
    assert.equal(new URL(page.url()).origin, stack.connectOrigin);
    await page.locator('kryptos-connect #kc-title').getByText('Acme Portfolio (demo)').waitFor();
    await continueAsGuest(page);
    await pickProvider(page, 'ethereum', 'Ethereum');
    await addAddress(page, SANDBOX_ETH, 'EVM');
    await continueFromAccounts(page);
    await allowAccess(page);
    await page.waitForURL(`${stack.origin}/oauth.html`, { timeout: STEP_TIMEOUT });
    await page.getByText(/^Signed in as kryptos:/).waitFor();
    await page.locator('#accounts li').first().waitFor();
    assert.match(await page.locator('#accounts').innerText(), /Ethereum/);
    // State, nonce, verifier and tokens stayed in the backend: nothing in the page's storage or cookies it can read.
    assert.deepEqual(await storageOf(page), []);
    assert.equal(await page.evaluate(() => document.cookie), '');
    const cookies = await context.cookies(stack.origin);
    for (const c of cookies) assert.equal(c.httpOnly, true, c.name);
    await observer.settle();
    for (const t of observer.seen) assert.doesNotMatch(t, /^cat_/, 'no access token reached the browser');
  } finally {
    await context.close();
  }
});

test('the demo: a callback without its transaction (replayed or forged) signs nobody in', async () => {
  const { context, page } = await newSession(browser);
  try {
    await page.goto(`${stack.origin}/auth/kryptos/callback?code=ccode_forged&state=forged`);
    await page.waitForURL(`${stack.origin}/oauth.html`);
    await page.getByText('The sign-in took too long or was already used; try again.').waitFor();
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await page.getByRole('link', { name: 'Sign in with Kryptos', exact: true }).isVisible(), true);
  } finally {
    await context.close();
  }
});
