/**
 * The attacks of RFC 9700 against the provider: missing or `plain` PKCE, redirect_uri
 * variants, open redirects, missing state, code reuse, a code from another client, a wrong
 * verifier or redirect_uri at the token endpoint, an expired code, mix-up (`iss`), clickjacking
 * of our pages — and the token endpoint's own rules (client auth, nothing in the URL).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { call, runningClock, type TestClient, type TestServer, startTestServer } from '../helpers.ts';
import { CALLBACK, OIDC_SCOPES, authorizeToCallback, oauthClient, relyingParty, tokenRequest, visit } from './helpers.ts';

let server: TestServer;
let client: TestClient;
let config: oidc.Configuration;

before(async () => {
  server = await startTestServer({ clock: runningClock(), sync: false, webhooks: false });
  client = await oauthClient(server);
  config = await relyingParty(server, client);
});
after(() => server.stop());

const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // RFC 7636 appendix B
function authorizeUrl(params: Record<string, string | undefined>) {
  const url = new URL('/oauth/authorize', server.url);
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: CALLBACK,
    scope: OIDC_SCOPES,
    state: 'st-123',
    nonce: 'n-1',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/** openid-client wraps what it refused in a ClientError; the reason is in its cause. */
const causedBy = (reason: RegExp) => (e: { cause?: { message?: string } }) => reason.test(String(e.cause?.message));

/** A redirect back to the registered callback with an OAuth error. */
async function expectErrorRedirect(params: Record<string, string | undefined>, error: string) {
  const r = await visit(authorizeUrl(params));
  assert.equal(r.status, 303, r.text.slice(0, 300));
  const to = new URL(r.location!);
  assert.equal(to.origin + to.pathname, CALLBACK);
  assert.equal(to.searchParams.get('error'), error, to.toString());
  assert.equal(to.searchParams.get('iss'), server.url);
  assert.equal(to.searchParams.get('code'), null);
  return to;
}

