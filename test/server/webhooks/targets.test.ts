/**
 * Issue 9, item 8: with private targets denied (the production default), webhook URLs to
 * internal addresses are refused at registration, and again at delivery after DNS resolution
 * (a name resolving to loopback, as a rebinding would), with one uniform delivery error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ALL_SCOPES, connectWorkspace, type Connected } from '../data/fixtures.ts';
import { SANDBOX_SOL, call, newClient, startTestServer, type TestClient, type TestServer } from '../helpers.ts';
import { expectError } from '../security/support.ts';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' };
let s: TestServer;
let c: TestClient;
let ws: Connected;
let sink: Server;
let hits = 0;

before(async () => {
  s = await startTestServer({
    env: { CONNECT_WEBHOOK_PRIVATE_TARGETS: 'deny' },
    sync: false,
    webhooks: { pollMs: 20, backoffMs: () => 10, timeoutMs: 2000, attempts: 1 },
  });
  c = await newClient(s, { scopes: ALL_SCOPES, sandbox: true });
  ws = await connectWorkspace(s, c, ALL_SCOPES, [{ provider: 'ethereum', address: '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa' }]);
  sink = createServer((_req, res) => {
    hits++;
    res.end();
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await s.stop();
  await new Promise((resolve) => sink.close(resolve));
});

test('registration refuses internal targets in every spelling, and plain http even for sandbox clients', async () => {
  for (const url of [
    'https://169.254.169.254/',
    'https://10.0.0.1/',
    'https://[::ffff:7f00:1]/',
    'https://0x7f000001/',
    'http://localhost:22/',
    'https://localhost./x',
    'https://127.1/',
    'https://[::1]/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://0.0.0.0/',
    'https://intranet/',
    'http://example.com/hooks',
  ]) {
    expectError(await call(s, 'PUT', `/admin/clients/${c.client_id}/webhook`, { headers: ADMIN, body: { url } }), 'INVALID_REQUEST', url);
  }
  assert.equal(
    (await call(s, 'PUT', `/admin/clients/${c.client_id}/webhook`, { headers: ADMIN, body: { url: 'https://hooks.example.com/kryptos' } })).status,
    200,
  );
});

test('delivery re-checks after DNS: a name resolving to loopback is never connected to, and looks like any failure', async () => {
  const { port } = sink.address() as AddressInfo;
  // As if DNS had changed since registration (rebinding): the stored URL now leads to loopback.
  let walletId = '';
  for (const url of [`https://localhost.:${port}/hooks`, `http://127.0.0.1:${port}/hooks`]) {
    await s.ctx.db.updateTable('clients').set({ webhook_url: url }).where('id', '=', c.client_id).execute();
    const before = (await s.ctx.db.selectFrom('webhook_deliveries').select('id').execute()).length;
    if (!walletId) {
      const added = await call(s, 'POST', '/api/v1/integrations', { headers: ws.auth, body: { provider: 'solana', address: SANDBOX_SOL } });
      assert.equal(added.status, 201);
      walletId = added.body.data[0].walletId;
    } else {
      // A status change fires integration.updated (the same path a sync takes).
      await s.ctx.db.updateTable('integrations').set({ status: 'ONGOING', updated_at: Date.now() }).where('id', '=', walletId).execute();
    }
    const deadline = Date.now() + 15_000;
    let rows: { status: string; last_error: string | null }[] = [];
    while (Date.now() < deadline) {
      rows = await s.ctx.db.selectFrom('webhook_deliveries').select(['status', 'last_error']).orderBy('created_at').execute();
      if (rows.length > before && rows.slice(before).every((r) => r.status === 'failed')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(rows.length > before, 'a delivery was attempted');
    for (const r of rows.slice(before)) assert.deepEqual(r, { status: 'failed', last_error: 'Connection failed' }, url);
  }
  assert.equal(hits, 0, 'the loopback receiver was never reached');
});
