/**
 * The BFF's webhook receiver against a real connect server: deliveries signed with the
 * client's secret are accepted once (a repeated id is acknowledged as a duplicate), a
 * tampered body, a wrong secret or a stale timestamp is refused, it needs no CSRF header
 * (it is not a browser call), and after a re-sync completes the signed-in user's latest
 * event says so — what the demo polls to refresh. The tax summary and a report download go
 * through the BFF too.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConnectServer, type RunningServer } from '../../server/start.ts';
import { createClient } from '../../server/clients/clients.service.ts';
import { setWebhook } from '../../server/webhooks/webhooks.service.ts';
import { startBff, type RunningBff } from '../../bff/start.ts';
import { bffEnv, captureLogs, connectThroughWidget, createAgent, type Agent } from './helpers.ts';

const SCOPES =
  'openid profile offline_access email portfolios:read transactions:read integrations:read tax:read accounting:read reports:read reports:write workspace:read users:read';

let dir: string;
let connect: RunningServer;
let bff: RunningBff;
let secret: string;
let agent: Agent;
let clientId: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kc-bff-webhooks-'));
  connect = await startConnectServer({
    env: {
      NODE_ENV: 'test',
      CONNECT_DB: join(dir, 'connect.db'),
      CONNECT_PORT: '0',
      CONNECT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'silent',
    },
    sync: { pollMs: 25, backoffMs: () => 30 },
    webhooks: { pollMs: 25, backoffMs: () => 50 },
  });
  const client = await createClient(connect.ctx.write, Date.now(), { name: 'Acme Test', origins: ['http://localhost:3000'], sandbox: true, scopes: SCOPES });
  clientId = client.client_id;
  const set = await setWebhook(connect.ctx.db, connect.ctx.sealer, Date.now(), client.client_id, 'http://127.0.0.1:9/placeholder');
  secret = set.secret!;
  const { stream } = captureLogs();
  bff = await startBff({ env: { ...bffEnv(connect.url, client, dir), BFF_WEBHOOK_SECRET: secret, BFF_SCOPES: SCOPES }, logDestination: stream });
  await setWebhook(connect.ctx.db, connect.ctx.sealer, Date.now(), client.client_id, `${bff.url}/api/kryptos/webhooks`);
  agent = createAgent(bff.url);
  assert.equal((await agent.login('alice')).status, 200);
});
after(async () => {
  await bff.close();
  await connect.close();
  rmSync(dir, { recursive: true, force: true });
});

function signed(body: string, options: { key?: string; timestamp?: string; id?: string } = {}) {
  const timestamp = options.timestamp ?? new Date().toISOString();
  const id = options.id ?? (JSON.parse(body) as { id: string }).id;
  return {
    'Content-Type': 'application/json',
    'X-Webhook-Id': id,
    'X-Webhook-Event': 'integration.updated',
    'X-Webhook-Timestamp': timestamp,
    'X-Webhook-Signature': createHmac('sha256', options.key ?? secret)
      .update(`${timestamp}.${body}`)
      .digest('hex'),
  };
}
const post = (body: string, headers: Record<string, string>) =>
  fetch(`${bff.url}/api/kryptos/webhooks`, { method: 'POST', headers, body }).then(async (r) => ({
    status: r.status,
    json: (await r.json()) as Record<string, unknown>,
  }));

test('a signed delivery is accepted once; duplicates, tampering, wrong secret and stale timestamps are refused', async () => {
  const body = JSON.stringify({
    id: `whd_${randomBytes(16).toString('hex')}`,
    event: 'integration.updated',
    timestamp: new Date().toISOString(),
    workspace_id: 'ws_test',
    data: { uid: 'u', status: 'COMPLETED' },
  });
  assert.deepEqual(await post(body, signed(body)), { status: 200, json: { received: true, duplicate: false } });
  assert.deepEqual(await post(body, signed(body)), { status: 200, json: { received: true, duplicate: true } });
  const tampered = body.replace('COMPLETED', 'FAILED');
  assert.equal((await post(tampered, signed(body))).status, 401);
  assert.equal((await post(body, signed(body, { key: 'whsec_wrongwrongwrongwrongwrong' }))).status, 401);
  const stale = await post(body, signed(body, { timestamp: new Date(Date.now() - 6 * 60_000).toISOString() }));
  assert.deepEqual([stale.status, stale.json.code], [401, 'STALE_WEBHOOK']);
  assert.equal((await post(body, { 'Content-Type': 'application/json' })).status, 400);
  const rows = await bff.ctx.db.selectFrom('webhook_events').selectAll().execute();
  assert.equal(rows.length, 1);
});

test("after a re-sync completes, the user's latest event says so (what the demo polls), and tax data and reports go through the BFF", async () => {
  const { publicToken } = await connectThroughWidget(agent);
  const ex = await agent.call('POST', '/api/kryptos/exchange', { body: { public_token: publicToken } });
  assert.equal(ex.status, 200, ex.text);
  await connect.ctx.sync!.waitIdle(60_000);
  const conn = await bff.ctx.db.selectFrom('connections').selectAll().executeTakeFirstOrThrow();
  const integration = await connect.ctx.db
    .selectFrom('integrations')
    .select(['id', 'status'])
    .where('workspace_id', '=', conn.workspace_id)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  const user = await connect.ctx.db.selectFrom('workspaces').select('owner_id').where('id', '=', conn.workspace_id).executeTakeFirstOrThrow();
  const before = (await agent.call('GET', '/api/kryptos/webhooks/latest')).json.latest?.id ?? null;
  const resync = await fetch(`${connect.url}/developer/integrations/${integration.id}/resync`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Client-Id': clientId, 'X-Client-Secret': bff.ctx.config.clientSecret },
    body: JSON.stringify({ user_id: user.owner_id, mode: 'latest' }),
  });
  assert.equal(resync.status, 202, await resync.text());
  const deadline = Date.now() + 20_000;
  let latest: { id: string; event: string; status: string | null } | null = null;
  while (Date.now() < deadline) {
    const events = await bff.ctx.db.selectFrom('webhook_events').selectAll().where('workspace_id', '=', conn.workspace_id).execute();
    if (events.some((e) => e.event === 'integration.updated' && e.status === 'COMPLETED')) {
      latest = (await agent.call('GET', '/api/kryptos/webhooks/latest')).json.latest;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(latest && latest.id !== before, 'the completed sync reached the BFF');
  assert.equal((await agent.call('GET', '/api/kryptos/webhooks/latest', {})).json.enabled, true);

  const summary = await agent.call('GET', '/api/kryptos/tax/summary');
  assert.equal(summary.status, 200, summary.text);
  assert.ok(Array.isArray(summary.json.data) && summary.json.data.length > 0);
  const year = summary.json.data[0].taxYear as number;
  const created = await agent.call('POST', '/api/kryptos/reports', { body: { type: 'capital_gains', year } });
  assert.equal(created.status, 202, created.text);
  await connect.ctx.reports!.waitIdle();
  const file = await agent.call('GET', `/api/kryptos/reports/${created.json.data.id}/download`);
  assert.equal(file.status, 200);
  assert.match(file.headers.get('content-type')!, /^text\/csv/);
  assert.match(file.text, /^Description,Date Acquired,Date Sold,Proceeds,Cost Basis,Gain or Loss,Term/);
  assert.equal((await agent.call('GET', '/api/kryptos/reports/../../v1/holdings/download')).status, 404);
  assert.equal(
    (await agent.call('POST', '/api/kryptos/reports', { body: { type: 'capital_gains', year }, csrf: false })).status,
    403,
    "the app's own writes still need the CSRF header",
  );
});
