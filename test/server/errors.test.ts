/**
 * Every row of the Connect error table a partner or a widget can trigger, over real HTTP:
 * the HTTP status CONNECT_ERROR_STATUS gives the code and the `{success:false, error, code}`
 * envelope; the data API family (`{error, message, details}`); token and code lifetimes at
 * TTL ± 1 s on the manual clock; client secret rotation with grace; client deletion.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { CONNECT_ERROR_STATUS, DATA_ERROR_STATUS } from '../../server/errors.ts';
import {
  call,
  DEFAULT_SCOPES,
  exchange,
  guestPublicToken,
  latestCode,
  linkToken,
  newClient,
  SANDBOX_ETH,
  startTestServer,
  widget,
  type TestClient,
  type TestServer,
} from './helpers.ts';
import { expectError } from './security/support.ts';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' };
const SECOND = 1000;
const MINUTE = 60 * SECOND;

let server: TestServer;
let client: TestClient;

before(async () => {
  server = await startTestServer();
  client = await newClient(server);
});
after(() => server.stop());

async function signedInGuest(c: TestClient = client, linkBody: Record<string, unknown> = {}) {
  const { link_token } = await linkToken(server, c, linkBody);
  const w = widget(server, link_token);
  assert.equal((await w('POST', '/auth/guest', {})).status, 200);
  return { link_token, w };
}

async function accessTokenFor(c: TestClient, scopes = DEFAULT_SCOPES) {
  const { public_token } = await guestPublicToken(server, c, { scopes });
  const ex = await exchange(server, c, public_token);
  assert.equal(ex.status, 200);
  return ex.body.data as { access_token: string; grant_id: string };
}

describe('request shape', () => {
  test('INVALID_REQUEST: wrong type, unknown field, malformed JSON', async () => {
    expectError(await call(server, 'POST', '/link-token', { headers: client.headers, body: { scopes: 1 } }), 'INVALID_REQUEST', 'wrong type');
    expectError(
      await call(server, 'POST', '/link-token', { headers: client.headers, body: { scopes: 'openid', admin: true } }),
      'INVALID_REQUEST',
      'unknown field',
    );
    expectError(
      await call(server, 'POST', '/link-token', { headers: { ...client.headers, 'content-type': 'application/json' }, raw: '{"scopes": ' }),
      'INVALID_REQUEST',
      'malformed',
    );
    const { w } = await signedInGuest();
    expectError(await w('POST', '/exit', { step: 'nowhere', reason: 'other' }), 'INVALID_REQUEST', 'widget enum');
  });

  test('INVALID_SCOPE: unknown, duplicated, empty, too many, not allowed for the client, and on consent', async () => {
    const lt = (scopes: string, c = client) => call(server, 'POST', '/link-token', { headers: c.headers, body: { scopes } });
    expectError(await lt('openid wallets:steal'), 'INVALID_SCOPE', 'unknown');
    expectError(await lt('openid openid'), 'INVALID_SCOPE', 'duplicated');
    expectError(await lt(''), 'INVALID_SCOPE', 'empty');
    expectError(await lt('   '), 'INVALID_SCOPE', 'only spaces');
    expectError(await lt('openid\temail'), 'INVALID_SCOPE', 'tab separated');
    expectError(await lt(`${DEFAULT_SCOPES} ${DEFAULT_SCOPES} openid`), 'INVALID_SCOPE', 'more scopes than exist');
    expectError(await lt('openid '.repeat(200)), 'INVALID_SCOPE', 'over 1024 characters');
    const narrow = await newClient(server, { name: 'Narrow', scopes: 'openid portfolios:read' });
    expectError(await lt('openid email', narrow), 'INVALID_SCOPE', 'not allowed for client');
    const { w } = await signedInGuest(client, { scopes: 'openid email' });
    await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
    expectError(await w('POST', '/consent', { scopes: ['openid', 'tax:read'] }), 'INVALID_SCOPE', 'consent: not requested');
    expectError(await w('POST', '/consent', { scopes: ['openid', 'openid'] }), 'INVALID_SCOPE', 'consent: duplicated');
    expectError(await w('POST', '/consent', { scopes: ['email'] }), 'INVALID_SCOPE', 'consent: required removed');
  });

  test('CREDENTIALS_IN_URL on partner and widget routes', async () => {
    expectError(
      await call(server, 'POST', `/link-token?client_secret=${client.client_secret}`, { headers: client.headers, body: { scopes: 'openid' } }),
      'CREDENTIALS_IN_URL',
    );
    expectError(await call(server, 'GET', '/widget/session?link_token=link_x'), 'CREDENTIALS_IN_URL');
  });

  test('PAYLOAD_TOO_LARGE: a body over 32 kb is a 413 in the JSON envelope', async () => {
    const r = await call(server, 'POST', '/link-token', { headers: client.headers, body: { scopes: 'openid', state: 'x'.repeat(33 * 1024) } });
    expectError(r, 'PAYLOAD_TOO_LARGE');
    const { link_token } = await linkToken(server, client);
    expectError(await widget(server, link_token)('POST', '/exit', { step: 'auth', reason: 'other', pad: 'y'.repeat(40_000) }), 'PAYLOAD_TOO_LARGE', 'widget');
  });

  test('UNSUPPORTED_MEDIA_TYPE: a text/plain or form body is a 415', async () => {
    expectError(
      await call(server, 'POST', '/link-token', { headers: { ...client.headers, 'content-type': 'text/plain' }, raw: '{"scopes":"openid"}' }),
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await call(server, 'POST', '/token/exchange', {
        headers: { ...client.headers, 'content-type': 'application/x-www-form-urlencoded' },
        raw: 'public_token=x',
      }),
      'UNSUPPORTED_MEDIA_TYPE',
      'form',
    );
  });

  test('NOT_FOUND: unknown routes answer the JSON envelope', async () => {
    expectError(await call(server, 'GET', '/no/such/route'), 'NOT_FOUND');
    expectError(await call(server, 'GET', '/integrations/logos/../../etc.svg'), 'NOT_FOUND', 'logo traversal');
  });
});

describe('client and token authentication', () => {
  test('INVALID_CLIENT: no credentials, a wrong secret, an unknown id, header and body disagreeing', async () => {
    expectError(await call(server, 'POST', '/link-token', { body: { scopes: 'openid' } }), 'INVALID_CLIENT', 'none');
    expectError(
      await call(server, 'POST', '/link-token', { headers: { ...client.headers, 'x-client-secret': 'cs_wrong' }, body: { scopes: 'openid' } }),
      'INVALID_CLIENT',
      'wrong secret',
    );
    expectError(
      await call(server, 'POST', '/link-token', { headers: { ...client.headers, 'x-client-id': 'client_' + '0'.repeat(32) }, body: { scopes: 'openid' } }),
      'INVALID_CLIENT',
      'unknown id',
    );
    const other = await newClient(server, { name: 'Other' });
    expectError(
      await call(server, 'POST', '/link-token', { headers: client.headers, body: { scopes: 'openid', client_id: other.client_id } }),
      'INVALID_CLIENT',
      'conflicting',
    );
  });

  test('INVALID_TOKEN: missing, malformed and unknown link tokens; unknown public tokens', async () => {
    expectError(await call(server, 'GET', '/widget/session'), 'INVALID_TOKEN', 'missing');
    expectError(await widget(server, 'link_abc')('GET', '/session'), 'INVALID_TOKEN', 'malformed');
    const { link_token } = await linkToken(server, client);
    const unknown = link_token.slice(0, 5) + (link_token[5] === 'A' ? 'B' : 'A') + link_token.slice(6);
    expectError(await widget(server, unknown)('GET', '/session'), 'INVALID_TOKEN', 'bad checksum');
    expectError(await exchange(server, client, 'public_nope'), 'INVALID_TOKEN', 'public malformed');
    const other = await newClient(server, { name: 'Thief' });
    const { public_token } = await guestPublicToken(server, client);
    expectError(await exchange(server, other, public_token), 'INVALID_TOKEN', 'another client');
    assert.equal((await exchange(server, client, public_token)).status, 200, 'not burnt by the other client');
  });

  test('UNAUTHORIZED: the admin API without or with a wrong bearer token', async () => {
    expectError(await call(server, 'GET', '/admin/clients'), 'UNAUTHORIZED', 'none');
    expectError(await call(server, 'GET', '/admin/clients', { headers: { authorization: 'Bearer wrong' } }), 'UNAUTHORIZED', 'wrong');
    expectError(
      await call(server, 'GET', '/admin/clients', { headers: { authorization: ADMIN.authorization.replace('Bearer', 'Basic') } }),
      'UNAUTHORIZED',
      'not bearer',
    );
  });

  test('CLIENT_NOT_FOUND: admin operations on an unknown client', async () => {
    const id = 'client_' + 'f'.repeat(32);
    expectError(await call(server, 'GET', `/admin/clients/${id}`, { headers: ADMIN }), 'CLIENT_NOT_FOUND', 'show');
    expectError(await call(server, 'PATCH', `/admin/clients/${id}`, { headers: ADMIN, body: { name: 'x' } }), 'CLIENT_NOT_FOUND', 'update');
    expectError(await call(server, 'POST', `/admin/clients/${id}/rotate-secret`, { headers: ADMIN, body: {} }), 'CLIENT_NOT_FOUND', 'rotate');
    expectError(await call(server, 'DELETE', `/admin/clients/${id}`, { headers: ADMIN }), 'CLIENT_NOT_FOUND', 'delete');
  });

  test('TOKEN_ALREADY_USED: a second exchange of a public token', async () => {
    const { public_token } = await guestPublicToken(server, client);
    assert.equal((await exchange(server, client, public_token)).status, 200);
    expectError(await exchange(server, client, public_token), 'TOKEN_ALREADY_USED');
  });

  test('SANDBOX_ONLY: a production client asking for a sandbox public token', async () => {
    const prod = await newClient(server, { name: 'Prod', sandbox: false });
    expectError(await call(server, 'POST', '/sandbox/public-token', { headers: prod.headers, body: { scopes: 'openid' } }), 'SANDBOX_ONLY');
  });
});

describe('widget', () => {
  test('ORIGIN_NOT_ALLOWED: client A’s link token from client B’s registered origin', async () => {
    await newClient(server, { name: 'B', origins: ['https://b.example'] });
    const { link_token } = await linkToken(server, client);
    const r = await widget(server, link_token)('GET', '/session', undefined, { origin: 'https://b.example' });
    expectError(r, 'ORIGIN_NOT_ALLOWED');
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  });

  test('address and provider errors: INVALID_ADDRESS, UNKNOWN_PROVIDER, SANDBOX_*, MISSING_CREDENTIALS, ALREADY_CONNECTED', async () => {
    const { w } = await signedInGuest();
    expectError(await w('POST', '/address/chains', { address: '0x1234' }), 'INVALID_ADDRESS', 'check');
    expectError(await w('POST', '/integrations', { provider: 'ethereum', address: 'not-an-address' }), 'INVALID_ADDRESS', 'add');
    expectError(await w('POST', '/integrations', { provider: 'no-such-chain', address: SANDBOX_ETH }), 'UNKNOWN_PROVIDER');
    expectError(await w('POST', '/integrations', { provider: 'polygon', address: SANDBOX_ETH }), 'SANDBOX_PROVIDER_NOT_ALLOWED');
    expectError(
      await w('POST', '/integrations', { provider: 'ethereum', address: '0x52908400098527886E0F7030069857D2E4169EE7' }),
      'SANDBOX_ADDRESS_NOT_ALLOWED',
    );
    assert.equal((await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH })).status, 201);
    const dup = await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
    expectError(dup, 'ALREADY_CONNECTED');
    assert.equal(dup.body.existing.length, 1);
    const prod = await newClient(server, { name: 'Prod keys', sandbox: false });
    const pw = (await signedInGuest(prod)).w;
    expectError(await pw('POST', '/integrations', { provider: 'okx', credentials: { apiKey: 'k', secretKey: 's' } }), 'MISSING_CREDENTIALS');
  });

  test('sign-in state: ALREADY_SIGNED_IN, SIGN_IN_REQUIRED, NO_INTEGRATIONS, CONSENT_ALREADY_GIVEN, WORKSPACE_NOT_FOUND, INTEGRATION_NOT_FOUND', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    expectError(await w('POST', '/consent', { scopes: ['openid'] }), 'SIGN_IN_REQUIRED', 'consent');
    expectError(await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH }), 'SIGN_IN_REQUIRED', 'integrations');
    expectError(await w('POST', '/workspaces/select', { workspace_id: 'ws_x' }), 'SIGN_IN_REQUIRED', 'select');
    await w('POST', '/auth/guest', {});
    expectError(await w('POST', '/auth/email/request', { email: 'late@example.com' }), 'ALREADY_SIGNED_IN', 'request');
    expectError(await w('POST', '/auth/email/verify', { email: 'late@example.com', code: '123456' }), 'ALREADY_SIGNED_IN', 'verify');
    expectError(await w('POST', '/workspaces/select', { workspace_id: 'ws_000000000000000000000000' }), 'WORKSPACE_NOT_FOUND');
    expectError(await w('DELETE', '/integrations/wallet_000000000000000000000000'), 'INTEGRATION_NOT_FOUND', 'unknown id');
    expectError(await w('DELETE', '/integrations/not-an-id'), 'INTEGRATION_NOT_FOUND', 'malformed id');
    expectError(await w('POST', '/consent', { scopes: ['openid'] }), 'NO_INTEGRATIONS');
    await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
    assert.equal((await w('POST', '/consent', { scopes: ['openid'] })).status, 200);
    expectError(await w('POST', '/consent', { scopes: ['openid'] }), 'CONSENT_ALREADY_GIVEN', 'second consent');
    expectError(
      await w('POST', '/integrations', { provider: 'solana', address: '2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk1' }),
      'CONSENT_ALREADY_GIVEN',
      'add after consent',
    );
  });

  test('INVALID_GRANT and INSUFFICIENT_PERMISSIONS on a resumed session', async () => {
    const { access_token, grant_id } = await accessTokenFor(client);
    const resumed = await linkToken(server, client, { access_token });
    assert.equal(resumed.has_existing_grant, true);
    const w = widget(server, resumed.link_token);
    expectError(await w('POST', '/workspaces/select', { workspace_id: resumed.workspace_id }), 'INSUFFICIENT_PERMISSIONS', 'workspace fixed by grant');
    await call(server, 'POST', '/token/revoke', { headers: client.headers, body: { grant_id } });
    expectError(await w('POST', '/integrations', { provider: 'solana', address: '2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk1' }), 'INVALID_GRANT');
  });

  test('INSUFFICIENT_PERMISSIONS: a viewer cannot share a workspace', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    await w('POST', '/auth/email/request', { email: 'viewer@example.com' });
    const ok = await w('POST', '/auth/email/verify', { email: 'viewer@example.com', code: await latestCode(server, 'viewer@example.com') });
    const now = server.clock.now();
    const ws = 'ws_viewonly00000000000000';
    await server.ctx.db
      .insertInto('workspaces')
      .values({ id: ws, name: 'Shared', owner_id: ok.body.data.user.id, base_currency: 'USD', transaction_limit: null, created_at: now })
      .execute();
    await server.ctx.db.insertInto('workspace_members').values({ workspace_id: ws, user_id: ok.body.data.user.id, role: 'viewer', created_at: now }).execute();
    expectError(await w('POST', '/workspaces/select', { workspace_id: ws }), 'INSUFFICIENT_PERMISSIONS');
  });
});

describe('email one-time codes', () => {
  test('OTP_NOT_REQUESTED, EMAIL_MISMATCH, INVALID_OTP (attempts_left), OTP_TOO_MANY_ATTEMPTS, RATE_LIMITED on resend', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    expectError(await w('POST', '/auth/email/verify', { email: 'otp@example.com', code: '123456' }), 'OTP_NOT_REQUESTED');
    assert.equal((await w('POST', '/auth/email/request', { email: 'otp@example.com' })).status, 200);
    const resend = await w('POST', '/auth/email/request', { email: 'otp@example.com' });
    expectError(resend, 'RATE_LIMITED', 'resend within 30 s');
    assert.equal(resend.body.retry_after, 30);
    assert.equal(resend.headers.get('retry-after'), '30');
    expectError(await w('POST', '/auth/email/verify', { email: 'other@example.com', code: '123456' }), 'EMAIL_MISMATCH');
    const code = await latestCode(server, 'otp@example.com');
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let left = 4; left >= 1; left--) {
      const r = await w('POST', '/auth/email/verify', { email: 'otp@example.com', code: wrong });
      expectError(r, 'INVALID_OTP', `attempt with ${left} left`);
      assert.equal(r.body.attempts_left, left);
    }
    expectError(await w('POST', '/auth/email/verify', { email: 'otp@example.com', code: wrong }), 'OTP_TOO_MANY_ATTEMPTS', 'fifth wrong');
    expectError(await w('POST', '/auth/email/verify', { email: 'otp@example.com', code }), 'OTP_TOO_MANY_ATTEMPTS', 'right code after lockout');
  });

  test('a code is valid at 10 min − 1 s and OTP_EXPIRED at 10 min + 1 s', async () => {
    const early = widget(server, (await linkToken(server, client)).link_token);
    await early('POST', '/auth/email/request', { email: 'ttl-ok@example.com' });
    const code1 = await latestCode(server, 'ttl-ok@example.com');
    const late = widget(server, (await linkToken(server, client)).link_token);
    await late('POST', '/auth/email/request', { email: 'ttl-late@example.com' });
    const code2 = await latestCode(server, 'ttl-late@example.com');
    server.clock.advance(10 * MINUTE - SECOND);
    assert.equal((await early('POST', '/auth/email/verify', { email: 'ttl-ok@example.com', code: code1 })).status, 200);
    server.clock.advance(2 * SECOND);
    expectError(await late('POST', '/auth/email/verify', { email: 'ttl-late@example.com', code: code2 }), 'OTP_EXPIRED');
  });

  test('EMAIL_UNAVAILABLE: email sign-in on a production server with no mailer', async () => {
    const prod = await startTestServer({ env: { NODE_ENV: 'production', CONNECT_PUBLIC_URL: 'https://connect.example' } });
    try {
      const c = await newClient(prod);
      const { link_token } = await linkToken(prod, c);
      expectError(await widget(prod, link_token)('POST', '/auth/email/request', { email: 'a@example.com' }), 'EMAIL_UNAVAILABLE');
    } finally {
      await prod.stop();
    }
  });
});

describe('lifetimes on the manual clock', () => {
  test('a link token works at 30 min − 1 s and is TOKEN_EXPIRED at 30 min + 1 s', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    server.clock.advance(30 * MINUTE - SECOND);
    assert.equal((await w('GET', '/session')).status, 200);
    server.clock.advance(2 * SECOND);
    expectError(await w('GET', '/session'), 'TOKEN_EXPIRED');
  });

  test('a public token exchanges at 30 min − 1 s and is TOKEN_EXPIRED at 30 min + 1 s', async () => {
    const a = await guestPublicToken(server, client);
    const b = await guestPublicToken(server, client);
    server.clock.advance(30 * MINUTE - SECOND);
    assert.equal((await exchange(server, client, a.public_token)).status, 200);
    server.clock.advance(2 * SECOND);
    expectError(await exchange(server, client, b.public_token), 'TOKEN_EXPIRED');
  });
});

describe('client secrets and deletion', () => {
  const lt = (c: { client_id: string }, secret: string) =>
    call(server, 'POST', '/link-token', { headers: { 'x-client-id': c.client_id, 'x-client-secret': secret }, body: { scopes: 'openid' } });

  test('rotation with grace: the old secret works until the grace ends, then INVALID_CLIENT', async () => {
    const c = await newClient(server, { name: 'Rotating' });
    const r = await call(server, 'POST', `/admin/clients/${c.client_id}/rotate-secret`, { headers: ADMIN, body: { grace_minutes: 5 } });
    assert.equal(r.status, 200);
    const fresh = r.body.data.client_secret as string;
    assert.notEqual(fresh, c.client_secret);
    assert.equal((await lt(c, c.client_secret)).status, 200);
    assert.equal((await lt(c, fresh)).status, 200);
    server.clock.advance(5 * MINUTE - SECOND);
    assert.equal((await lt(c, c.client_secret)).status, 200, 'still inside the grace');
    server.clock.advance(2 * SECOND);
    expectError(await lt(c, c.client_secret), 'INVALID_CLIENT', 'grace over');
    assert.equal((await lt(c, fresh)).status, 200);
  });

  test('rotation with grace 0 revokes the old secret at once', async () => {
    const c = await newClient(server, { name: 'Compromised' });
    const r = await call(server, 'POST', `/admin/clients/${c.client_id}/rotate-secret`, { headers: ADMIN, body: { grace_minutes: 0 } });
    expectError(await lt(c, c.client_secret), 'INVALID_CLIENT');
    assert.equal((await lt(c, r.body.data.client_secret)).status, 200);
  });

  test('deleting a client revokes every grant it holds: data calls answer 401, the client cannot authenticate', async () => {
    const c = await newClient(server, { name: 'Leaving' });
    const one = await accessTokenFor(c);
    const two = await accessTokenFor(c);
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    assert.equal((await call(server, 'GET', '/api/v1/userinfo', { headers: bearer(one.access_token) })).status, 200);
    const del = await call(server, 'DELETE', `/admin/clients/${c.client_id}`, { headers: ADMIN });
    assert.equal(del.body.data.grants_revoked, 2);
    for (const t of [one, two]) {
      const r = await call(server, 'GET', '/api/v1/userinfo', { headers: bearer(t.access_token) });
      assert.equal(r.status, 401);
      assert.equal(r.body.error, 'unauthorized');
    }
    expectError(await lt(c, c.client_secret), 'INVALID_CLIENT');
    const revoked = await server.ctx.db.selectFrom('grants').select(['revoked_at', 'revoked_reason']).where('client_id', '=', c.client_id).execute();
    assert.ok(revoked.every((g) => g.revoked_at !== null && g.revoked_reason === 'client_deleted'));
  });
});

describe('data API family', () => {
  test('unauthorized 401, not_found 404, forbidden 403 with insufficient_scope — all {error, message, details}', async () => {
    const shape = (r: { body: Record<string, unknown> }, code: keyof typeof DATA_ERROR_STATUS) => {
      assert.equal(r.body.error, code);
      assert.equal(typeof r.body.message, 'string');
      assert.ok(Array.isArray(r.body.details));
      assert.equal(r.body.success, undefined);
    };
    const none = await call(server, 'GET', '/api/v1/userinfo');
    assert.equal(none.status, DATA_ERROR_STATUS.unauthorized);
    shape(none, 'unauthorized');
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer error="invalid_token"/);
    const { access_token } = await accessTokenFor(client, 'openid portfolios:read');
    const auth = { authorization: `Bearer ${access_token}` };
    const missing = await call(server, 'GET', '/api/v1/no-such-thing', { headers: auth });
    assert.equal(missing.status, DATA_ERROR_STATUS.not_found);
    shape(missing, 'not_found');
    const forbidden = await call(server, 'GET', '/api/v1/userinfo', { headers: auth });
    assert.equal(forbidden.status, DATA_ERROR_STATUS.forbidden);
    shape(forbidden, 'forbidden');
    assert.match(forbidden.headers.get('www-authenticate') ?? '', /error="insufficient_scope"/);
    const other = await newClient(server, { name: 'Mismatch' });
    const mismatch = await call(server, 'GET', '/api/v1/integrations', { headers: { ...auth, ...other.headers } });
    assert.equal(mismatch.status, 401, 'client credentials of another client next to the token');
    const bad = await call(server, 'GET', '/api/v1/integrations?pageSize=100000', {
      headers: { authorization: `Bearer ${(await accessTokenFor(client)).access_token}` },
    });
    assert.equal(bad.status, DATA_ERROR_STATUS.invalid_parameters);
    shape(bad, 'invalid_parameters');
  });
});

describe('server-side failures', () => {
  test('SERVICE_UNAVAILABLE: a database locked by another writer answers 503 with Retry-After (after busy_timeout)', async () => {
    const blocker = new SQLite(server.dbFile);
    blocker.pragma('busy_timeout = 0');
    blocker.exec('begin immediate');
    try {
      const r = await call(server, 'POST', '/link-token', { headers: client.headers, body: { scopes: 'openid' } });
      expectError(r, 'SERVICE_UNAVAILABLE');
      assert.equal(r.headers.get('retry-after'), '1');
    } finally {
      blocker.exec('rollback');
      blocker.close();
    }
    assert.equal((await call(server, 'POST', '/link-token', { headers: client.headers, body: { scopes: 'openid' } })).status, 200);
  });

  test('codes no request can trigger yet are in the table with their documented status', () => {
    const expected = {
      // Developer endpoints of contract 4.6/4.7 (resync, per-grant transaction limit): not built yet.
      GRANT_NOT_FOUND: 403, // PATCH /developer/grants/:id/transaction-limit, POST /developer/integrations/:id/resync
      ACCESS_DENIED: 403, // the same routes, grant owned by another client
      NOT_ANON_USER: 400, // transaction-limit override on a linked (non-guest) user
      CSV_SOURCE_MISSING: 404, // CSV resync (contract 4.6)
      CSV_RESYNC_LATEST_UNSUPPORTED: 409, // CSV resync in `latest` mode
      // Triggered above in this file, listed for the table's sake:
      EMAIL_UNAVAILABLE: 503, // auth.routes.ts, no mailer (production without CONNECT_SMTP_URL)
      SERVICE_UNAVAILABLE: 503, // errors.middleware.ts, SQLITE_BUSY after busy_timeout
      // Only reachable through a server bug: errors.middleware.ts renders any unknown throw as this.
      INTERNAL_ERROR: 500,
    } as const;
    for (const [code, status] of Object.entries(expected)) {
      assert.equal(CONNECT_ERROR_STATUS[code as keyof typeof CONNECT_ERROR_STATUS], status, code);
    }
  });
});
