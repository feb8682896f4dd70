/**
 * Webhooks: configuration through the admin API (secret shown once, rotation), the
 * documented envelope and headers for integration and cost-basis events, the signature
 * (verifies with the secret, fails with a tampered body or an old timestamp), retries (a
 * receiver that fails twice then succeeds gets one delivery recorded as delivered, three
 * attempts), and a restart mid-retry that loses nothing. Receivers are node:http servers on
 * 127.0.0.1.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConnectServer, type RunningServer } from '../../../server/start.ts';
import { verifyWebhook, signWebhook } from '../../../server/webhooks/signature.ts';
import { call, newClient, SANDBOX_SOL, TEST_KEY, type TestClient } from '../helpers.ts';
import { ALL_SCOPES, connectWorkspace, type Connected } from '../data/fixtures.ts';
import { SANDBOX_ETH } from '../helpers.ts';

const ADMIN = { authorization: 'Bearer test-admin-token-0123456789abcdef0123456789' };
const SCOPES = `${ALL_SCOPES} tax:read`;

type Received = { headers: IncomingHttpHeaders; body: string };
type Receiver = { url: string; received: Received[]; answers: number[]; server: Server; close(): Promise<void> };

/** A receiver that answers the next status in `answers` (200 when none is left). */
async function receiver(answers: number[] = []): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, received, answers, server, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const dir = mkdtempSync(join(tmpdir(), 'kc-webhooks-'));
const dbFile = join(dir, 'connect.db');

