/**
 * The data APIs serve the sync engine's deterministic sandbox dataset: holdings whose summary
 * is the sum of the rows and whose distributions sum to each total, the whole transaction
 * history walked by cursor equal to the offset walk and to totalCount, DeFi and NFTs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newClient, type TestServer } from '../helpers.ts';
import { sandboxGrant, startSyncServer } from '../sync/helpers.ts';
import { Decimal } from '../../../server/lib/decimal.ts';

let server: TestServer;
let auth: Record<string, string>;

before(async () => {
  server = await startSyncServer();
  const client = await newClient(server);
  const grant = await sandboxGrant(server, client);
  auth = { authorization: `Bearer ${grant.accessToken}` };
  await server.ctx.sync!.waitIdle(60_000);
});
after(() => server.stop());

const get = async (path: string) => {
  const r = await call(server, 'GET', path, { headers: auth });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};
const sumOf = (values: string[]) => values.reduce((t, v) => t.plus(v), new Decimal(0)).toFixed();

test('holdings of the sandbox dataset: summary = sum of rows, distribution = total quantity', async () => {
  for (const q of ['', '?isSpam=true', '?calculatedBalances=true']) {
    const body = await get(`/api/v1/holdings${q}`);
    assert.ok(body.holdings.length >= 5, `${q}: ${body.holdings.length} holdings`);
    assert.equal(body.summary.totalValue, sumOf(body.holdings.map((h: { marketValue: string }) => h.marketValue)), q);
    assert.equal(body.summary.totalCostBasis, sumOf(body.holdings.map((h: { costbasis: string }) => h.costbasis)), q);
    assert.equal(body.summary.totalUnrealizedPnL, sumOf(body.holdings.map((h: { unrealizedPnL: string }) => h.unrealizedPnL)), q);
    for (const h of body.holdings) {
      assert.equal(sumOf(h.assetDistribution.map((d: { quantity: string }) => d.quantity)), new Decimal(h.totalQuantity).toFixed(), h.assetId);
      assert.ok(h.marketPrice === null || /^\d+(\.\d+)?$/.test(h.marketPrice));
    }
  }
  const live = await get('/api/v1/holdings');
  assert.ok(
    live.holdings.some((h: { hasCostBasis: boolean }) => h.hasCostBasis),
    'the cost-basis pass filled asset_cost_basis',
  );
  assert.ok(!live.holdings.some((h: { isSpam: boolean }) => h.isSpam));
});

test('the whole history by cursor equals the offset walk and totalCount', async () => {
  const first = await get('/api/v1/transactions?limit=1000');
  const total = first.pagination.totalCount as number;
  assert.ok(total > 20, `${total} transactions`);
  const byOffset: string[] = [];
  for (let offset = 0; offset < total; offset += 1000)
    byOffset.push(...(await get(`/api/v1/transactions?limit=1000&offset=${offset}`)).data.map((t: { id: string }) => t.id));
  const byCursor: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await get(`/api/v1/transactions?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    byCursor.push(...page.data.map((t: { id: string }) => t.id));
    cursor = page.pagination.nextCursor;
  } while (cursor);
  assert.equal(byCursor.length, total);
  assert.deepEqual(byCursor, byOffset);
  assert.equal(new Set(byCursor).size, total);
  const tx = first.data[0];
  for (const leg of [...tx.incomingAssets, ...tx.outgoingAssets, ...tx.fee]) assert.match(leg.quantity, /^\d+(\.\d+)?$/);
});

test('DeFi, NFTs, balances, integrations and profiling serve the dataset', async () => {
  const defi = await get('/api/v1/defi-holdings');
  assert.equal(defi.pagination.totalCount, defi.holdings.length);
  const nfts = await get('/api/v1/nft-holdings');
  assert.equal(nfts.pagination.totalCount, nfts.data.length);
  assert.ok(defi.holdings.length + nfts.data.length > 0, 'the sandbox has DeFi positions or NFTs');
  const integrations = await get('/api/v1/integrations');
  assert.equal(integrations.data.length, 2);
  for (const i of integrations.data) assert.ok(i.lastSyncLog, JSON.stringify(i));
  assert.ok(integrations.data.some((i: { totalTransactions: number }) => i.totalTransactions > 0));
  const profiling = await get('/api/v1/profiling');
  assert.ok(profiling.summary.activity_summary.total_transactions > 0);
});

test('DeFi protocol filter: the id (aave-v3), the family (aave) or the name, in any case; protocolId in each holding', async () => {
  const all = (await get('/api/v1/defi-holdings')).holdings as { protocolName: string; protocolId: string }[];
  assert.deepEqual(all.map((h) => [h.protocolName, h.protocolId]).sort(), [
    ['Aave V3', 'aave-v3'],
    ['Kamino', 'kamino'],
    ['Lido', 'lido'],
    ['Marinade', 'marinade'],
    ['Uniswap V3', 'uniswap-v3'],
  ]);
  for (const q of ['aave', 'AAVE', 'aave-v3', 'Aave%20V3', 'aave%20v3']) {
    const r = await get(`/api/v1/defi-holdings?protocol=${q}`);
    assert.deepEqual(
      r.holdings.map((h: { protocolName: string }) => h.protocolName),
      ['Aave V3'],
      q,
    );
  }
  const two = await get('/api/v1/defi-holdings?protocol=aave,uniswap');
  assert.deepEqual(two.holdings.map((h: { protocolId: string }) => h.protocolId).sort(), ['aave-v3', 'uniswap-v3']);
  for (const q of ['compound', 'aave-v2', 'aav']) assert.equal((await get(`/api/v1/defi-holdings?protocol=${q}`)).holdings.length, 0, q);
});
