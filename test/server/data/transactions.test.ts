/**
 * `GET /api/v1/transactions` (contract 8.4): shape, every documented filter, stable
 * ordering (timestamp, then id), the documented pagination block, the signed keyset cursor
 * (stable while newer transactions arrive, bound to workspace and filters) — and
 * `POST /api/v0/transactions` (8.9) with exact amounts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, newClient, startTestServer, type TestClient, type TestServer } from '../helpers.ts';
import {
  A,
  ALL_SCOPES,
  BIG,
  DAY,
  connectWorkspace,
  withoutSync,
  generatedTransactions,
  insertTransactions,
  seedPortfolio,
  type Connected,
  type Portfolio,
} from './fixtures.ts';

let server: TestServer;
let client: TestClient;
let ws: Connected;
let fx: Portfolio;
let mine = '';

before(async () => {
  server = await startTestServer();
  await withoutSync(server);
  client = await newClient(server, { scopes: ALL_SCOPES });
  ws = await connectWorkspace(server, client);
  fx = await seedPortfolio(server.ctx.db, ws.workspaceId, server.clock.now());
  mine = `walletId=${fx.walletA},${fx.walletB}`;
});
after(() => server.stop());

type Tx = { id: string; timestamp: number; label: string; [k: string]: any };
const get = (path: string, auth = ws.auth) => call(server, 'GET', path, { headers: auth });
const list = async (query: string) => {
  const r = await get(`/api/v1/transactions?${mine}&${query}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body as { data: Tx[]; pagination: Record<string, any> };
};

describe('GET /api/v1/transactions', () => {
  test('the v1 envelope, item and leg shapes; amounts exact', async () => {
    const r = await list('order=asc');
    assert.equal(r.data.length, 10, 'spam excluded by default');
    const body = (await get(`/api/v1/transactions?${mine}`)).body;
    assert.equal(body.message, 'User transactions retrieved successfully');
    assert.equal(body.user_id, ws.userId);
    assert.equal(typeof body.timestamp, 'number');
    const first = r.data[0]!;
    for (const k of [
      'id',
      'transactionPlatfromId',
      'timestamp',
      'label',
      'description',
      'incomingAssets',
      'outgoingAssets',
      'fee',
      'metadata',
      'totalCostbasis',
      'totalGains',
      'tags',
      'ledger',
      'rawTrx',
    ])
      assert.ok(k in first, k);
    const leg = first.incomingAssets[0];
    assert.deepEqual(leg.asset, { tokenId: A.native, symbol: 'FXN', publicName: 'Fixture FXN', type: 'native' });
    assert.equal(leg.quantity, BIG, 'an 18-decimal quantity is returned unchanged');
    assert.equal(leg.price, '1500');
    assert.equal(leg.baseCurrency, 'USD');
    assert.equal(leg.type, 'incoming');
    assert.deepEqual(leg.toAccount, { provider: 'ethereum', walletId: fx.walletA, publicAddress: fx.addressA });
    assert.deepEqual(first.metadata, {
      importSource: 'API',
      isManual: false,
      isEdited: false,
      isDefiTrx: false,
      isNFTTrx: false,
      isSpam: false,
      isFailed: false,
      isMissingPrice: false,
      isMissingPurchase: false,
    });
    assert.equal(first.totalCostbasis, '10.5');
    assert.equal(first.totalGains, '-0.25');
    const trade = r.data.find((t) => t.label === 'Trade')!;
    assert.equal(trade.outgoingAssets[0].fromAccount.walletId, fx.walletA);
    assert.equal(trade.fee[0].quantity, '0.001');
    assert.deepEqual(
      trade.ledger.map((l: { quantity: string }) => l.quantity),
      ['-1', '2000', '-0.001'],
    );
  });

  test('ordered by timestamp then id, desc by default; ties broken by id', async () => {
    const desc = (await list('')).data;
    const asc = (await list('order=asc')).data;
    assert.deepEqual(
      desc.map((t) => t.id),
      [...asc].reverse().map((t) => t.id),
    );
    for (let i = 1; i < desc.length; i++) {
      const [a, b] = [desc[i - 1]!, desc[i]!];
      assert.ok(a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.id > b.id));
    }
    assert.equal(desc.filter((t) => t.label === 'Reward').length, 3);
  });

  test('every documented filter', async () => {
    const count = async (q: string) => (await list(q)).data.length;
    assert.equal(await count('isSpam=true'), 11);
    assert.equal(await count('isNft=true'), 1);
    assert.equal(await count('isNft=false'), 9);
    assert.equal(await count('isManual=true'), 1);
    assert.equal(await count('isEdited=true'), 1);
    assert.equal(await count('isMissingPrice=true'), 1);
    assert.equal(await count('isMissingPrice=true&isSpam=true'), 2);
    assert.equal(await count('isMissingPurchase=true'), 1);
    assert.equal(await count('transactionType=swap'), 2);
    assert.equal(await count('transactionType=deposit,withdraw'), 7);
    assert.equal(await count('label=Reward,Income'), 4);
    assert.equal(await count(`currencyId=${A.btc}`), 1);
    assert.equal(await count(`currencyId=${A.usd},${A.btc}`), 3);
    assert.equal((await get(`/api/v1/transactions?walletId=${fx.walletB}`)).body.data.length, 1);
    const some = (await list('')).data[3]!;
    assert.deepEqual(
      (await list(`trxId=${some.id}`)).data.map((t) => t.id),
      [some.id],
    );
    assert.deepEqual(
      (await list(`trxId=${some.transactionPlatfromId}`)).data.map((t) => t.id),
      [some.id],
    );
    assert.deepEqual(
      (await list(`timeStart=${some.timestamp}&timeEnd=${some.timestamp}`)).data.every((t) => t.timestamp === some.timestamp),
      true,
    );
    const all = (await list('')).data;
    assert.equal(await count(`timeStart=${all.at(-1)!.timestamp + 1}`), all.length - 1);
  });

  test('limit/offset with the documented pagination block', async () => {
    const all = (await list('')).data.map((t) => t.id);
    const p = await list('limit=3&offset=3');
    assert.deepEqual(
      p.data.map((t) => t.id),
      all.slice(3, 6),
    );
    assert.deepEqual(
      { ...p.pagination, nextCursor: undefined },
      { limit: 3, offset: 3, returned_count: 3, totalCount: 10, hasNextPage: true, hasPreviousPage: true, nextCursor: undefined },
    );
    const last = await list('limit=3&offset=9');
    assert.deepEqual([last.pagination.returned_count, last.pagination.hasNextPage, last.pagination.nextCursor], [1, false, null]);
    const beyond = await list('limit=3&offset=50');
    assert.deepEqual([beyond.data.length, beyond.pagination.totalCount, beyond.pagination.hasNextPage], [0, 10, false]);
    assert.equal((await list('')).pagination.limit, 100, 'default limit');
  });

  test('the keyset cursor walks the same rows as offsets, and offset pages can switch to it', async () => {
    for (const order of ['desc', 'asc']) {
      const all = (await list(`order=${order}`)).data.map((t) => t.id);
      const seen: string[] = [];
      let page = await list(`order=${order}&limit=3`);
      for (;;) {
        seen.push(...page.data.map((t) => t.id));
        assert.equal(page.pagination.offset, seen.length - page.data.length);
        if (!page.pagination.nextCursor) break;
        page = await list(`order=${order}&limit=3&cursor=${page.pagination.nextCursor}`);
        assert.equal(page.pagination.hasPreviousPage, true);
      }
      assert.deepEqual(seen, all, order);
    }
  });

  test('pages by cursor are stable while newer transactions arrive (no duplicates, no gaps); totalCount follows', async () => {
    const before = (await list('limit=100')).data.map((t) => t.id);
    const page1 = await list('limit=4');
    assert.deepEqual(
      page1.data.map((t) => t.id),
      before.slice(0, 4),
    );
    const newest = server.clock.now() + DAY;
    await insertTransactions(server.ctx.db, ws.workspaceId, fx.walletA, fx.addressA, generatedTransactions(5, newest), server.clock.now());
    const page2 = await list(`limit=4&cursor=${page1.pagination.nextCursor}`);
    assert.deepEqual(
      page2.data.map((t) => t.id),
      before.slice(4, 8),
      'the cursor continues where page 1 ended',
    );
    assert.equal(page2.pagination.totalCount, 15, 'totalCount sees the inserts');
    const page3 = await list(`limit=4&cursor=${page2.pagination.nextCursor}`);
    assert.deepEqual(
      [...page1.data, ...page2.data, ...page3.data].map((t) => t.id),
      before,
    );
    // By offset the same walk would repeat rows: that is why the cursor exists.
    const byOffset = (await list('limit=4&offset=4')).data.map((t) => t.id);
    assert.ok(byOffset.some((id) => page1.data.some((t) => t.id === id)));
  });

  test('a forged, foreign or mismatched cursor is 400 invalid_parameters', async () => {
    const { nextCursor } = (await list('limit=2')).pagination;
    const [body, mac] = nextCursor.split('.');
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), t: 0 })).toString('base64url');
    const other = await connectWorkspace(server, client);
    const cases: [string, Record<string, string>][] = [
      [`${mine}&limit=2&cursor=${forged}.${mac}`, ws.auth],
      [`${mine}&limit=2&cursor=garbage`, ws.auth],
      [`${mine}&limit=2&cursor=${nextCursor}&offset=2`, ws.auth],
      [`${mine}&limit=2&order=asc&cursor=${nextCursor}`, ws.auth],
      [`walletId=${fx.walletA}&limit=2&cursor=${nextCursor}`, ws.auth],
      [`${mine}&limit=2&cursor=${nextCursor}`, other.auth],
    ];
    for (const [q, auth] of cases) {
      const r = await get(`/api/v1/transactions?${q}`, auth);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error, 'invalid_parameters');
      assert.ok(r.body.details.length > 0);
    }
    assert.equal((await get(`/api/v1/transactions?${mine}&limit=5&cursor=${nextCursor}`)).status, 200, 'the limit may change between pages');
  });

  test('bad queries are 400 invalid_parameters with details', async () => {
    for (const q of [
      'limit=0',
      'limit=1001',
      'limit=abc',
      'offset=-1',
      'order=up',
      'isNft=maybe',
      'transactionType=foo',
      'timeStart=10&timeEnd=5',
      'unknown=1',
      'walletId=a&walletId=b',
      'walletId=',
      `currencyId=${Array.from({ length: 31 }, (_, i) => `a${i}`).join(',')}`,
    ]) {
      const r = await get(`/api/v1/transactions?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.body.error, 'invalid_parameters');
      assert.equal(r.body.message, 'Invalid request parameters');
      assert.ok(r.body.details[0].path !== undefined && r.body.details[0].message, q);
    }
  });
});

describe('POST /api/v0/transactions', () => {
  const post = (body: unknown) => call(server, 'POST', '/api/v0/transactions', { headers: ws.auth, body });

  test('creates manual transactions with exact amounts; a repeated transactionId is skipped', async () => {
    const body = {
      walletId: fx.walletB,
      transactions: [
        {
          timestamp: '2026-01-02T03:04:05.000Z',
          transactionType: 'deposit',
          transactionId: 'manual-1',
          receivedCurrency: { currency: A.native, amount: BIG },
          netValue: { fiatValue: '246913578.246913578024691356', baseCurrency: 'USD' },
          label: 'Income',
          description: { title: 'Salary', desc: 'paid in FXN' },
        },
        {
          timestamp: 1_767_000_000_000,
          transactionType: 'trade',
          transactionId: 'manual-2',
          sentCurrency: { currency: 'fxusd', amount: 100 },
          receivedCurrency: { currency: A.btc, amount: '0.001' },
          fee: { currency: A.native, amount: '0.000000000000000001' },
        },
        {
          timestamp: 1_767_000_000_001,
          transactionType: 'withdrawal',
          transactionId: 'manual-3',
          sentCurrency: { currency: 'FXUSD', amount: '5' },
          label: 'Donations',
        },
      ],
    };
    const r = await post(body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.message, '3 transaction(s) created successfully');
    assert.equal(r.body.count, 3);
    assert.equal(r.body.user_id, ws.userId);
    const got = (await get(`/api/v1/transactions?walletId=${fx.walletB}&isManual=true&order=asc`)).body.data as Tx[];
    // The answer holds what was created, in request order, exactly as GET /v1/transactions shows it.
    assert.deepEqual(
      r.body.data.map((t: Tx) => t.transactionPlatfromId),
      ['manual-1', 'manual-2', 'manual-3'],
    );
    assert.deepEqual(
      r.body.data,
      ['manual-1', 'manual-2', 'manual-3'].map((id) => got.find((t) => t.transactionPlatfromId === id)),
    );
    const income = got.find((t) => t.transactionPlatfromId === 'manual-1')!;
    assert.equal(income.incomingAssets[0].quantity, BIG, 'an 18-decimal amount survives the round trip');
    assert.equal(income.incomingAssets[0].price, '2', 'fiatValue / amount, exact');
    assert.equal(income.label, 'Income');
    assert.equal(income.timestamp, Date.parse('2026-01-02T03:04:05.000Z'));
    assert.equal(income.metadata.isManual, true);
    assert.equal(income.description, 'Salary — paid in FXN');
    const trade = got.find((t) => t.transactionPlatfromId === 'manual-2')!;
    assert.equal(trade.label, 'Trade');
    assert.equal(trade.outgoingAssets[0].asset.tokenId, A.usd);
    assert.equal(trade.fee[0].quantity, '0.000000000000000001');
    assert.equal((await get(`/api/v1/transactions?walletId=${fx.walletB}&currencyId=${A.usd}&isManual=true`)).body.data.length, 2);
    const again = await post(body);
    assert.equal(again.body.count, 0);
    assert.deepEqual(again.body.data, [], 'a retried transactionId is skipped, not created again');
    assert.equal(again.body.skipped, 3);
    assert.equal(again.body.message, '0 transaction(s) created successfully');
  });

  test('400 invalid_parameters with details; 404 wallet_not_found', async () => {
    const tx = { timestamp: 1, transactionType: 'deposit', transactionId: 'x', receivedCurrency: { currency: A.native, amount: '1' } };
    const bad: unknown[] = [
      {},
      { walletId: fx.walletA, transactions: [] },
      { walletId: fx.walletA, transactions: [{ ...tx, receivedCurrency: undefined }] },
      { walletId: fx.walletA, transactions: [{ ...tx, sentCurrency: { currency: A.native, amount: '1' } }] },
      { walletId: fx.walletA, transactions: [{ ...tx, label: 'Stake' }] },
      { walletId: fx.walletA, transactions: [{ ...tx, label: 'Not a label' }] },
      { walletId: fx.walletA, transactions: [{ ...tx, receivedCurrency: { currency: 'NOPE-COIN', amount: '1' } }] },
      { walletId: fx.walletA, transactions: [{ ...tx, receivedCurrency: { currency: A.native, amount: '1e5' } }] },
      { walletId: fx.walletA, transactions: [{ ...tx, receivedCurrency: { currency: A.native, amount: '-1' } }] },
      { walletId: fx.walletA, transactions: [tx, tx] },
      { walletId: fx.walletA, transactions: [{ ...tx, transactionType: 'swap' }] },
      { walletId: fx.walletA, transactions: [{ ...tx, extra: true }] },
    ];
    for (const body of bad) {
      const r = await post(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error, 'invalid_parameters');
      assert.ok(
        r.body.details.length > 0 && r.body.details.every((d: { path: unknown; message: unknown }) => typeof d.path === 'string' && d.message),
        JSON.stringify(r.body),
      );
    }
    const other = await connectWorkspace(server, client);
    for (const walletId of ['wallet_000000000000000000000000', other.sandboxIntegrations[0]]) {
      const r = await post({ walletId, transactions: [tx] });
      assert.equal(r.status, 404);
      assert.equal(r.body.error, 'wallet_not_found');
    }
  });
});
