/**
 * The OAuth 2.0 / OpenID Connect provider end to end, driven by a relying party we did not
 * write (openid-client): discovery, authorize with PKCE, the hosted page's steps, callback,
 * token, id_token validation, userinfo, a data API call, introspection and revocation.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { call, guestPublicToken, linkToken, runningClock, type TestClient, type TestServer, startTestServer } from '../helpers.ts';
import { CALLBACK, authorizeToCallback, oauthClient, relyingParty, startAuthorization, visit, hostedPageConsents } from './helpers.ts';

let server: TestServer;
let client: TestClient;

before(async () => {
  server = await startTestServer({ clock: runningClock(), sync: false, webhooks: false });
  client = await oauthClient(server);
});
after(() => server.stop());

test('discovery describes the provider: code flow, PKCE S256 only, iss in responses, both client auth methods', async () => {
  const doc = (await call(server, 'GET', '/.well-known/openid-configuration')).body;
  assert.equal(doc.issuer, server.url);
  assert.deepEqual(doc.response_types_supported, ['code']);
  assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(doc.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
  assert.equal(doc.authorization_response_iss_parameter_supported, true);
  assert.deepEqual(doc.grant_types_supported, ['authorization_code']);
  const rfc8414 = (await call(server, 'GET', '/.well-known/oauth-authorization-server')).body;
  assert.deepEqual(rfc8414, doc);
  const jwks = await call(server, 'GET', '/oauth/jwks');
  assert.equal(jwks.status, 200);
  assert.equal(jwks.body.keys.length, 1);
  assert.equal(jwks.body.keys[0].alg, 'RS256');
  assert.equal(jwks.body.keys[0].d, undefined, 'no private part is published');
});

for (const auth of ['basic', 'post'] as const) {
  test(`openid-client completes the whole flow (client_secret_${auth})`, async () => {
    const config = await relyingParty(server, client, auth);
    const { callback, verifier, state, nonce } = await authorizeToCallback(server, config);
    assert.equal(callback.origin + callback.pathname, CALLBACK);
    assert.equal(callback.searchParams.get('iss'), server.url, 'RFC 9207 iss in the redirect');
    assert.equal(callback.searchParams.get('state'), state);
    assert.match(callback.searchParams.get('code')!, /^ccode_/);

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    assert.match(tokens.access_token, /^cat_/);
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.refresh_token, undefined, 'no refresh tokens');
    assert.match(String(tokens.grant_id), /^cgrant_/);
    const claims = tokens.claims()!;
    assert.equal(claims.iss, server.url);
    assert.equal(claims.aud, client.client_id);
    assert.equal(claims.nonce, nonce);
    assert.equal(claims.sub, tokens.user_id);

    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    assert.equal(info.sub, claims.sub);
    assert.equal(info.locale, 'en');

    const data = await call(server, 'GET', '/api/v1/workspace', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(data.status, 200, JSON.stringify(data.body));

    const live = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(live.active, true);
    assert.equal(live.client_id, client.client_id);
    assert.equal(live.sub, claims.sub);
    assert.equal(live.grant_id, tokens.grant_id);

    await oidc.tokenRevocation(config, tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(config, tokens.access_token)).active, false);
    const after = await call(server, 'GET', '/api/v1/workspace', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(after.status, 401);
    await assert.rejects(oidc.fetchUserInfo(config, tokens.access_token, claims.sub));
  });
}

test('the hosted page hand-off: a handle opens once, in 2 minutes; the page is never framable', async () => {
  const config = await relyingParty(server, client);
  const { url } = await startAuthorization(config);
  const first = await visit(url);
  assert.equal(first.status, 303);
  assert.match(first.location!, /^\/connect\?request=creq_\w+$/);
  assert.equal(first.headers.get('cache-control'), 'no-store');

  const page = await visit(new URL(first.location!, server.url));
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
  assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
  assert.equal(page.headers.get('x-frame-options'), 'DENY');

  const handle = new URL(first.location!, server.url).searchParams.get('request')!;
  const opened = await call(server, 'POST', '/connect/session', { body: { handle } });
  assert.equal(opened.status, 200);
  assert.equal(opened.body.data.mode, 'oauth');
  assert.match(opened.body.data.link_token, /^link_/);
  const again = await call(server, 'POST', '/connect/session', { body: { handle } });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'TOKEN_ALREADY_USED');

  const late = await visit((await startAuthorization(config)).url);
  server.clock.advance(2 * 60_000 + 1);
  try {
    const expired = await call(server, 'POST', '/connect/session', { body: { handle: new URL(late.location!, server.url).searchParams.get('request') } });
    assert.equal(expired.status, 401);
    assert.equal(expired.body.code, 'TOKEN_EXPIRED');
  } finally {
    server.clock.advance(-(2 * 60_000 + 1));
  }
  const bad = await call(server, 'POST', '/connect/session', { body: { handle: 'creq_nope' } });
  assert.equal(bad.status, 401);
  assert.equal(bad.body.code, 'INVALID_TOKEN');
});

test('cancel on the hosted page: access_denied back to the relying party, with state and iss; nothing more can be consented', async () => {
  const config = await relyingParty(server, client);
  const { url, state } = await startAuthorization(config);
  const first = await visit(url);
  const handle = new URL(first.location!, server.url).searchParams.get('request')!;
  const opened = await call(server, 'POST', '/connect/session', { body: { handle } });
  const link = opened.body.data.link_token as string;
  const denied = await call(server, 'POST', '/widget/oauth/deny', { headers: { 'x-link-token': link } });
  assert.equal(denied.status, 200);
  const to = new URL(denied.body.data.redirect_to);
  assert.equal(to.origin + to.pathname, CALLBACK);
  assert.equal(to.searchParams.get('error'), 'access_denied');
  assert.equal(to.searchParams.get('state'), state);
  assert.equal(to.searchParams.get('iss'), server.url);
  await assert.rejects(
    oidc.authorizationCodeGrant(config, to, { pkceCodeVerifier: 'x'.repeat(43), expectedState: state }),
    (e: { error?: string }) => e.error === 'access_denied',
  );
  const consent = await call(server, 'POST', '/widget/consent', { headers: { 'x-link-token': link }, body: { scopes: ['openid'] } });
  assert.ok(consent.status >= 400 && consent.status < 500);
});

test('the inline widget is unchanged: consent without an authorization request still answers a public token', async () => {
  const { public_token } = await guestPublicToken(server, client);
  assert.match(public_token, /^public_/);
});

test('hostedPageConsents drives a second authorization independently of the first (two tabs)', async () => {
  const config = await relyingParty(server, client);
  const a = await startAuthorization(config);
  const b = await startAuthorization(config);
  const la = (await visit(a.url)).location!;
  const lb = (await visit(b.url)).location!;
  const cb = new URL((await hostedPageConsents(server, lb)).consent.body.data.redirect_to);
  const ca = new URL((await hostedPageConsents(server, la)).consent.body.data.redirect_to);
  assert.equal(ca.searchParams.get('state'), a.state);
  assert.equal(cb.searchParams.get('state'), b.state);
  const ta = await oidc.authorizationCodeGrant(config, ca, { pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce });
  const tb = await oidc.authorizationCodeGrant(config, cb, { pkceCodeVerifier: b.verifier, expectedState: b.state, expectedNonce: b.nonce });
  assert.notEqual(ta.access_token, tb.access_token);
});

test('the OpenAPI document has every OAuth endpoint, form-encoded where OAuth says so', async () => {
  const doc = (await call(server, 'GET', '/openapi.json')).body;
  for (const [path, method] of [
    ['/.well-known/openid-configuration', 'get'],
    ['/oauth/jwks', 'get'],
    ['/oauth/authorize', 'get'],
    ['/oauth/token', 'post'],
    ['/oauth/userinfo', 'get'],
    ['/oauth/revoke', 'post'],
    ['/oauth/introspect', 'post'],
    ['/connect', 'get'],
    ['/connect/session', 'post'],
    ['/widget/oauth/deny', 'post'],
  ] as const)
    assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
  assert.ok(doc.paths['/oauth/token'].post.requestBody.content['application/x-www-form-urlencoded']);
  assert.deepEqual(doc.paths['/oauth/token'].post.responses['4XX'].content['application/json'].schema, { $ref: '#/components/schemas/OAuthError' });
  const page = await call(server, 'GET', '/docs');
  assert.match(page.body, /\/oauth\/token/);
});

test('authorize by form POST works the same; logs carry no code, handle, verifier or token', async () => {
  const config = await relyingParty(server, client);
  const { url, verifier, state, nonce } = await startAuthorization(config);
  const posted = await visit(new URL('/oauth/authorize', server.url), {
    method: 'POST',
    body: url.searchParams.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(posted.status, 303, posted.text.slice(0, 200));
  const { consent } = await hostedPageConsents(server, posted.location!);
  const callback = new URL(consent.body.data.redirect_to);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
  const logs = server.logs.join('\n');
  for (const secret of [
    callback.searchParams.get('code')!,
    new URL(posted.location!, server.url).searchParams.get('request')!,
    verifier,
    tokens.access_token,
    tokens.id_token!,
    client.client_secret,
  ]) {
    assert.ok(!logs.includes(secret), `a secret reached the logs: ${secret.slice(0, 8)}…`);
  }
});

test('deny: 400 on an inline link token, 409 once the authorization is complete', async () => {
  const inline = await linkToken(server, client);
  const notOauth = await call(server, 'POST', '/widget/oauth/deny', { headers: { 'x-link-token': inline.link_token } });
  assert.equal(notOauth.status, 400);
  assert.equal(notOauth.body.code, 'INVALID_REQUEST');
  const config = await relyingParty(server, client);
  const first = await visit((await startAuthorization(config)).url);
  const { link_token } = await hostedPageConsents(server, first.location!);
  const late = await call(server, 'POST', '/widget/oauth/deny', { headers: { 'x-link-token': link_token } });
  assert.equal(late.status, 409);
  assert.equal(late.body.code, 'CONSENT_ALREADY_GIVEN');
});
