/**
 * Iframe mode's handles over real HTTP: a partner puts only its own live link token behind a
 * frame handle (with its client credentials, failures counted like every partner call); the
 * handle is redeemed once, by the connect server's own page (same origin), for that token.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, linkToken, newClient, startTestServer, type TestClient, type TestServer } from '../helpers.ts';

let server: TestServer;
let acme: TestClient;
let other: TestClient;
before(async () => {
  server = await startTestServer();
  acme = await newClient(server, { name: 'Acme' });
  other = await newClient(server, { name: 'Other' });
});
after(() => server.stop());

const handleFor = (client: TestClient, link_token: string) => call(server, 'POST', '/connect/frame/handle', { headers: client.headers, body: { link_token } });
const redeem = (body: Record<string, unknown>, origin = server.url) => call(server, 'POST', '/connect/frame/session', { headers: { origin }, body });

test('a handle for the client own link token is redeemed once, by the same origin only', async () => {
  const { link_token } = await linkToken(server, acme);
  const made = await handleFor(acme, link_token);
  assert.equal(made.status, 200);
  const { handle } = made.body.data;
  assert.match(handle, /^fh_/);
  const elsewhere = await redeem({ handle, client_id: acme.client_id }, 'https://evil.example');
  assert.equal(elsewhere.status, 403);
  assert.equal(elsewhere.body.code, 'ORIGIN_NOT_ALLOWED');
  const first = await redeem({ handle, client_id: acme.client_id });
  assert.equal(first.status, 200);
  assert.equal(first.body.data.link_token, link_token);
  const again = await redeem({ handle, client_id: acme.client_id });
  assert.equal(again.status, 401);
  assert.equal(again.body.code, 'INVALID_TOKEN');
});

test("another client's link token, an unknown one or bad credentials get no handle", async () => {
  const { link_token } = await linkToken(server, acme);
  const stolen = await handleFor(other, link_token);
  assert.equal(stolen.status, 401);
  assert.equal(stolen.body.code, 'INVALID_TOKEN');
  const unknown = await handleFor(acme, `link_${'a'.repeat(43)}`);
  assert.equal(unknown.status, 401);
  const badSecret = await call(server, 'POST', '/connect/frame/handle', { headers: { ...acme.headers, 'x-client-secret': 'cs_wrong' }, body: { link_token } });
  assert.equal(badSecret.status, 401);
  assert.equal(badSecret.body.code, 'INVALID_CLIENT');
  assert.doesNotMatch(JSON.stringify([stolen.body, unknown.body, badSecret.body]), /link_[A-Za-z0-9_-]{20,}/, 'no token echoed');
});

test('a handle redeemed with another client id is refused and spent', async () => {
  const { link_token } = await linkToken(server, acme);
  const { handle } = (await handleFor(acme, link_token)).body.data;
  assert.equal((await redeem({ handle, client_id: other.client_id })).status, 401);
  assert.equal((await redeem({ handle, client_id: acme.client_id })).status, 401, 'a refused redeem spends the handle');
});
