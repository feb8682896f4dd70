/**
 * The developer endpoints (contract 4.6, 4.7): resync an integration, set a guest's
 * transaction limit on a grant (a real change re-syncs from start), every error code —
 * and the limit itself: import stops at the limit with `limitExceeded` and the exact
 * message; `enableLimiter: false` imports everything.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { insertUserWithWorkspace } from '../../../server/users/users.repository.ts';
import { call, newClient, type TestClient } from '../helpers.ts';
import { integrationRows, sandboxGrant, startSyncServer, type SandboxGrant, type SyncTestServer } from './helpers.ts';

let server: SyncTestServer;
let client: TestClient;
let other: TestClient;
let grant: SandboxGrant;
let fullCount: number;

const count = async (workspaceId: string) =>
  Number(
    (
      await server.ctx.db
        .selectFrom('transactions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirstOrThrow()
    ).n,
  );
const resync = (c: TestClient | null, walletId: string, body: unknown) =>
  call(server, 'POST', `/developer/integrations/${walletId}/resync`, { headers: c?.headers ?? {}, body });
const setLimit = (c: TestClient | null, grantId: string, body: unknown) =>
  call(server, 'PATCH', `/developer/grants/${grantId}/transaction-limit`, { headers: c?.headers ?? {}, body });
const LIMIT_MESSAGE = (chain: string) => `Unable to fetch transactions for ${chain} due to transaction limit reached, kindly update your plan`;

before(async () => {
  server = await startSyncServer();
  client = await newClient(server);
  other = await newClient(server, { name: 'Other App' });
  grant = await sandboxGrant(server, client);
  await server.ctx.sync!.waitIdle(20_000);
  fullCount = await count(grant.workspaceId);
});
after(() => server.stop());

describe('POST /developer/integrations/:walletId/resync', () => {
  test('queues a sync and answers 202 with the job id; latest adds no duplicates', async () => {
    const walletId = grant.integrations[0]!;
    const r = await resync(client, walletId, { user_id: grant.userId, mode: 'latest' });
    assert.equal(r.status, 202);
    assert.equal(r.body.success, true);
    const { job_id, ...rest } = r.body.data;
    assert.deepEqual(rest, { mode: 'latest', integration_type: 'wallet', wallet_id: walletId, status: 'queued' });
    assert.match(job_id, /^sync_[0-9a-f]{24}$/);
    await server.ctx.sync!.waitIdle();
    const job = await server.ctx.db.selectFrom('sync_jobs').selectAll().where('id', '=', job_id).executeTakeFirstOrThrow();
    assert.deepEqual([job.integration_id, job.mode, job.status], [walletId, 'latest', 'completed']);
    assert.equal(await count(grant.workspaceId), fullCount);
  });

  test('errors: INVALID_CLIENT, GRANT_NOT_FOUND, INTEGRATION_NOT_FOUND, INVALID_REQUEST', async () => {
    const walletId = grant.integrations[0]!;
    const expect = (r: { status: number; body: { code: string } }, status: number, code: string) => assert.deepEqual([r.status, r.body.code], [status, code]);
    expect(await resync(null, walletId, { user_id: grant.userId, mode: 'latest' }), 401, 'INVALID_CLIENT');
    expect(
      await resync({ ...client, headers: { ...client.headers, 'x-client-secret': 'cs_wrong' } }, walletId, { user_id: grant.userId, mode: 'latest' }),
      401,
      'INVALID_CLIENT',
    );
    expect(await resync(client, walletId, { user_id: 'usr_nobody', mode: 'latest' }), 403, 'GRANT_NOT_FOUND');
    expect(await resync(other, walletId, { user_id: grant.userId, mode: 'latest' }), 403, 'GRANT_NOT_FOUND');
    expect(await resync(client, 'wallet_000000000000000000000000', { user_id: grant.userId, mode: 'latest' }), 404, 'INTEGRATION_NOT_FOUND');
    const second = await sandboxGrant(server, client);
    expect(await resync(client, second.integrations[0]!, { user_id: grant.userId, mode: 'latest' }), 404, 'INTEGRATION_NOT_FOUND');
    expect(await resync(client, walletId, { user_id: grant.userId, mode: 'everything' }), 400, 'INVALID_REQUEST');
    expect(await resync(client, walletId, { user_id: grant.userId, mode: 'latest', extra: 1 }), 400, 'INVALID_REQUEST');
    await call(server, 'POST', '/token/revoke', { headers: client.headers, body: { grant_id: second.grantId } });
    expect(await resync(client, second.integrations[0]!, { user_id: second.userId, mode: 'latest' }), 403, 'GRANT_NOT_FOUND');
    await server.ctx.sync!.waitIdle(20_000);
  });
});

describe('PATCH /developer/grants/:grantId/transaction-limit', () => {
  test('errors: GRANT_NOT_FOUND, ACCESS_DENIED, NOT_ANON_USER, INVALID_CLIENT, INVALID_REQUEST', async () => {
    const expect = (r: { status: number; body: { code: string } }, status: number, code: string) => assert.deepEqual([r.status, r.body.code], [status, code]);
    expect(await setLimit(client, 'cgrant_doesnotexist', { transactionLimit: 10 }), 404, 'GRANT_NOT_FOUND');
    expect(await setLimit(other, grant.grantId, { transactionLimit: 10 }), 403, 'ACCESS_DENIED');
    expect(await setLimit(null, grant.grantId, { transactionLimit: 10 }), 401, 'INVALID_CLIENT');
    expect(await setLimit(client, grant.grantId, {}), 400, 'INVALID_REQUEST');
    expect(await setLimit(client, grant.grantId, { transactionLimit: 0 }), 400, 'INVALID_REQUEST');
    expect(await setLimit(client, grant.grantId, { transactionLimit: 1.5 }), 400, 'INVALID_REQUEST');
    expect(await setLimit(client, grant.grantId, { enableLimiter: 'no' }), 400, 'INVALID_REQUEST');

    const now = server.clock.now();
    const { userId, workspaceId } = await insertUserWithWorkspace(server.ctx.db, now, 'linked@example.com');
    await server.ctx.db
      .insertInto('grants')
      .values({
        id: 'cgrant_linkeduser',
        client_id: client.client_id,
        user_id: userId,
        workspace_id: workspaceId,
        scopes: 'openid',
        sandbox: 1,
        link_token_id: 'lt_x',
        transaction_limit: null,
        enable_limiter: 1,
        created_at: now,
        expires_at: now + 86_400_000,
        revoked_at: null,
        revoked_reason: null,
      })
      .execute();
    expect(await setLimit(client, 'cgrant_linkeduser', { transactionLimit: 10 }), 400, 'NOT_ANON_USER');
    const unchanged = await server.ctx.db
      .selectFrom('grants')
      .select(['transaction_limit', 'enable_limiter'])
      .where('id', '=', grant.grantId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(unchanged, { transaction_limit: null, enable_limiter: 1 });
  });

  test('a small limit stops the import with limitExceeded and the exact message; the same values again change nothing', async () => {
    const r = await setLimit(client, grant.grantId, { transactionLimit: 50 });
    assert.equal(r.status, 200);
    const { resync: triggered, ...data } = r.body.data;
    assert.deepEqual(data, {
      grant_id: grant.grantId,
      user_id: grant.userId,
      transaction_limit: 50,
      enable_limiter: true,
      previous_transaction_limit: null,
      previous_enable_limiter: true,
    });
    assert.deepEqual(triggered.triggered.map((t: { integration_id: string }) => t.integration_id).sort(), [...grant.integrations].sort());
    assert.deepEqual([triggered.failed, triggered.skipped], [[], 0]);
    for (const t of triggered.triggered) assert.match(t.sync_id, /^sync_/);
    await server.ctx.sync!.waitIdle(20_000);

    assert.equal(await count(grant.workspaceId), 50);
    for (const row of await integrationRows(server, grant.workspaceId)) {
      assert.equal(row.status, 'PARTIALLY SYNCED');
      assert.equal(row.message, LIMIT_MESSAGE(row.chain!));
      assert.equal(row.limit_exceeded, 1);
      const log = JSON.parse(row.sync_log!);
      assert.deepEqual(log.Transactions, { status: 'FAILED', message: LIMIT_MESSAGE(row.chain!), limitExceeded: true });
      assert.deepEqual(log.Balances, { status: 'COMPLETED' });
    }
    const info = await call(server, 'GET', '/api/v1/userinfo', { headers: { authorization: `Bearer ${grant.accessToken}` } });
    assert.equal(info.body.userInfo.transaction_limit, 50);

    const same = await setLimit(client, grant.grantId, { transactionLimit: 50, enableLimiter: true });
    assert.equal(same.status, 200);
    assert.equal(same.body.data.resync, null);
    assert.equal(same.body.data.previous_transaction_limit, 50);
  });

  test('enableLimiter false removes the cap: everything is imported again', async () => {
    const r = await setLimit(client, grant.grantId, { enableLimiter: false });
    assert.equal(r.status, 200);
    assert.equal(r.body.data.enable_limiter, false);
    assert.equal(r.body.data.previous_enable_limiter, true);
    assert.equal(r.body.data.transaction_limit, 50);
    assert.equal(r.body.data.resync.triggered.length, 2);
    await server.ctx.sync!.waitIdle(20_000);
    assert.equal(await count(grant.workspaceId), fullCount);
    for (const row of await integrationRows(server, grant.workspaceId)) {
      assert.deepEqual([row.status, row.message, row.limit_exceeded], ['COMPLETED', null, 0]);
    }
  });

  test('both endpoints are in /openapi.json', async () => {
    const doc = await call(server, 'GET', '/openapi.json');
    assert.ok(doc.body.paths['/developer/integrations/{walletId}/resync'].post);
    assert.ok(doc.body.paths['/developer/grants/{grantId}/transaction-limit'].patch);
  });
});
