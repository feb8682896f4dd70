/** A partner's own sign-in, plugged in through `getPartnerUserId`: the demo sign-in and pages are not mounted. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAgent, partnerCall, startHarness, type Harness } from './helpers.ts';

describe('getPartnerUserId', () => {
  let h: Harness;
  before(async () => {
    // Stand-in for the partner's session lookup (a real app would read its own cookie or JWT).
    h = await startHarness({ getPartnerUserId: (req) => req.get('x-test-partner-user') || undefined });
  });
  after(() => h.close());

  it("uses the partner's user id as user_reference, and mounts no demo sign-in or pages", async () => {
    const agent = createAgent(h.bff.url);
    assert.equal((await agent.call('POST', '/api/demo/login', { body: { username: 'x' } })).status, 404);
    assert.equal((await agent.call('GET', '/')).status, 404);
    assert.equal((await agent.call('POST', '/api/kryptos/link-token', { body: {} })).status, 401);

    const headers = { 'X-Test-Partner-User': 'partner-42' };
    const lt = await agent.call('POST', '/api/kryptos/link-token', { body: {}, headers });
    assert.equal(lt.status, 200);
    assert.equal(lt.json.isAuthorized, false);

    const minted = await partnerCall(h, 'POST', '/sandbox/public-token', { scopes: 'openid integrations:read', user_reference: 'partner-42' });
    const ok = await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: minted.json.data.public_token }, headers });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await agent.call('GET', '/api/kryptos/connection', { headers })).json.connected, true);
    assert.equal((await agent.call('POST', '/api/kryptos/link-token', { body: {}, headers })).json.isAuthorized, true);
    assert.equal((await agent.call('GET', '/api/kryptos/connection', { headers: { 'X-Test-Partner-User': 'partner-43' } })).json.connected, false);
  });

  it('fails closed when the function returns something unusable', async () => {
    const agent = createAgent(h.bff.url);
    const res = await agent.call('POST', '/api/kryptos/link-token', { body: {}, headers: { 'X-Test-Partner-User': 'x'.repeat(300) } });
    assert.equal(res.status, 500);
    assert.equal(res.json.code, 'INTERNAL_ERROR');
  });
});