/** An error page of ours: never a redirect (the redirect_uri is not trusted), never framable. */
async function expectErrorPage(url: URL, message: RegExp) {
  const r = await visit(url);
  assert.equal(r.status, 400);
  assert.equal(r.location, null, 'no redirect to an untrusted redirect_uri');
  assert.match(r.headers.get('content-type')!, /text\/html/);
  assert.match(r.text, message);
  assert.match(r.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
}

test('PKCE is required, S256 only: no challenge, plain, a missing method and a malformed challenge are refused', async () => {
  await expectErrorRedirect({ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request');
  await expectErrorRedirect({ code_challenge_method: 'plain' }, 'invalid_request');
  await expectErrorRedirect({ code_challenge_method: undefined }, 'invalid_request');
  await expectErrorRedirect({ code_challenge: 'short' }, 'invalid_request');
});

test('state is required; its absence is reported to the client, not silently accepted', async () => {
  const to = await expectErrorRedirect({ state: undefined }, 'invalid_request');
  assert.match(to.searchParams.get('error_description')!, /state/);
  assert.equal(to.searchParams.get('state'), null);
});

test('other parameter errors come back by redirect with state and iss', async () => {
  const to = await expectErrorRedirect({ response_type: 'token' }, 'unsupported_response_type');
  assert.equal(to.searchParams.get('state'), 'st-123');
  await expectErrorRedirect({ scope: 'portfolios:read' }, 'invalid_scope'); // openid is required
  await expectErrorRedirect({ scope: 'openid admin:everything' }, 'invalid_scope');
  await expectErrorRedirect({ response_mode: 'fragment' }, 'invalid_request');
  await expectErrorRedirect({ request: 'eyJ...' }, 'request_not_supported');
  await expectErrorRedirect({ prompt: 'none' }, 'login_required');
});

test('redirect_uri is matched exactly: path, query, case, trailing slash, other port, scheme, fragment and userinfo variants are refused on a page', async () => {
  const variants = [
    'http://127.0.0.1:4999/callback/',
    'http://127.0.0.1:4999/Callback',
    'http://127.0.0.1:4999/callback?x=1',
    'http://127.0.0.1:4999/callback/../callback',
    'http://127.0.0.1:5000/callback',
    'https://127.0.0.1:4999/callback',
    'http://127.0.0.1:4999/callback#x',
    'http://evil@127.0.0.1:4999/callback',
    'http://localhost:4999/callback',
    'http://127.0.0.1:4999/callbackx',
    'HTTP://127.0.0.1:4999/callback',
    'http://evil.example/callback',
  ];
  for (const redirect_uri of variants) await expectErrorPage(authorizeUrl({ redirect_uri }), /redirect_uri is not registered/);
  await expectErrorPage(authorizeUrl({ redirect_uri: undefined }), /redirect_uri is missing/);
});

test('unknown or missing client, or repeated client_id/redirect_uri: a page, never a redirect (no open redirector)', async () => {
  await expectErrorPage(authorizeUrl({ client_id: 'client_' + '0'.repeat(32) }), /Unknown client_id/);
  await expectErrorPage(authorizeUrl({ client_id: undefined }), /client_id is missing/);
  const twice = authorizeUrl({});
  twice.searchParams.append('redirect_uri', 'http://evil.example/cb');
  await expectErrorPage(twice, /more than once/);
  // Another client's registered callback is not ours to send to.
  const other = await oauthClient(server, { redirect_uris: ['http://127.0.0.1:5111/other'] });
  await expectErrorPage(authorizeUrl({ redirect_uri: 'http://127.0.0.1:5111/other' }), /not registered/);
  await expectErrorPage(authorizeUrl({ client_id: other.client_id }), /not registered/);
});

test('a code is single use: its reuse is refused and revokes the tokens the first redemption produced', async () => {
  const { callback, verifier, state, nonce } = await authorizeToCallback(server, config);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  const ok = await call(server, 'GET', '/api/v1/workspace', { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(ok.status, 200);
  const again = await tokenRequest(server, client, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
  });
  assert.equal(again.status, 400);
  assert.equal(again.body.error, 'invalid_grant');
  assert.match(again.body.error_description, /already used/);
  const revoked = await call(server, 'GET', '/api/v1/workspace', { headers: { authorization: `Bearer ${tokens.access_token}` } });
  assert.equal(revoked.status, 401);
  assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
});

test('two redemptions racing: at most one answers tokens, and if both ran, what was produced is revoked', async () => {
  const { callback, verifier } = await authorizeToCallback(server, config);
  const params = { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: CALLBACK, code_verifier: verifier };
  const answers = await Promise.all([tokenRequest(server, client, params), tokenRequest(server, client, params)]);
  const won = answers.filter((a) => a.status === 200);
  assert.ok(won.length <= 1);
  assert.ok(answers.some((a) => a.body.error === 'invalid_grant'));
  for (const w of won) {
    const r = await call(server, 'GET', '/api/v1/workspace', { headers: { authorization: `Bearer ${w.body.access_token}` } });
    assert.equal(r.status, 401, 'the reuse revoked the grant');
  }
});

test("a code is bound to its client: another client's redemption fails and does not burn it", async () => {
  const { callback, verifier, state, nonce } = await authorizeToCallback(server, config);
  const thief = await oauthClient(server);
  const stolen = await tokenRequest(server, thief, {
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
  });
  assert.equal(stolen.status, 400);
  assert.equal(stolen.body.error, 'invalid_grant');
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  assert.match(tokens.access_token, /^cat_/);
});

test('a code is bound to its verifier and redirect_uri; a wrong one is refused without burning the code', async () => {
  const { callback, verifier, state, nonce } = await authorizeToCallback(server, config);
  const code = callback.searchParams.get('code')!;
  const wrongVerifier = await tokenRequest(server, client, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: CALLBACK,
    code_verifier: oidc.randomPKCECodeVerifier(),
  });
  assert.equal(wrongVerifier.body.error, 'invalid_grant');
  assert.match(wrongVerifier.body.error_description, /code_verifier/);
  const noVerifier = await tokenRequest(server, client, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK });
  assert.equal(noVerifier.body.error, 'invalid_request');
  const wrongUri = await tokenRequest(server, client, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK + '/', code_verifier: verifier });
  assert.equal(wrongUri.body.error, 'invalid_grant');
  assert.match(wrongUri.body.error_description, /redirect_uri/);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  assert.match(tokens.access_token, /^cat_/);
});

test('a code lives 5 minutes', async () => {
  const { callback, verifier } = await authorizeToCallback(server, config);
  server.clock.advance(5 * 60_000 + 1);
  try {
    const late = await tokenRequest(server, client, {
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
    });
    assert.equal(late.status, 400);
    assert.equal(late.body.error, 'invalid_grant');
    assert.match(late.body.error_description, /expired/);
  } finally {
    server.clock.advance(-(5 * 60_000 + 1));
  }
});

test('mix-up: the relying party refuses a response whose iss is not the issuer it sent the user to', async () => {
  const { callback, verifier, state } = await authorizeToCallback(server, config);
  const forged = new URL(callback);
  forged.searchParams.set('iss', 'http://127.0.0.1:5999');
  await assert.rejects(oidc.authorizationCodeGrant(config, forged, { pkceCodeVerifier: verifier, expectedState: state }), causedBy(/"iss"/));
  const missing = new URL(callback);
  missing.searchParams.delete('iss');
  await assert.rejects(oidc.authorizationCodeGrant(config, missing, { pkceCodeVerifier: verifier, expectedState: state }), causedBy(/"iss"/));
});

test('the relying party refuses a callback whose state is not the one it sent (CSRF)', async () => {
  const { callback, verifier } = await authorizeToCallback(server, config);
  await assert.rejects(oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'another' }), causedBy(/"state"/));
});

