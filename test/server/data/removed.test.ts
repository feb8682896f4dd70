/** A removed integration's transactions leave /api/v1/transactions (rows and totalCount) with it. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newClient, startTestServer, type TestServer } from '../helpers.ts';
import { ALL_SCOPES, connectWorkspace, seedPortfolio, withoutSync } from './fixtures.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
  await withoutSync(server);
});
after(() => server.stop());

test('transactions of a removed integration are no longer listed or counted', async () => {
  const ws = await connectWorkspace(server, await newClient(server, { scopes: ALL_SCOPES }));
  const fx = await seedPortfolio(server.ctx.db, ws.workspaceId, server.clock.now());
  const list = () => call(server, 'GET', '/api/v1/transactions?limit=1000', { headers: ws.auth });
  const before = await list();
  assert.equal(before.status, 200);
  const fromA = before.body.data.filter((t: { walletId: string }) => t.walletId === fx.walletA).length;
  assert.ok(fromA > 0 && fromA < before.body.data.length, 'both wallets have history');
  await server.ctx.db.updateTable('integrations').set({ deleted_at: server.clock.now() }).where('id', '=', fx.walletA).execute();
  const afterRemoval = await list();
  assert.equal(afterRemoval.body.data.filter((t: { walletId: string }) => t.walletId === fx.walletA).length, 0);
  assert.equal(afterRemoval.body.data.length, before.body.data.length - fromA);
  assert.equal(afterRemoval.body.pagination.totalCount, before.body.pagination.totalCount - fromA);
});