function start(backoffMs = 40): Promise<RunningServer> {
  return startConnectServer({
    env: {
      NODE_ENV: 'test',
      CONNECT_PORT: '0',
      CONNECT_DB: dbFile,
      CONNECT_ENCRYPTION_KEY: TEST_KEY,
      LOG_LEVEL: 'silent',
      CONNECT_ADMIN_TOKEN: ADMIN.authorization.slice(7),
    },
    config: {
      rateLimits: {
        perClientPerMinute: 100_000,
        perIpPerMinute: 100_000,
        authFailuresPer15Minutes: 100_000,
        otpRequestsPerHour: 1000,
        guestsPerIpPerHour: 100_000,
        guestsPerClientPerHour: 100_000,
      },
    },
    sync: false,
    webhooks: { pollMs: 20, backoffMs: () => backoffMs, timeoutMs: 2000 },
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let server: RunningServer;
let client: TestClient;
let ws: Connected;
let hooks: Receiver;
let secret: string;

before(async () => {
  server = await start();
  client = await newClient(server, { scopes: SCOPES });
  ws = await connectWorkspace(server, client, SCOPES, [{ provider: 'ethereum', address: SANDBOX_ETH }]);
  hooks = await receiver();
  const set = await call(server, 'PUT', `/admin/clients/${client.client_id}/webhook`, { headers: ADMIN, body: { url: hooks.url } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  secret = set.body.data.secret;
});
after(async () => {
  await server.close();
  await hooks.close();
  rmSync(dir, { recursive: true, force: true });
});

const deliveriesOf = (event: string) => hooks.received.filter((r) => r.headers['x-webhook-event'] === event);
/** Deliveries of an integration status change to `status`. */
const statusDeliveries = (status: string, from = 0) =>
  hooks.received.slice(from).filter((r) => (JSON.parse(r.body) as { data: { status?: string } }).data.status === status);

test('the admin API shows the secret once (whsec_), never again, and rotates it', async () => {
  assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
  const shown = await call(server, 'GET', `/admin/clients/${client.client_id}/webhook`, { headers: ADMIN });
  assert.equal(shown.body.data.url, hooks.url);
  assert.equal(shown.body.data.has_secret, true);
  assert.ok(!JSON.stringify(shown.body).includes('whsec_'));
  const again = await call(server, 'PUT', `/admin/clients/${client.client_id}/webhook`, { headers: ADMIN, body: { url: hooks.url } });
  assert.equal(again.body.data.secret, undefined, 'setting the URL again keeps the secret');
  const stored = await server.ctx.db.selectFrom('clients').select('webhook_secret').where('id', '=', client.client_id).executeTakeFirstOrThrow();
  assert.ok(stored.webhook_secret && !stored.webhook_secret.includes(secret.slice(6)), 'stored sealed');
  for (const url of ['ftp://127.0.0.1/x', 'http://user:pw@127.0.0.1/x', 'not a url']) {
    assert.equal((await call(server, 'PUT', `/admin/clients/${client.client_id}/webhook`, { headers: ADMIN, body: { url } })).status, 400, url);
  }
  assert.equal((await call(server, 'PUT', `/admin/clients/${client.client_id}/webhook`, { body: { url: hooks.url } })).status, 401);
});

test('integration.created, updated, failed and deleted arrive in the documented envelope, signed', async () => {
  const added = await call(server, 'POST', '/api/v1/integrations', { headers: ws.auth, body: { provider: 'solana', address: SANDBOX_SOL } });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const walletId = added.body.data[0].walletId as string;
  const created = await until('integration.created', () => deliveriesOf('integration.created')[0]);
  const envelope = JSON.parse(created.body);
  assert.match(envelope.id, /^whd_[0-9a-f]{32}$/);
  assert.equal(created.headers['x-webhook-id'], envelope.id);
  assert.equal(created.headers['content-type'], 'application/json');
  assert.equal(envelope.event, 'integration.created');
  assert.equal(envelope.grant_id, ws.grantId);
  assert.equal(envelope.workspace_id, ws.workspaceId);
  assert.ok(!Number.isNaN(Date.parse(envelope.timestamp)));
  assert.equal(envelope.data.uid, ws.userId);
  assert.equal(envelope.data.walletId, walletId);
  assert.equal(envelope.data.provider, 'solana');
  assert.equal(envelope.data.publicAddress, SANDBOX_SOL);
  assert.ok(!Number.isNaN(Date.parse(String(created.headers['x-webhook-timestamp']))));
  assert.deepEqual(
    verifyWebhook(
      secret,
      { signature: String(created.headers['x-webhook-signature']), timestamp: String(created.headers['x-webhook-timestamp']) },
      created.body,
      Date.now(),
    ),
    { ok: true },
  );

  // Status changes from any code path (here straight in the database) are events too: the triggers write them.
  const db = server.ctx.db;
  await db.updateTable('integrations').set({ status: 'COMPLETED', updated_at: Date.now() }).where('id', '=', walletId).execute();
  const updated = JSON.parse((await until('integration.updated', () => deliveriesOf('integration.updated')[0])).body);
  assert.equal(updated.data.status, 'COMPLETED');
  await db.updateTable('integrations').set({ status: 'FAILED', message: 'RPC unreachable', updated_at: Date.now() }).where('id', '=', walletId).execute();
  const failed = JSON.parse((await until('integration.failed', () => deliveriesOf('integration.failed')[0])).body);
  assert.deepEqual([failed.data.status, failed.data.errorMessage], ['FAILED', 'RPC unreachable']);
  await db.updateTable('integrations').set({ deleted_at: Date.now() }).where('id', '=', walletId).execute();
  const deleted = JSON.parse((await until('integration.deleted', () => deliveriesOf('integration.deleted')[0])).body);
  assert.equal(deleted.data.walletId, walletId);
  const ids = hooks.received.map((r) => r.headers['x-webhook-id']);
  assert.equal(new Set(ids).size, ids.length, 'one id per delivery');
});

test('costbasis.completed when the engine reruns after a cost-basis method change', async () => {
  assert.equal((await call(server, 'GET', '/api/v1/tax/summary', { headers: ws.auth })).status, 200);
  // The first read ran the engine (FIFO): that is a completed pass too.
  assert.equal(JSON.parse((await until('first pass', () => deliveriesOf('costbasis.completed')[0])).body).data.costBasisMethod, 'FIFO');
  const before = deliveriesOf('costbasis.completed').length;
  assert.equal((await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body: { costBasisMethod: 'HIFO' } })).status, 200);
  const delivery = await until('costbasis.completed', () => deliveriesOf('costbasis.completed')[before]);
  const body = JSON.parse(delivery.body);
  assert.equal(body.data.action, 'ACCOUNT_MANAGER');
  assert.equal(body.data.status, 'COMPLETED');
  assert.equal(body.data.costBasisMethod, 'HIFO');
  assert.equal(body.data.uid, ws.userId);
});

test('the signature verifies with the secret and fails with a tampered body, another secret or an old timestamp', () => {
  const d = hooks.received[0]!;
  const headers = { signature: String(d.headers['x-webhook-signature']), timestamp: String(d.headers['x-webhook-timestamp']) };
  const at = Date.parse(headers.timestamp);
  assert.deepEqual(verifyWebhook(secret, headers, d.body, at), { ok: true });
  assert.equal(headers.signature, signWebhook(secret, headers.timestamp, d.body));
  assert.deepEqual(verifyWebhook(secret, headers, d.body.replace('"integration.', '"integrations.'), at), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(verifyWebhook(secret, headers, `${d.body} `, at), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(verifyWebhook('whsec_other', headers, d.body, at), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(
    verifyWebhook(secret, { ...headers, timestamp: new Date(at - 1000).toISOString() }, d.body, at),
    { ok: false, reason: 'bad_signature' },
    'the timestamp is signed',
  );
  assert.deepEqual(verifyWebhook(secret, headers, d.body, at + 6 * 60_000), { ok: false, reason: 'stale_timestamp' });
  assert.deepEqual(verifyWebhook(secret, { signature: null, timestamp: null }, d.body, at), { ok: false, reason: 'missing_headers' });
});

test('a receiver that fails twice then succeeds: one delivery, delivered, three attempts, same id and body', async () => {
  hooks.answers.push(503, 500);
  const from = hooks.received.length;
  await server.ctx.db
    .updateTable('integrations')
    .set({ status: 'PARTIALLY SYNCED', updated_at: Date.now() })
    .where('id', '=', ws.sandboxIntegrations[0]!)
    .execute();
  await until('three attempts', () => statusDeliveries('PARTIALLY SYNCED', from).length >= 3);
  const got = statusDeliveries('PARTIALLY SYNCED', from);
  assert.equal(new Set(got.map((r) => r.headers['x-webhook-id'])).size, 1);
  assert.equal(new Set(got.map((r) => r.body)).size, 1);
  const id = String(got[0]!.headers['x-webhook-id']);
  const row = await until('delivered', async () => {
    const r = await server.ctx.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return r.status === 'delivered' ? r : undefined;
  });
  assert.deepEqual([row.attempts, row.last_status], [3, 200]);
  const attempts = await server.ctx.db.selectFrom('webhook_attempts').select(['attempt', 'status']).where('delivery_id', '=', id).orderBy('attempt').execute();
  assert.deepEqual(attempts, [
    { attempt: 1, status: 503 },
    { attempt: 2, status: 500 },
    { attempt: 3, status: 200 },
  ]);
  const listed = await call(server, 'GET', `/admin/clients/${client.client_id}/webhook/deliveries?limit=50`, { headers: ADMIN });
  assert.equal(listed.body.data.deliveries.filter((d: { id: string }) => d.id === id).length, 1);
  assert.equal(listed.body.data.deliveries.find((d: { id: string }) => d.id === id).status, 'delivered');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(statusDeliveries('PARTIALLY SYNCED', from).length, 3, 'nothing sent after the success');
});

test('a client error is not retried; after the last retryable failure the delivery fails', async () => {
  hooks.answers.push(400);
  const from = hooks.received.length;
  await server.ctx.db.updateTable('integrations').set({ status: 'COMPLETED', updated_at: Date.now() }).where('id', '=', ws.sandboxIntegrations[0]!).execute();
  const id = String((await until('attempt', () => statusDeliveries('COMPLETED', from)[0])).headers['x-webhook-id']);
  const row = await until('failed', async () => {
    const r = await server.ctx.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return r.status === 'failed' ? r : undefined;
  });
  assert.deepEqual([row.attempts, row.last_status], [1, 400]);
});

test('rotation: the next deliveries are signed with the new secret', async () => {
  const rotated = await call(server, 'POST', `/admin/clients/${client.client_id}/webhook/rotate-secret`, { headers: ADMIN });
  assert.equal(rotated.status, 200);
  const fresh = rotated.body.data.secret as string;
  assert.notEqual(fresh, secret);
  const from = hooks.received.length;
  await server.ctx.db.updateTable('integrations').set({ status: 'ONGOING', updated_at: Date.now() }).where('id', '=', ws.sandboxIntegrations[0]!).execute();
  const d = await until('delivery', () => statusDeliveries('ONGOING', from)[0]);
  const headers = { signature: String(d.headers['x-webhook-signature']), timestamp: String(d.headers['x-webhook-timestamp']) };
  assert.deepEqual(verifyWebhook(fresh, headers, d.body, Date.now()), { ok: true });
  assert.equal(verifyWebhook(secret, headers, d.body, Date.now()).ok, false);
  secret = fresh;
});

test('a restart mid-retry loses nothing: the pending delivery is sent by the next process, same id', async () => {
  await server.close();
  // A long backoff: after the first failure the delivery waits in the database across the restart.
  server = await start(60_000);
  hooks.answers.push(503);
  const from = hooks.received.length;
  await server.ctx.db.updateTable('integrations').set({ status: 'COMPLETED', updated_at: Date.now() }).where('id', '=', ws.sandboxIntegrations[0]!).execute();
  const first = await until('first attempt', () => statusDeliveries('COMPLETED', from)[0]);
  const id = String(first.headers['x-webhook-id']);
  await until(
    'retry scheduled',
    async () =>
      (await server.ctx.db.selectFrom('webhook_deliveries').select('attempts').where('id', '=', id).executeTakeFirstOrThrow()).attempts === 1 &&
      (await server.ctx.db.selectFrom('webhook_attempts').select('attempt').where('delivery_id', '=', id).execute()).length === 1,
  );
  await server.close();
  // Time passes while the server is down: the retry is due when the next process starts.
  const { openDatabase } = await import('../../../server/db/database.ts');
  const { db } = await openDatabase(dbFile);
  await db.updateTable('webhook_deliveries').set({ next_attempt_at: Date.now() }).where('id', '=', id).execute();
  await db.destroy();
  server = await start();
  const second = await until('the retry after restart', () => hooks.received.slice(from + 1).find((r) => r.headers['x-webhook-id'] === id));
  assert.equal(second.body, first.body);
  const row = await until('delivered', async () => {
    const r = await server.ctx.db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return r.status === 'delivered' ? r : undefined;
  });
  assert.equal(row.attempts, 2);
  assert.equal(hooks.received.filter((r) => r.headers['x-webhook-id'] === id).length, 2);
});