test('clickjacking: the hosted page and the authorize error page forbid framing', async () => {
  for (const path of ['/connect', '/connect?request=creq_x', '/oauth/authorize']) {
    const r = await visit(new URL(path, server.url));
    assert.match(r.headers.get('content-security-policy')!, /frame-ancestors 'none'/, path);
    assert.equal(r.headers.get('x-frame-options'), 'DENY', path);
  }
});

test('token endpoint: client authentication, grant types, and nothing in the URL', async () => {
  const wrong = await call(server, 'POST', '/oauth/token', {
    raw: 'grant_type=authorization_code&code=x&redirect_uri=x&code_verifier=x',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:cs_wrong`).toString('base64')}` },
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.error, 'invalid_client');
  assert.match(wrong.headers.get('www-authenticate')!, /^Basic/);
  const none = await call(server, 'POST', '/oauth/token', {
    raw: 'grant_type=authorization_code',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(none.status, 401);
  assert.equal(none.body.error, 'invalid_client');
  const both = await call(server, 'POST', '/oauth/token', {
    raw: new URLSearchParams({ grant_type: 'authorization_code', client_secret: client.client_secret }).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
    },
  });
  assert.equal(both.status, 400);
  assert.equal(both.body.error, 'invalid_request');
  const refresh = await tokenRequest(server, client, { grant_type: 'refresh_token', refresh_token: 'x' });
  assert.equal(refresh.body.error, 'unsupported_grant_type');
  const inUrl = await call(server, 'POST', `/oauth/token?client_secret=${client.client_secret}`, {
    raw: 'grant_type=authorization_code',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(inUrl.status, 400);
  assert.equal(inUrl.body.error, 'invalid_request');
  const json = await call(server, 'POST', '/oauth/token', { headers: client.headers, body: { grant_type: 'authorization_code' } });
  assert.equal(json.status, 400);
  assert.equal(json.body.error, 'invalid_request');
  const garbage = await tokenRequest(server, client, {
    grant_type: 'authorization_code',
    code: 'ccode_garbage',
    redirect_uri: CALLBACK,
    code_verifier: oidc.randomPKCECodeVerifier(),
  });
  assert.equal(garbage.body.error, 'invalid_grant');
  assert.equal(garbage.headers.get('cache-control'), 'no-store');
  for (const r of [wrong, none, both, refresh, inUrl, json, garbage]) assert.doesNotMatch(JSON.stringify(r.body), /cs_[A-Za-z0-9]{20}|at \w+ \(/);
});

test('userinfo: a bearer header only, 401 with WWW-Authenticate otherwise', async () => {
  const none = await call(server, 'GET', '/oauth/userinfo');
  assert.equal(none.status, 401);
  assert.equal(none.body.error, 'invalid_token');
  assert.match(none.headers.get('www-authenticate')!, /^Bearer error="invalid_token"/);
  const inUrl = await call(server, 'GET', '/oauth/userinfo?access_token=cat_x');
  assert.equal(inUrl.status, 400);
});

test("introspection and revocation only concern the caller's own tokens", async () => {
  const { callback, verifier, state, nonce } = await authorizeToCallback(server, config);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  const other = await oauthClient(server);
  const otherRp = await relyingParty(server, other);
  assert.deepEqual(await oidc.tokenIntrospection(otherRp, tokens.access_token), { active: false });
  await oidc.tokenRevocation(otherRp, tokens.access_token); // 200, but nothing happens
  assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, true);
  await oidc.tokenRevocation(config, String(tokens.grant_id)); // a grant id revokes too
  assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
  await oidc.tokenRevocation(config, 'not-a-token'); // RFC 7009: 200 for an invalid token
});
