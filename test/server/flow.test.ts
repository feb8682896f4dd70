/** The whole partner flow through the widget API, as a partner backend and a widget drive it. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  call,
  DEFAULT_SCOPES,
  exchange,
  guestPublicToken,
  latestCode,
  linkToken,
  newClient,
  SANDBOX_ETH,
  SANDBOX_SOL,
  startTestServer,
  widget,
  type TestClient,
  type TestServer,
} from './helpers.ts';

let server: TestServer;
let client: TestClient;

before(async () => {
  server = await startTestServer();
  client = await newClient(server);
});
after(() => server.stop());

describe('link tokens', () => {
  test('a link token is link_… with an ISO expiry 30 minutes out, and no-store', async () => {
    const r = await call(server, 'POST', '/link-token', { headers: client.headers, body: { scopes: DEFAULT_SCOPES } });
    assert.equal(r.status, 200);
    assert.equal(r.body.success, true);
    assert.match(r.body.data.link_token, /^link_[0-9A-Za-z]{49}$/);
    assert.equal(r.body.data.expires_at, new Date(server.clock.now() + 30 * 60_000).toISOString());
    assert.equal(r.body.data.has_existing_grant, false, 'always present, false when nothing was resumed');
    assert.equal(r.body.data.resume_refused, undefined, 'no access_token sent, nothing refused');
    assert.equal(r.headers.get('cache-control'), 'no-store');
  });

  test('credentials may come in the JSON body instead of headers', async () => {
    const r = await call(server, 'POST', '/link-token', { body: { scopes: 'openid', client_id: client.client_id, client_secret: client.client_secret } });
    assert.equal(r.status, 200);
  });

  test('the session shows the client, scopes in plain words, sandbox rules and auth methods', async () => {
    const { link_token } = await linkToken(server, client, { scopes: 'openid portfolios:read' });
    const r = await widget(server, link_token)('GET', '/session');
    assert.equal(r.status, 200);
    const s = r.body.data;
    assert.equal(s.client.name, 'Acme Portfolio');
    assert.deepEqual(
      s.scopes.map((x: { scope: string; required: boolean }) => [x.scope, x.required]),
      [
        ['openid', true],
        ['portfolios:read', false],
      ],
    );
    assert.ok(s.scopes[1].description.length > 10);
    assert.equal(s.sandbox, true);
    assert.deepEqual(s.sandbox_rules.providers, ['ethereum', 'solana']);
    assert.deepEqual(s.auth_methods, ['email', 'anonymous']);
    assert.equal(s.user, null);
    assert.equal(s.has_existing_grant, false);
    assert.equal(s.grant_duration_days, 5475);
  });
});

describe('guest path', () => {
  test('guest → sandbox address → consent → exchange → grants listing → check-session → revoke', async () => {
    const { public_token, w } = await guestPublicToken(server, client, { user_reference: 'partner-user-42' });
    assert.match(public_token, /^public_/);
    const integrations = await w('GET', '/integrations');
    assert.equal(integrations.body.data.integrations.length, 1);
    assert.equal(integrations.body.data.integrations[0].publicAddress, SANDBOX_ETH);

    const ex = await exchange(server, client, public_token);
    assert.equal(ex.status, 200);
    const d = ex.body.data;
    assert.match(d.access_token, /^cat_/);
    assert.match(d.grant_id, /^cgrant_/);
    assert.equal(d.token_type, 'Bearer');
    assert.equal(d.expires_in, 473040000);
    assert.equal(d.scope, DEFAULT_SCOPES);
    assert.match(d.workspace_id, /^ws_/);
    assert.equal(d.user_reference, 'partner-user-42');
    assert.equal(ex.headers.get('cache-control'), 'no-store');

    const grants = await call(server, 'GET', '/token/grants', { headers: client.headers });
    const listed = grants.body.data.grants.find((g: { grant_id: string }) => g.grant_id === d.grant_id);
    assert.ok(listed);
    assert.equal(listed.scopes, DEFAULT_SCOPES);
    assert.equal(new Date(listed.expires_at).getTime() - new Date(listed.created_at).getTime(), 473040000 * 1000);
    assert.equal(grants.body.data.count, grants.body.data.grants.length);

    const check = await call(server, 'POST', '/link-token/check-session', { headers: client.headers, body: { access_token: d.access_token } });
    assert.deepEqual(check.body.data, {
      has_valid_session: true,
      user_id: d.user_id,
      workspace_id: d.workspace_id,
      workspace_name: 'Guest workspace',
      granted_scopes: DEFAULT_SCOPES,
      grant_id: d.grant_id,
    });

    const data = await call(server, 'GET', '/api/v1/userinfo', { headers: { authorization: `Bearer ${d.access_token}` } });
    assert.equal(data.status, 200);
    assert.equal(data.body.userInfo.sub, d.user_id);

    const revoke = await call(server, 'POST', '/token/revoke', { headers: client.headers, body: { grant_id: d.grant_id } });
    assert.deepEqual(revoke.body, { success: true, message: 'Grant revoked successfully' });
    const after = await call(server, 'GET', '/api/v1/userinfo', { headers: { authorization: `Bearer ${d.access_token}` } });
    assert.equal(after.status, 401);
    assert.equal(after.body.error, 'unauthorized');
    const check2 = await call(server, 'POST', '/link-token/check-session', { headers: client.headers, body: { access_token: d.access_token } });
    assert.deepEqual(check2.body.data, { has_valid_session: false, reason: 'token_revoked' });
    const grants2 = await call(server, 'GET', '/token/grants', { headers: client.headers });
    assert.ok(!grants2.body.data.grants.some((g: { grant_id: string }) => g.grant_id === d.grant_id));
  });

  test('guest sign-in is idempotent for one link token', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    const a = await w('POST', '/auth/guest', {});
    const b = await w('POST', '/auth/guest', {});
    assert.equal(a.body.data.user.id, b.body.data.user.id);
    assert.equal(a.body.data.user.is_anonymous, true);
  });
});

describe('email path', () => {
  test('code by email → verify → the user is signed in with a workspace; a second link token finds the same user', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    const req = await w('POST', '/auth/email/request', { email: 'Alice@Example.com' });
    assert.equal(req.status, 200);
    assert.deepEqual(req.body.data, { sent: true, expires_in: 600, resend_in: 30 });
    const code = await latestCode(server, 'alice@example.com');
    const ok = await w('POST', '/auth/email/verify', { email: 'alice@example.com', code });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.data.user.email, 'alice@example.com');
    assert.equal(ok.body.data.user.is_anonymous, false);
    assert.equal(ok.body.data.workspaces.length, 1);
    const userId = ok.body.data.user.id;

    const second = await linkToken(server, client);
    const w2 = widget(server, second.link_token);
    await w2('POST', '/auth/email/request', { email: 'alice@example.com' });
    const again = await w2('POST', '/auth/email/verify', { email: 'alice@example.com', code: await latestCode(server, 'alice@example.com') });
    assert.equal(again.body.data.user.id, userId);
  });

  test('a user with several workspaces picks the one to share', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    await w('POST', '/auth/email/request', { email: 'multi@example.com' });
    const ok = await w('POST', '/auth/email/verify', { email: 'multi@example.com', code: await latestCode(server, 'multi@example.com') });
    const userId = ok.body.data.user.id;
    const now = server.clock.now();
    await server.ctx.db
      .insertInto('workspaces')
      .values({ id: 'ws_second000000000000000', name: 'Business', owner_id: userId, base_currency: 'EUR', transaction_limit: null, created_at: now + 1 })
      .execute();
    await server.ctx.db
      .insertInto('workspace_members')
      .values({ workspace_id: 'ws_second000000000000000', user_id: userId, role: 'owner', created_at: now + 1 })
      .execute();
    await server.ctx.db
      .insertInto('workspaces')
      .values({ id: 'ws_viewer000000000000000', name: 'Shared with me', owner_id: userId, base_currency: 'USD', transaction_limit: null, created_at: now + 2 })
      .execute();
    await server.ctx.db
      .insertInto('workspace_members')
      .values({ workspace_id: 'ws_viewer000000000000000', user_id: userId, role: 'viewer', created_at: now + 2 })
      .execute();
    const session = await w('GET', '/session');
    assert.equal(session.body.data.workspaces.length, 3);
    const pick = await w('POST', '/workspaces/select', { workspace_id: 'ws_second000000000000000' });
    assert.equal(pick.status, 200);
    assert.equal((await w('GET', '/session')).body.data.workspace.id, 'ws_second000000000000000');
    const viewer = await w('POST', '/workspaces/select', { workspace_id: 'ws_viewer000000000000000' });
    assert.equal(viewer.body.code, 'INSUFFICIENT_PERMISSIONS');
    const foreign = await w('POST', '/workspaces/select', { workspace_id: 'ws_nope' });
    assert.equal(foreign.body.code, 'WORKSPACE_NOT_FOUND');
    await w('POST', '/integrations', { provider: 'solana', address: SANDBOX_SOL });
    const consent = await w('POST', '/consent', { scopes: ['openid', 'portfolios:read'] });
    const ex = await exchange(server, client, consent.body.data.public_token);
    assert.equal(ex.body.data.workspace_id, 'ws_second000000000000000');
    assert.equal(ex.body.data.scope, 'openid portfolios:read');
  });
});

describe('consent', () => {
  test('unticking an optional scope gives a grant without it; required scopes cannot be removed', async () => {
    const { link_token } = await linkToken(server, client, { scopes: 'openid email portfolios:read' });
    const w = widget(server, link_token);
    await w('POST', '/auth/guest', {});
    await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
    const noOpenid = await w('POST', '/consent', { scopes: ['portfolios:read'] });
    assert.equal(noOpenid.status, 400);
    assert.equal(noOpenid.body.code, 'INVALID_SCOPE');
    const extra = await w('POST', '/consent', { scopes: ['openid', 'tax:read'] });
    assert.equal(extra.body.code, 'INVALID_SCOPE');
    const ok = await w('POST', '/consent', { scopes: ['openid', 'portfolios:read'] });
    assert.equal(ok.status, 200);
    const ex = await exchange(server, client, ok.body.data.public_token);
    assert.equal(ex.body.data.scope, 'openid portfolios:read');
    const second = await w('POST', '/consent', { scopes: ['openid'] });
    assert.equal(second.status, 409);
    assert.equal(second.body.code, 'CONSENT_ALREADY_GIVEN');
  });

  test('consent needs a signed-in user and at least one account', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    assert.equal((await w('POST', '/consent', { scopes: ['openid'] })).body.code, 'SIGN_IN_REQUIRED');
    await w('POST', '/auth/guest', {});
    assert.equal((await w('POST', '/consent', { scopes: ['openid'] })).body.code, 'NO_INTEGRATIONS');
  });
});

describe('resume', () => {
  test('a link token with the access token resumes: no sign-in, integrations added, consent returns no token', async () => {
    const { public_token } = await guestPublicToken(server, client);
    const { body } = await exchange(server, client, public_token);
    const access = body.data.access_token;
    const resumed = await linkToken(server, client, { access_token: access });
    assert.equal(resumed.has_existing_grant, true);
    assert.equal(resumed.workspace_id, body.data.workspace_id);
    assert.equal(resumed.user_id, body.data.user_id);
    const w = widget(server, resumed.link_token);
    const session = (await w('GET', '/session')).body.data;
    assert.equal(session.has_existing_grant, true);
    assert.equal(session.workspace.id, body.data.workspace_id);
    const add = await w('POST', '/integrations', { provider: 'solana', address: SANDBOX_SOL });
    assert.equal(add.status, 201);
    const consent = await w('POST', '/consent', { scopes: ['openid'] });
    assert.deepEqual(consent.body.data, { public_token: null });
    const list = await call(server, 'GET', '/api/v1/integrations', { headers: { authorization: `Bearer ${access}` } });
    assert.deepEqual(list.body.data.map((i: { provider: string }) => i.provider).sort(), ['ethereum', 'solana']);
  });

  test('a refused resume still gives a plain link token (the contract), with has_existing_grant false and resume_refused naming why', async () => {
    const { public_token } = await guestPublicToken(server, client);
    const { body } = await exchange(server, client, public_token);
    const other = await newClient(server, { name: 'Other' });
    const foreign = await linkToken(server, other, { access_token: body.data.access_token });
    assert.equal(foreign.has_existing_grant, false);
    assert.equal(foreign.resume_refused, 'invalid_token', "another client's token: nothing about it is revealed");
    assert.equal(foreign.user_id, undefined);
    const garbage = await linkToken(server, client, { access_token: 'cat_not-a-token' });
    assert.deepEqual([garbage.has_existing_grant, garbage.resume_refused], [false, 'invalid_token']);
    await call(server, 'POST', '/token/revoke', { headers: client.headers, body: { grant_id: body.data.grant_id } });
    const revoked = await linkToken(server, client, { access_token: body.data.access_token });
    assert.equal(revoked.has_existing_grant, false);
    assert.equal(revoked.resume_refused, 'token_revoked');
    assert.equal(revoked.workspace_id, undefined);
    // The link token works as a fresh one: the session has no user and no grant.
    const session = (await widget(server, revoked.link_token)('GET', '/session')).body.data;
    assert.deepEqual([session.user, session.has_existing_grant], [null, false]);
    // check-session tells the same reason.
    const check = await call(server, 'POST', '/link-token/check-session', { headers: client.headers, body: { access_token: body.data.access_token } });
    assert.deepEqual(check.body.data, { has_valid_session: false, reason: 'token_revoked' });
  });

  test('an access token past its 15 years: resume_refused token_expired', async (t) => {
    const { public_token } = await guestPublicToken(server, client);
    const { body } = await exchange(server, client, public_token);
    const start = server.clock.now();
    t.after(() => server.clock.set(start));
    server.clock.advance(body.data.expires_in * 1000 + 1000);
    const expired = await linkToken(server, client, { access_token: body.data.access_token });
    assert.deepEqual([expired.has_existing_grant, expired.resume_refused], [false, 'token_expired']);
  });
});

describe('integrations', () => {
  test('several EVM chains for one address in one call (production client)', async () => {
    const prod = await newClient(server, { name: 'Prod', sandbox: false });
    const { link_token } = await linkToken(server, prod);
    const w = widget(server, link_token);
    await w('POST', '/auth/guest', {});
    const addr = '0x52908400098527886E0F7030069857D2E4169EE7';
    const r = await w('POST', '/integrations', { provider: 'metamask', address: addr, chains: ['ethereum', 'polygon', 'base'] });
    assert.equal(r.status, 201);
    assert.deepEqual(
      r.body.data.integrations.map((i: { chain: string }) => i.chain),
      ['ethereum', 'polygon', 'base'],
    );
    const again = await w('POST', '/integrations', { provider: 'metamask', address: addr.toLowerCase(), chains: ['ethereum'] });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'ALREADY_CONNECTED');
    assert.equal(again.body.existing[0].chain, 'ethereum');
    const partial = await w('POST', '/integrations', { provider: 'metamask', address: addr, chains: ['ethereum', 'arbitrum'] });
    assert.equal(partial.status, 201);
    assert.deepEqual(
      partial.body.data.integrations.map((i: { chain: string }) => i.chain),
      ['arbitrum'],
    );
    const wrongCase = await w('POST', '/integrations', { provider: 'ethereum', address: '0x52908400098527886E0F7030069857D2E4169Ee7' });
    assert.equal(wrongCase.body.code, 'INVALID_ADDRESS');
    const btc = await w('POST', '/integrations', { provider: 'bitcoin', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' });
    assert.equal(btc.status, 201);
    const badBtc = await w('POST', '/integrations', { provider: 'bitcoin', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx' });
    assert.equal(badBtc.body.code, 'INVALID_ADDRESS');
    const badSol = await w('POST', '/integrations', { provider: 'solana', address: '2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk' });
    assert.equal(badSol.body.code, 'INVALID_ADDRESS');
  });

  test('exchange keys are accepted, never returned, encrypted at rest; duplicates answer ALREADY_CONNECTED', async () => {
    const prod = await newClient(server, { name: 'Prod2', sandbox: false });
    const { link_token } = await linkToken(server, prod);
    const w = widget(server, link_token);
    await w('POST', '/auth/guest', {});
    const missing = await w('POST', '/integrations', { provider: 'okx', credentials: { apiKey: 'k', secretKey: 's' } });
    assert.equal(missing.body.code, 'MISSING_CREDENTIALS');
    const creds = { apiKey: 'AKIA-visible-key-123456', secretKey: 'super-secret-value-987654', password: 'pass-phrase-555' };
    const r = await w('POST', '/integrations', { provider: 'okx', credentials: creds });
    assert.equal(r.status, 201);
    const text = JSON.stringify(r.body);
    for (const v of Object.values(creds)) assert.ok(!text.includes(v));
    const row = await server.ctx.db
      .selectFrom('integrations')
      .select(['id', 'credentials'])
      .where('id', '=', r.body.data.integrations[0].id)
      .executeTakeFirstOrThrow();
    assert.ok(row.credentials && !row.credentials.includes('super-secret'));
    assert.deepEqual(JSON.parse(server.ctx.sealer.open(row.credentials, `integrations:${row.id}:credentials`)), creds);
    const dup = await w('POST', '/integrations', { provider: 'okx', credentials: creds });
    assert.equal(dup.body.code, 'ALREADY_CONNECTED');
    const del = await w('DELETE', `/integrations/${row.id}`);
    assert.equal(del.status, 200);
    assert.equal((await w('GET', '/integrations')).body.data.integrations.length, 0);
    assert.equal((await w('DELETE', `/integrations/${row.id}`)).body.code, 'INTEGRATION_NOT_FOUND');
  });

  test('address check lists detected chains', async () => {
    const { link_token } = await linkToken(server, client);
    const r = await widget(server, link_token)('POST', '/address/chains', { address: SANDBOX_ETH });
    assert.deepEqual(r.body.data.chains, ['ethereum']);
    assert.equal(r.body.data.kind, 'evm');
  });
});

describe('sandbox', () => {
  test('sandbox clients may add only the ethereum and solana test addresses', async () => {
    const { link_token } = await linkToken(server, client);
    const w = widget(server, link_token);
    await w('POST', '/auth/guest', {});
    const poly = await w('POST', '/integrations', { provider: 'polygon', address: SANDBOX_ETH });
    assert.equal(poly.status, 400);
    assert.equal(poly.body.code, 'SANDBOX_PROVIDER_NOT_ALLOWED');
    const chain = await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH, chains: ['ethereum', 'base'] });
    assert.equal(chain.body.code, 'SANDBOX_PROVIDER_NOT_ALLOWED');
    const addr = await w('POST', '/integrations', { provider: 'ethereum', address: '0x52908400098527886E0F7030069857D2E4169EE7' });
    assert.equal(addr.body.code, 'SANDBOX_ADDRESS_NOT_ALLOWED');
    const exch = await w('POST', '/integrations', { provider: 'binance', credentials: { apiKey: 'a', secretKey: 'b' } });
    assert.equal(exch.body.code, 'SANDBOX_PROVIDER_NOT_ALLOWED');
    const checksummed = await w('POST', '/integrations', { provider: 'ethereum', address: '0x47C2e31e9ce22437bcF6313D2b9E98245a7BfcFA'.toLowerCase() });
    assert.equal(checksummed.status, 201);
  });

  test('POST /sandbox/public-token runs the exchange without a browser; production clients are refused', async () => {
    const r = await call(server, 'POST', '/sandbox/public-token', { headers: client.headers, body: { scopes: 'openid integrations:read' } });
    assert.equal(r.status, 200);
    const ex = await exchange(server, client, r.body.data.public_token);
    assert.equal(ex.status, 200);
    const list = await call(server, 'GET', '/api/v1/integrations', { headers: { authorization: `Bearer ${ex.body.data.access_token}` } });
    assert.deepEqual(list.body.data.map((i: { publicAddress: string }) => i.publicAddress).sort(), [SANDBOX_SOL, SANDBOX_ETH].sort());
    const bad = await call(server, 'POST', '/sandbox/public-token', {
      headers: client.headers,
      body: { scopes: 'openid', integrations: [{ provider: 'ethereum', address: '0x52908400098527886E0F7030069857D2E4169EE7' }] },
    });
    assert.equal(bad.body.code, 'SANDBOX_ADDRESS_NOT_ALLOWED');
    const badProvider = await call(server, 'POST', '/sandbox/public-token', {
      headers: client.headers,
      body: { scopes: 'openid', integrations: [{ provider: 'bitcoin', address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq' }] },
    });
    assert.equal(badProvider.body.code, 'SANDBOX_PROVIDER_NOT_ALLOWED');
    const prod = await newClient(server, { name: 'Prod3', sandbox: false });
    const refused = await call(server, 'POST', '/sandbox/public-token', { headers: prod.headers, body: { scopes: 'openid' } });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.code, 'SANDBOX_ONLY');
  });

  test('a sandbox token is not accepted once the client switches to production, and the reverse', async () => {
    const c = await newClient(server, { name: 'Switcher' });
    const { public_token } = await guestPublicToken(server, c);
    const pending = await call(server, 'POST', '/sandbox/public-token', { headers: c.headers, body: { scopes: 'openid' } });
    const ex = await exchange(server, c, public_token);
    await server.ctx.db.updateTable('clients').set({ sandbox: 0 }).where('id', '=', c.client_id).execute();
    const data = await call(server, 'GET', '/api/v1/userinfo', { headers: { authorization: `Bearer ${ex.body.data.access_token}` } });
    assert.equal(data.status, 401);
    const ex2 = await exchange(server, c, pending.body.data.public_token);
    assert.equal(ex2.body.code, 'INVALID_TOKEN');
    const resumed = await linkToken(server, c, { access_token: ex.body.data.access_token });
    assert.deepEqual([resumed.has_existing_grant, resumed.resume_refused], [false, 'invalid_token']);
  });
});

describe('exit and analytics', () => {
  test('the widget reports where the user left', async () => {
    const { link_token } = await linkToken(server, client);
    const r = await widget(server, link_token)('POST', '/exit', { step: 'consent', reason: 'user_closed', session_id: 'sess-1' });
    assert.deepEqual(r.body.data, { recorded: true });
    const row = await server.ctx.db.selectFrom('widget_events').selectAll().where('session_id', '=', 'sess-1').executeTakeFirstOrThrow();
    assert.equal(row.step, 'consent');
    assert.equal(row.client_id, client.client_id);
  });
});

describe('link token expiry mid-flow', () => {
  test("a fresh link token for the same user takes over the expired one's sign-in, once", async () => {
    const first = await linkToken(server, client, { user_reference: 'partner-user-7' });
    const w1 = widget(server, first.link_token);
    const guest = await w1('POST', '/auth/guest', {});
    await w1('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
    server.clock.advance(31 * 60_000);
    assert.equal((await w1('GET', '/session')).body.code, 'TOKEN_EXPIRED');
    const second = await linkToken(server, client, { user_reference: 'partner-user-7' });
    const w2 = widget(server, second.link_token);
    assert.equal((await w2('GET', '/session')).body.data.user, null);
    const moved = await w2('POST', '/session/continue', { previous_link_token: first.link_token });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.data.user.id, guest.body.data.user.id);
    assert.equal((await w2('GET', '/integrations')).body.data.integrations.length, 1);
    // Only one hand-over, and only between link tokens of the same user reference.
    const third = await linkToken(server, client, { user_reference: 'partner-user-7' });
    assert.equal((await widget(server, third.link_token)('POST', '/session/continue', { previous_link_token: first.link_token })).body.code, 'INVALID_TOKEN');
    const other = await linkToken(server, client, { user_reference: 'someone-else' });
    const w3 = widget(server, second.link_token);
    assert.equal((await widget(server, other.link_token)('POST', '/session/continue', { previous_link_token: second.link_token })).body.code, 'INVALID_TOKEN');
    const consent = await w3('POST', '/consent', { scopes: DEFAULT_SCOPES.split(' ') });
    const ex = await exchange(server, client, consent.body.data.public_token);
    assert.equal(ex.body.data.user_id, guest.body.data.user.id);
    assert.equal(ex.body.data.user_reference, 'partner-user-7');
  });
});
