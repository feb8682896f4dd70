/** The partner flow end to end through the BFF, without a browser: sign in, connect, resume, read, disconnect. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connectThroughWidget, createAgent, partnerCall, startHarness, type Harness } from './helpers.ts';

describe('BFF flow', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('refuses a link token before the partner user signs in', async () => {
    const agent = createAgent(h.bff.url);
    const res = await agent.call('POST', '/api/kryptos/link-token', { body: {} });
    assert.equal(res.status, 401);
    assert.equal(res.json.code, 'SIGN_IN_REQUIRED');
  });

  it('gives a signed-in user a fresh link token with isAuthorized false', async () => {
    const agent = createAgent(h.bff.url);
    assert.equal((await agent.login('fresh-user')).status, 200);
    const res = await agent.call('POST', '/api/kryptos/link-token', { body: {} });
    assert.equal(res.status, 200);
    assert.match(res.json.link_token, /^link_/);
    assert.equal(res.json.isAuthorized, false);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const connection = await agent.call('GET', '/api/kryptos/connection');
    assert.deepEqual(connection.json, { connected: false, grant_id: null, scopes: [], workspace_id: null, connected_at: null });
  });

  it('connects through the widget proxy, resumes, reads data and disconnects with a server-side revoke', async () => {
    const agent = createAgent(h.bff.url);
    await agent.login('alice');
    const { publicToken } = await connectThroughWidget(agent);
    assert.match(publicToken ?? '', /^public_/);

    const exchanged = await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: publicToken } });
    assert.equal(exchanged.status, 200, exchanged.text);
    assert.equal(exchanged.json.connected, true);
    assert.match(exchanged.json.grant_id, /^cgrant_/);
    assert.ok(exchanged.json.scopes.includes('openid'));
    assert.doesNotMatch(exchanged.text, /cat_/);

    const connection = await agent.call('GET', '/api/kryptos/connection');
    assert.equal(connection.status, 200);
    assert.equal(connection.json.connected, true);
    assert.equal(connection.json.grant_id, exchanged.json.grant_id);
    assert.match(connection.json.workspace_id, /^ws_/);
    assert.ok(!Number.isNaN(Date.parse(connection.json.connected_at)));
    assert.doesNotMatch(connection.text, /cat_/);
    const grantId = connection.json.grant_id as string;

    // The BFF's copy of the token, read the way the BFF reads it (to check the revoke below).
    const stored = await h.bff.ctx.store.find('alice');
    assert.ok(stored);
    assert.match(stored.accessToken, /^cat_/);

    // A second click: the BFF resumes with the stored token, and the server confirms the grant.
    const resumed = await agent.call('POST', '/api/kryptos/link-token', { body: {} });
    assert.equal(resumed.json.isAuthorized, true);
    const session = await agent.widget('GET', 'session', resumed.json.link_token);
    assert.equal(session.json.data.has_existing_grant, true);

    // Data: whatever the data API answers for this token, the BFF passes on unchanged.
    const direct = await fetch(`${h.connect.url}/api/v1/userinfo`, {
      headers: { Authorization: `Bearer ${stored.accessToken}`, 'X-Client-Id': h.client.client_id, 'X-Client-Secret': h.client.client_secret },
    });
    const viaBff = await agent.call('GET', '/api/kryptos/data/userinfo');
    assert.equal(viaBff.status, direct.status);
    assert.deepEqual(viaBff.json, await direct.json());

    const grantsBefore = await partnerCall(h, 'GET', '/token/grants');
    assert.ok(grantsBefore.json.data.grants.some((g: { grant_id: string }) => g.grant_id === grantId));

    const removed = await agent.call('DELETE', '/api/kryptos/connection');
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.json.connected, false);

    const grantsAfter = await partnerCall(h, 'GET', '/token/grants');
    assert.ok(!grantsAfter.json.data.grants.some((g: { grant_id: string }) => g.grant_id === grantId));
    const check = await partnerCall(h, 'POST', '/link-token/check-session', { access_token: stored.accessToken });
    assert.equal(check.json.data.has_valid_session, false);

    const afterData = await agent.call('GET', '/api/kryptos/data/holdings');
    assert.equal(afterData.status, 401);
    assert.equal(afterData.json.error, 'unauthorized');
    assert.equal((await agent.call('GET', '/api/kryptos/connection')).json.connected, false);
    assert.equal((await agent.call('POST', '/api/kryptos/link-token', { body: {} })).json.isAuthorized, false);
  });

  it("a data call with a token the server revoked behind the BFF's back is answered by the server (401)", async () => {
    const agent = createAgent(h.bff.url);
    await agent.login('carol');
    const { publicToken } = await connectThroughWidget(agent);
    const exchanged = await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: publicToken } });
    await partnerCall(h, 'POST', '/token/revoke', { grant_id: exchanged.json.grant_id });
    const res = await agent.call('GET', '/api/kryptos/data/userinfo');
    assert.equal(res.status, 401, res.text);
    // And the next link token is a fresh one: the stale connection is forgotten, with the server's reason logged.
    const logged = h.logs.length;
    assert.equal((await agent.call('POST', '/api/kryptos/link-token', { body: {} })).json.isAuthorized, false);
    assert.equal((await agent.call('GET', '/api/kryptos/connection')).json.connected, false);
    const stale = h.logs
      .slice(logged)
      .map((l) => JSON.parse(l) as { event?: string; reason?: string })
      .filter((l) => l.event === 'connection.stale');
    assert.deepEqual(
      stale.map((l) => l.reason),
      ['token_revoked'],
    );
  });

  it('refuses, and revokes, a public token minted for another user', async () => {
    const minted = await partnerCall(h, 'POST', '/sandbox/public-token', { scopes: 'openid portfolios:read', user_reference: 'mallory' });
    assert.equal(minted.status, 200);
    const agent = createAgent(h.bff.url);
    await agent.login('bob');
    const res = await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: minted.json.data.public_token } });
    assert.equal(res.status, 403);
    assert.equal(res.json.code, 'USER_MISMATCH');
    assert.equal((await agent.call('GET', '/api/kryptos/connection')).json.connected, false);
    const grants = await partnerCall(h, 'GET', '/token/grants');
    assert.ok(!grants.json.data.grants.some((g: { workspace_id: string }) => g.workspace_id === minted.json.data.workspace_id));
  });

  it("passes the connect server's verdict on a reused public token", async () => {
    const minted = await partnerCall(h, 'POST', '/sandbox/public-token', { scopes: 'openid', user_reference: 'dave' });
    const agent = createAgent(h.bff.url);
    await agent.login('dave');
    const first = await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: minted.json.data.public_token } });
    assert.equal(first.status, 200, first.text);
    const second = await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: minted.json.data.public_token } });
    assert.equal(second.status, 409);
    assert.equal(second.json.code, 'TOKEN_ALREADY_USED');
  });

  it('refuses a malformed exchange body', async () => {
    const agent = createAgent(h.bff.url);
    await agent.login('erin');
    const res = await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: 'cat_nope' } });
    assert.equal(res.status, 400);
    assert.equal(res.json.code, 'INVALID_REQUEST');
  });
});
