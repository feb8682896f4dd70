/**
 * Issue 9, item 1: a resumed link token (minted with an access token, handed to the browser)
 * stays inside its grant. Each test performs the attack over HTTP and sees it fail.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SANDBOX_ETH,
  SANDBOX_SOL,
  call,
  exchange,
  latestCode,
  linkToken,
  newClient,
  startTestServer,
  widget,
  type TestClient,
  type TestServer,
} from '../helpers.ts';
import { expectError } from './support.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s.stop();
});

/** Signs `email` in, adds the sandbox ETH address, consents to `scopes` → an access token. */
async function emailGrant(c: TestClient, email: string, scopes: string) {
  const { link_token } = await linkToken(s, c, { scopes });
  const w = widget(s, link_token);
  assert.equal((await w('POST', '/auth/email/request', { email })).status, 200);
  assert.equal((await w('POST', '/auth/email/verify', { email, code: await latestCode(s, email) })).status, 200);
  assert.equal((await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH })).status, 201);
  const consent = await w('POST', '/consent', { scopes: scopes.split(' ') });
  assert.equal(consent.status, 200, JSON.stringify(consent.body));
  const ex = await exchange(s, c, consent.body.data.public_token);
  return ex.body.data as { access_token: string; grant_id: string };
}

describe('a resumed session without the email and integrations:read scopes', () => {
  const scopes = 'openid portfolios:read';
  let c: TestClient;
  let grant: { access_token: string; grant_id: string };
  const email = 'resumed-owner@example.com';
  before(async () => {
    c = await newClient(s);
    grant = await emailGrant(c, email, scopes);
  });

  test('GET /widget/session shows neither the email nor other workspaces', async () => {
    const resumed = await linkToken(s, c, { scopes, access_token: grant.access_token });
    assert.equal(resumed.has_existing_grant, true);
    const r = await widget(s, resumed.link_token)('GET', '/session');
    assert.equal(r.status, 200);
    assert.equal(r.body.data.user.email, null);
    assert.equal(r.body.data.signed_in_this_session, false);
    assert.deepEqual(
      r.body.data.workspaces.map((w: { id: string }) => w.id),
      [resumed.workspace_id],
    );
    assert.ok(!JSON.stringify(r.body).includes('resumed-owner'), 'nothing of the email anywhere');
  });

  test('check-session and the workspace name never reveal the email', async () => {
    const r = await call(s, 'POST', '/link-token/check-session', { headers: c.headers, body: { access_token: grant.access_token } });
    assert.equal(r.body.data.workspace_name, 'My workspace');
  });

  test('listing hides accounts added before; deleting them needs an email sign-in; its own additions it may undo', async () => {
    const resumed = await linkToken(s, c, { scopes, access_token: grant.access_token });
    const w = widget(s, resumed.link_token);
    const before = await w('GET', '/integrations');
    assert.deepEqual(before.body.data.integrations, [], 'the earlier ETH account is not listed');
    assert.equal(before.body.data.complete, false);
    const existing = await s.ctx.db
      .selectFrom('integrations')
      .select('id')
      .where('workspace_id', '=', resumed.workspace_id!)
      .where('deleted_at', 'is', null)
      .execute();
    expectError(await w('DELETE', `/integrations/${existing[0]!.id}`), 'EMAIL_SIGN_IN_REQUIRED', 'delete an account added earlier');
    expectError(await w('DELETE', '/integrations/wallet_000000000000000000000000'), 'EMAIL_SIGN_IN_REQUIRED', 'no existence oracle');
    const added = await w('POST', '/integrations', { provider: 'solana', address: SANDBOX_SOL });
    assert.equal(added.status, 201, 'adding accounts is the documented isAuthorized flow');
    const mine = await w('GET', '/integrations');
    assert.deepEqual(
      mine.body.data.integrations.map((i: { id: string }) => i.id),
      [added.body.data.integrations[0].id],
    );
    assert.equal((await w('DELETE', `/integrations/${added.body.data.integrations[0].id}`)).status, 200, 'undo its own addition');
    expectError(await w('POST', '/workspaces/select', { workspace_id: resumed.workspace_id }), 'INSUFFICIENT_PERMISSIONS', 'never switches workspace');
  });

  test('the email step-up: another email is refused; the account email signs in; then the list is complete (addresses still need integrations:read)', async () => {
    const resumed = await linkToken(s, c, { scopes, access_token: grant.access_token });
    const w = widget(s, resumed.link_token);
    expectError(await w('POST', '/auth/email/request', { email: 'attacker@example.com' }), 'ACCOUNT_MISMATCH');
    assert.equal((await w('POST', '/auth/email/request', { email })).status, 200);
    const v = await w('POST', '/auth/email/verify', { email, code: await latestCode(s, email) });
    assert.equal(v.status, 200, JSON.stringify(v.body));
    assert.equal(v.body.data.signed_in_this_session, true);
    assert.equal(v.body.data.user.email, null, 'still no email without the email scope');
    const list = await w('GET', '/integrations');
    assert.equal(list.body.data.complete, true);
    assert.equal(list.body.data.integrations.length, 1);
    assert.equal(list.body.data.integrations[0].publicAddress, null, 'no address without integrations:read');
    expectError(await w('POST', '/auth/email/request', { email }), 'ALREADY_SIGNED_IN');
  });

  test('revoking the grant stops the very next widget call (the grant is read from the database on every call)', async () => {
    const g = await emailGrant(c, 'revoked@example.com', scopes);
    const resumed = await linkToken(s, c, { scopes, access_token: g.access_token });
    const w = widget(s, resumed.link_token);
    assert.equal((await w('GET', '/session')).status, 200);
    assert.equal((await call(s, 'POST', '/token/revoke', { headers: c.headers, body: { grant_id: g.grant_id } })).status, 200);
    for (const [method, path, body] of [
      ['GET', '/session'],
      ['GET', '/integrations'],
      ['POST', '/integrations', { provider: 'solana', address: SANDBOX_SOL }],
      ['GET', '/providers'],
    ] as const) {
      expectError(await w(method, path, body), 'INVALID_GRANT', `${method} ${path}`);
    }
  });
});

test('a guest-resumed session cannot step up, and still sees only its own additions', async () => {
  const c = await newClient(s);
  const { link_token } = await linkToken(s, c);
  const w0 = widget(s, link_token);
  await w0('POST', '/auth/guest', {});
  await w0('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH });
  const consent = await w0('POST', '/consent', { scopes: ['openid', 'integrations:read'] });
  const ex = await exchange(s, c, consent.body.data.public_token);
  const resumed = await linkToken(s, c, { access_token: ex.body.data.access_token });
  const w = widget(s, resumed.link_token);
  expectError(await w('POST', '/auth/email/request', { email: 'guess@example.com' }), 'ACCOUNT_MISMATCH');
  assert.deepEqual((await w('GET', '/integrations')).body.data.integrations, []);
});
