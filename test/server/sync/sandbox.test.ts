/**
 * The sandbox dataset end to end: a sandbox public token's integrations sync in seconds,
 * and what lands in the database is realistic, internally consistent (balances = sum of
 * legs, cost-basis quantities = balances), exact (18-decimal amounts unchanged) and the
 * same on every fresh database.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from '../../../server/lib/decimal.ts';
import { generateSandboxDataset, SANDBOX_END, SANDBOX_START } from '../../../server/sync/sandbox-dataset.ts';
import { newClient, SANDBOX_ETH, SANDBOX_SOL, type TestClient } from '../helpers.ts';
import { integrationRows, sandboxGrant, startSyncServer, type SandboxGrant, type SyncTestServer } from './helpers.ts';

type Leg = {
  kind: 'incoming' | 'outgoing' | 'fee';
  assetId: string;
  quantity: string;
  price: string | null;
  account: { provider: string; walletId: string; publicAddress: string };
};

const REQUIRED_LABELS = [
  'Buy',
  'Sell',
  'Swap',
  'Transfer',
  'Staking Rewards',
  'Airdrops',
  'Bridge Send',
  'Bridge Receive',
  'Fee',
  'Failed',
  'Deposit',
  'Withdrawal',
  'Approve',
  'Add Liquidity',
  'Lend',
];

let server: SyncTestServer;
let client: TestClient;
let grant: SandboxGrant;

before(async () => {
  server = await startSyncServer();
  client = await newClient(server);
  const started = Date.now();
  grant = await sandboxGrant(server, client);
  await server.ctx.sync!.waitIdle(20_000);
  assert.ok(Date.now() - started < 20_000);
});
after(() => server.stop());

/** Rows of a workspace with generated ids replaced by stable names, for comparing databases. */
async function snapshot(s: SyncTestServer, workspaceId: string) {
  const db = s.ctx.db;
  const integrations = await integrationRows(s, workspaceId);
  const name = new Map(integrations.map((i) => [i.id, i.chain!]));
  const txs = await db.selectFrom('transactions').selectAll().where('workspace_id', '=', workspaceId).orderBy('timestamp').orderBy('external_id').execute();
  const balances = await db.selectFrom('balances').selectAll().where('workspace_id', '=', workspaceId).orderBy('asset_id').execute();
  const costBasis = await db
    .selectFrom('asset_cost_basis')
    .select(['asset_id', 'quantity', 'cost_basis'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('asset_id')
    .execute();
  const prices = await db.selectFrom('asset_prices').selectAll().orderBy('asset_id').orderBy('day').execute();
  const defi = await db
    .selectFrom('defi_positions')
    .select(['integration_id', 'protocol', 'chain', 'category', 'positions'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('protocol')
    .execute();
  const nfts = await db
    .selectFrom('nfts')
    .select(['integration_id', 'contract', 'token_id', 'name', 'amount', 'collection', 'last_sale', 'is_spam'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('contract')
    .orderBy('token_id')
    .execute();
  return JSON.stringify({
    txs: txs.map(({ id: _id, workspace_id: _w, created_at: _c, integration_id, legs, ...rest }) => ({
      integration: name.get(integration_id),
      legs: legs.split(integration_id).join('<wallet>'),
      ...rest,
    })),
    balances: balances.map((b) => [name.get(b.integration_id), b.asset_id, b.quantity]),
    costBasis,
    prices,
    defi: defi.map((d) => ({ ...d, integration_id: name.get(d.integration_id) })),
    nfts: nfts.map((n) => ({ ...n, integration_id: name.get(n.integration_id) })),
  });
}

describe('sandbox sync', () => {
  test('both sandbox integrations reach COMPLETED with every function logged', async () => {
    const rows = await integrationRows(server, grant.workspaceId);
    assert.deepEqual(
      rows.map((r) => [r.chain, r.address]),
      [
        ['ethereum', SANDBOX_ETH],
        ['solana', SANDBOX_SOL],
      ],
    );
    for (const r of rows) {
      assert.equal(r.status, 'COMPLETED', `${r.chain}: ${r.message}`);
      assert.equal(r.message, null);
      assert.ok(r.last_synced_at !== null);
      assert.deepEqual(JSON.parse(r.sync_log!), {
        Balances: { status: 'COMPLETED' },
        'Defi Balances': { status: 'COMPLETED' },
        'NFT Holdings': { status: 'COMPLETED' },
        Transactions: { status: 'COMPLETED' },
      });
      assert.ok(r.total_transactions > 200);
      assert.equal(r.limit_exceeded, 0);
    }
    const jobs = await server.ctx.db.selectFrom('sync_jobs').select(['status', 'attempts', 'mode']).where('integration_id', 'in', grant.integrations).execute();
    assert.deepEqual(
      jobs.map((j) => [j.status, j.attempts, j.mode]),
      [
        ['completed', 1, 'latest'],
        ['completed', 1, 'latest'],
      ],
    );
  });

  test('at least 15 assets, 500+ transactions over two years, every required label, a failed tx, spam token and spam NFT', async () => {
    const db = server.ctx.db;
    const txs = await db.selectFrom('transactions').selectAll().where('workspace_id', '=', grant.workspaceId).execute();
    assert.ok(txs.length >= 500, `${txs.length} transactions`);
    const labels = new Set(txs.map((t) => t.label));
    for (const l of REQUIRED_LABELS) assert.ok(labels.has(l), `label ${l} missing`);
    const times = txs.map((t) => t.timestamp);
    assert.ok(Math.min(...times) >= SANDBOX_START && Math.max(...times) < SANDBOX_END);
    assert.ok(Math.max(...times) - Math.min(...times) > 700 * 86_400_000, 'two years of history');

    const failed = txs.filter((t) => t.failed === 1);
    assert.ok(failed.length >= 1);
    for (const t of failed) {
      assert.equal(t.label, 'Failed');
      assert.deepEqual(
        (JSON.parse(t.legs) as Leg[]).map((l) => l.kind),
        ['fee'],
      );
    }
    const swap = txs.find((t) => t.label === 'Swap')!;
    assert.deepEqual((JSON.parse(swap.legs) as Leg[]).map((l) => l.kind).sort(), ['fee', 'incoming', 'outgoing']);

    const assetIds = await db.selectFrom('transaction_assets').select('asset_id').distinct().where('workspace_id', '=', grant.workspaceId).execute();
    assert.ok(assetIds.length >= 15, `${assetIds.length} assets`);
    const spamAsset = await db.selectFrom('assets').selectAll().where('symbol', '=', 'FREE-CLAIM-XYZ').executeTakeFirstOrThrow();
    assert.equal(spamAsset.is_spam, 1);
    assert.ok(txs.some((t) => t.is_spam === 1 && t.legs.includes(spamAsset.id)));
    const nfts = await db.selectFrom('nfts').selectAll().where('workspace_id', '=', grant.workspaceId).execute();
    assert.ok(nfts.length >= 4);
    assert.equal(nfts.filter((n) => n.is_spam === 1).length, 1);
    assert.deepEqual(new Set(nfts.map((n) => n.erc_type)), new Set(['ERC-721', 'ERC-1155', 'SPL']));
    const collection = JSON.parse(nfts.find((n) => n.erc_type === 'SPL')!.collection);
    assert.deepEqual(Object.keys(collection).sort(), [
      'collectionId',
      'description',
      'floorPrice',
      'imageUrl',
      'name',
      'ownerCount',
      'socialLinks',
      'totalQuantity',
    ]);

    const defi = await db.selectFrom('defi_positions').selectAll().where('workspace_id', '=', grant.workspaceId).execute();
    assert.deepEqual(new Set(defi.map((d) => d.category)), new Set(['lending', 'liquidity', 'staking']));
    assert.deepEqual(defi.map((d) => d.protocol).sort(), ['Aave V3', 'Kamino', 'Lido', 'Marinade', 'Uniswap V3']);
    const aave = JSON.parse(defi.find((d) => d.protocol === 'Aave V3')!.positions) as { side: string }[];
    assert.deepEqual(
      aave.map((p) => p.side),
      ['supply', 'borrow', 'reward'],
    );
  });

  test('balances equal the sum of the transaction legs per asset, exactly; legs carry their own account', async () => {
    const db = server.ctx.db;
    for (const integrationId of grant.integrations) {
      const integration = (await integrationRows(server, grant.workspaceId)).find((i) => i.id === integrationId)!;
      const sums = new Map<string, Decimal>();
      for (const t of await db.selectFrom('transactions').select('legs').where('integration_id', '=', integrationId).execute()) {
        for (const l of JSON.parse(t.legs) as Leg[]) {
          assert.deepEqual(l.account, { provider: integration.provider, walletId: integrationId, publicAddress: integration.address });
          const q = new Decimal(l.quantity);
          sums.set(l.assetId, (sums.get(l.assetId) ?? new Decimal(0)).plus(l.kind === 'incoming' ? q : q.neg()));
        }
      }
      const balances = await db.selectFrom('balances').selectAll().where('integration_id', '=', integrationId).execute();
      const expected = [...sums]
        .filter(([, q]) => !q.isZero())
        .map(([id, q]) => [id, q.toString()])
        .sort();
      assert.deepEqual(balances.map((b) => [b.asset_id, b.quantity]).sort(), expected);
    }
    // The cost-basis pass holds exactly what the balances say (no missing purchases in the sandbox).
    const held = new Map<string, Decimal>();
    for (const b of await db.selectFrom('balances').selectAll().where('workspace_id', '=', grant.workspaceId).execute())
      held.set(b.asset_id, (held.get(b.asset_id) ?? new Decimal(0)).plus(b.quantity));
    const basis = await db.selectFrom('asset_cost_basis').selectAll().where('workspace_id', '=', grant.workspaceId).execute();
    assert.deepEqual(basis.map((b) => [b.asset_id, b.quantity]).sort(), [...held].map(([id, q]) => [id, q.toString()]).sort());
    assert.ok(basis.every((b) => new Decimal(b.cost_basis).gt(0)));
    const flags = await db
      .selectFrom('transactions')
      .select(['missing_price', 'missing_purchase'])
      .where('workspace_id', '=', grant.workspaceId)
      .where((eb) => eb.or([eb('missing_price', '=', 1), eb('missing_purchase', '=', 1)]))
      .execute();
    assert.equal(flags.length, 0);
  });

  test('an 18-decimal quantity survives the round trip unchanged', async () => {
    const dataset = generateSandboxDataset();
    const leg = dataset.wallets.ethereum.transactions
      .flatMap((t) => t.legs.map((l) => ({ t, l })))
      .find(({ l }) => /\.\d{18}$/.test(l.quantity) && l.kind !== 'fee')!;
    assert.ok(leg, 'the dataset has 18-decimal amounts');
    const row = await server.ctx.db.selectFrom('transactions').select('legs').where('external_id', '=', leg.t.externalId).executeTakeFirstOrThrow();
    const stored = (JSON.parse(row.legs) as Leg[]).find((l) => l.kind === leg.l.kind && l.assetId === leg.l.assetId)!;
    assert.equal(stored.quantity, leg.l.quantity);
    const eth = await server.ctx.db
      .selectFrom('balances')
      .select('quantity')
      .where('integration_id', '=', grant.integrations[0]!)
      .where('asset_id', '=', 'ethereum:native')
      .executeTakeFirstOrThrow();
    assert.match(eth.quantity, /^\d+\.\d{18}$/);
    assert.equal(eth.quantity, dataset.wallets.ethereum.balances.find((b) => b.assetId === 'ethereum:native')!.quantity);
  });

  test('a daily USD price for every asset for two years, as decimal strings', async () => {
    const db = server.ctx.db;
    const assets = await db.selectFrom('transaction_assets').select('asset_id').distinct().where('workspace_id', '=', grant.workspaceId).execute();
    const rows = await db
      .selectFrom('asset_prices')
      .select(['asset_id', (eb) => eb.fn.count<number>('day').as('days'), (eb) => eb.fn.min('day').as('first'), (eb) => eb.fn.max('day').as('last')])
      .groupBy('asset_id')
      .execute();
    const byAsset = new Map(rows.map((r) => [r.asset_id, r]));
    for (const { asset_id } of assets) {
      const r = byAsset.get(asset_id);
      assert.ok(r, `no prices for ${asset_id}`);
      assert.equal(Number(r.days), 731);
      assert.equal(Number(r.last) - Number(r.first), 730);
    }
    const bad = (await db.selectFrom('asset_prices').select('price').execute()).filter(
      (p) => !/^(0|[1-9]\d*)(\.\d*[1-9])?$/.test(p.price) || new Decimal(p.price).lte(0),
    );
    assert.equal(bad.length, 0);
  });

  test('a transfer between the two wallets is a pair with the same transferId, label Transfer, and not a disposal', async () => {
    const txs = await server.ctx.db
      .selectFrom('transactions')
      .selectAll()
      .where('workspace_id', '=', grant.workspaceId)
      .where('label', '=', 'Transfer')
      .execute();
    const pairs = new Map<string, typeof txs>();
    for (const t of txs) {
      const id = JSON.parse(t.raw!).transferId as string;
      pairs.set(id, [...(pairs.get(id) ?? []), t]);
    }
    assert.ok(pairs.size >= 2);
    for (const [, pair] of pairs) {
      assert.equal(pair.length, 2);
      const kinds = pair.map((t) => (JSON.parse(t.legs) as Leg[]).filter((l) => l.kind !== 'fee').map((l) => l.kind)[0]).sort();
      assert.deepEqual(kinds, ['incoming', 'outgoing']);
      assert.notEqual(pair[0]!.integration_id, pair[1]!.integration_id);
      assert.ok(pair.every((t) => t.type === 'transfer' && t.total_cost_basis === null && t.total_gains === null));
    }
    const sells = await server.ctx.db
      .selectFrom('transactions')
      .select(['total_cost_basis', 'total_gains'])
      .where('workspace_id', '=', grant.workspaceId)
      .where('label', '=', 'Sell')
      .execute();
    assert.ok(sells.length > 10 && sells.every((s) => s.total_cost_basis !== null && s.total_gains !== null));
  });

  test('the dataset is deterministic: a fresh database gets byte-identical rows', async () => {
    assert.equal(JSON.stringify(generateSandboxDataset()), JSON.stringify(generateSandboxDataset()));
    assert.notEqual(
      JSON.stringify(generateSandboxDataset('another seed').wallets.ethereum.balances),
      JSON.stringify(generateSandboxDataset().wallets.ethereum.balances),
    );
    const other = await startSyncServer();
    try {
      const c = await newClient(other);
      const g = await sandboxGrant(other, c);
      await other.ctx.sync!.waitIdle(20_000);
      assert.equal(await snapshot(other, g.workspaceId), await snapshot(server, grant.workspaceId));
    } finally {
      await other.stop();
    }
  });
});
