/**
 * Own-wallet transfers over real HTTP: a Bridge Send and a Bridge Receive that name each
 * other's wallet (POST /api/v0/transactions) are paired and the lot keeps its date and basis;
 * halves sharing a transferId too; a withdrawal and a deposit between the workspace's wallets
 * within the window and the fee are detected (a `transfer_detection.detected` event), one
 * outside the window is not; a pairing is undone (the halves are a removal at cost and a new
 * lot at market value again, and stay apart) and made by hand; bad requests get 4xx.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, type TestServer } from '../helpers.ts';
import { A, ALL_SCOPES, insertTransactions, insertWallet, seededWorkspace, type Connected } from '../data/fixtures.ts';
import { Decimal } from '../../../server/lib/decimal.ts';

const SCOPES = `${ALL_SCOPES} tax:read accounting:read`;
const DAY = 86_400_000;
const HOUR = 3_600_000;
const D = (n: number) => Date.UTC(2024, 0, 1) + n * DAY;

let server: TestServer;
let ws: Connected;
let walletA: string;
let walletB: string;

type Lot = { transactionId: string; asset: { tokenId: string }; acquiredAt: number; quantity: string; costBasis: string };
type Pair = {
  id: string;
  status: string;
  origin: string;
  assetId: string;
  out: { transactionId: string; walletId: string; quantity: string };
  in: { transactionId: string; walletId: string; quantity: string };
};

before(async () => {
  const seeded = await seededWorkspace(SCOPES);
  ({ server, ws } = seeded);
  const { db, now } = seeded;
  walletA = await insertWallet(db, ws.workspaceId, now, 'Wallet A');
  walletB = await insertWallet(db, ws.workspaceId, now, 'Wallet B');
  // Synced history: 2 WBTC bought at 10,000 in A; later a withdrawal of 0.5 (fee 0.0001 WBTC) and, 2 h later, 0.5 arriving in B;
  // then 0.25 leaving A and 0.25 arriving in B three days later (outside the 24 h window).
  await insertTransactions(
    db,
    ws.workspaceId,
    walletA,
    '0xa',
    [
      { id: 'trx_buy', timestamp: D(0), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '2', price: '10000' }] },
      {
        id: 'trx_wd',
        timestamp: D(300),
        type: 'withdrawal',
        label: 'Withdrawal',
        legs: [
          { kind: 'outgoing', assetId: A.btc, quantity: '0.5', price: '60000' },
          { kind: 'fee', assetId: A.btc, quantity: '0.0001', price: '60000' },
        ],
      },
      {
        id: 'trx_wd_late',
        timestamp: D(320),
        type: 'withdrawal',
        label: 'Withdrawal',
        legs: [{ kind: 'outgoing', assetId: A.btc, quantity: '0.25', price: '61000' }],
      },
    ],
    now,
  );
  await insertTransactions(
    db,
    ws.workspaceId,
    walletB,
    '0xb',
    [
      {
        id: 'trx_dep',
        timestamp: D(300) + 2 * HOUR,
        type: 'deposit',
        label: 'Deposit',
        legs: [{ kind: 'incoming', assetId: A.btc, quantity: '0.5', price: '60000' }],
      },
      {
        id: 'trx_dep_late',
        timestamp: D(323),
        type: 'deposit',
        label: 'Deposit',
        legs: [{ kind: 'incoming', assetId: A.btc, quantity: '0.25', price: '62000' }],
      },
    ],
    now,
  );
});
after(() => server?.stop());

const get = async (path: string) => {
  const r = await call(server, 'GET', path, { headers: ws.auth });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};
const lots = async () =>
  ((await get(`/api/v1/tax/lots?asset=${A.btc}&limit=1000`)).data as Lot[]).map((l) => [l.transactionId, l.acquiredAt, l.quantity, l.costBasis]);
const pairs = async () => (await get('/api/v1/transfers')).data as Pair[];
const pairOf = async (outId: string) => (await pairs()).find((p) => p.out.transactionId === outId);
const events = async (name: string) =>
  (
    await server.ctx.db
      .selectFrom('webhook_events')
      .select(['event', 'data'])
      .where('workspace_id', '=', ws.workspaceId)
      .where('event', '=', name as never)
      .execute()
  ).map((e) => JSON.parse(e.data!));
const txId = async (platformId: string) =>
  (await get(`/api/v1/transactions?limit=100`)).data.find((t: { transactionPlatfromId: string }) => t.transactionPlatfromId === platformId).id as string;

describe('own-wallet transfers', () => {
  test('detected: a withdrawal and a deposit between own wallets, within the window and the fee; the lot keeps its date and basis', async () => {
    const p = await pairOf('trx_wd');
    assert.ok(p, JSON.stringify(await pairs()));
    assert.deepEqual(
      [p.status, p.origin, p.assetId, p.in.transactionId, p.out.walletId, p.in.walletId, p.out.quantity, p.in.quantity],
      ['detected', 'detected', A.btc, 'trx_dep', walletA, walletB, '0.5', '0.5'],
    );
    assert.equal(await pairOf('trx_wd_late'), undefined, 'three days later is outside the 24 h window');
    const detected = await events('transfer_detection.detected');
    assert.deepEqual(
      detected.map((e) => [e.transferPairId, e.outTransactionId, e.inTransactionId, e.status]),
      [[p.id, 'trx_wd', 'trx_dep', 'detected']],
    );
    // FIFO: the 0.5 moved is part of the 2 bought on day 0 — no new lot dated the deposit at 60,000.
    const held = await lots();
    assert.ok(!held.some(([t]) => t === 'trx_dep'), JSON.stringify(held));
    assert.deepEqual(
      held.find(([, at, q]) => at === D(0) && q === '0.5'),
      ['trx_buy', D(0), '0.5', '5000'],
    );
    const gains = (await get('/api/v1/tax/gains')).data as { transactionId: string; kind: string }[];
    assert.deepEqual(
      gains.filter((g) => g.transactionId === 'trx_wd').map((g) => g.kind),
      ['fee'],
      'only the fee is a disposal',
    );
  });

  test("named halves: a Bridge Send and a Bridge Receive naming each other's wallet are paired; a shared transferId too", async () => {
    const post = (walletId: string, transactions: unknown[]) =>
      call(server, 'POST', '/api/v0/transactions', { headers: ws.auth, body: { walletId, transactions } });
    const send = await post(walletA, [
      {
        timestamp: D(400),
        transactionType: 'withdrawal',
        transactionId: 'bridge-out',
        label: 'Bridge Send',
        sentCurrency: { currency: A.btc, amount: '0.2' },
        receiver: { walletId: walletB },
      },
      { timestamp: D(500), transactionType: 'withdrawal', transactionId: 'xfer-out', sentCurrency: { currency: A.btc, amount: '0.1' }, transferId: 'move-500' },
    ]);
    assert.equal(send.status, 201, JSON.stringify(send.body));
    const receive = await post(walletB, [
      // Five days later and 0.01 short: named halves pair whatever the time, received ≤ sent.
      {
        timestamp: D(405),
        transactionType: 'deposit',
        transactionId: 'bridge-in',
        label: 'Bridge Receive',
        receivedCurrency: { currency: A.btc, amount: '0.19' },
        sender: { walletId: walletA },
        netValue: { fiatValue: '19000' },
      },
      {
        timestamp: D(530),
        transactionType: 'deposit',
        transactionId: 'xfer-in',
        receivedCurrency: { currency: A.btc, amount: '0.1' },
        transferId: 'move-500',
        netValue: { fiatValue: '9000' },
      },
    ]);
    assert.equal(receive.status, 201, JSON.stringify(receive.body));
    const [bridgeOut, bridgeIn, xferOut, xferIn] = await Promise.all(['bridge-out', 'bridge-in', 'xfer-out', 'xfer-in'].map(txId));
    const named = await pairOf(bridgeOut!);
    assert.deepEqual([named?.status, named?.origin, named?.in.transactionId], ['paired', 'named', bridgeIn]);
    const shared = await pairOf(xferOut!);
    assert.deepEqual([shared?.status, shared?.origin, shared?.in.transactionId], ['paired', 'transferId', xferIn]);
    const held = await lots();
    assert.ok(!held.some(([t]) => t === bridgeIn || t === xferIn), 'no lot starts at market value on receipt');
    // The bridge delivered 0.19 of the 0.2 sent: the lot keeps its day-0 date and its 2,000 basis.
    assert.deepEqual(
      held.find(([t, at, q]) => t === 'trx_buy' && at === D(0) && q === '0.19'),
      ['trx_buy', D(0), '0.19', '2000'],
    );
    // Basis by hand: 20,000 paid − 1 (the 0.0001 fee) − 2,500 (0.25 left at cost, unpaired) + 15,500 (0.25 arriving unpaired at 62,000).
    assert.equal(held.reduce((t, [, , , basis]) => t.plus(basis as string), new Decimal(0)).toFixed(), '32999');
  });

  test('undo: the halves are a removal at cost and a new lot at market value again, and detection leaves them apart', async () => {
    const p = (await pairOf('trx_wd'))!;
    const r = await call(server, 'DELETE', `/api/v1/transfers/${p.id}`, { headers: ws.auth });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.data.status, 'undone');
    assert.deepEqual(
      (await events('transfer_detection.undone')).map((e) => e.transferPairId),
      [p.id],
    );
    const held = await lots();
    assert.deepEqual(
      held.find(([t]) => t === 'trx_dep'),
      ['trx_dep', D(300) + 2 * HOUR, '0.5', '30000'],
    );
    // A later pass (another sync, another read) does not pair them again.
    await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body: { costBasisMethod: 'LIFO' } });
    await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body: { costBasisMethod: 'FIFO' } });
    assert.equal((await pairOf('trx_wd'))!.status, 'undone');
    assert.deepEqual(
      (await get('/api/v1/transfers?status=undone')).data.map((x: Pair) => x.id),
      [p.id],
    );
  });

  test('pair by hand, confirm, and every bad request gets a 4xx that changes nothing', async () => {
    const post = (body: unknown) => call(server, 'POST', '/api/v1/transfers', { headers: ws.auth, body });
    const made = await post({ outTransactionId: 'trx_wd_late', inTransactionId: 'trx_dep_late' });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.deepEqual([made.body.data.status, made.body.data.origin], ['confirmed', 'api']);
    assert.ok(!(await lots()).some(([t]) => t === 'trx_dep_late'), 'the lot moved with its date');
    const again = await post({ outTransactionId: 'trx_wd_late', inTransactionId: 'trx_dep_late' });
    assert.equal(again.status, 409);
    assert.equal(again.body.error, 'transfer_conflict');
    const cases: [unknown, number, string][] = [
      [{ outTransactionId: 'trx_buy', inTransactionId: 'trx_dep' }, 400, 'invalid_parameters'], // a buy is not one outgoing movement
      [{ outTransactionId: 'trx_wd', inTransactionId: 'trx_wd' }, 400, 'invalid_parameters'],
      [{ outTransactionId: 'trx_nope', inTransactionId: 'trx_dep' }, 404, 'not_found'],
      [{ outTransactionId: 'trx_wd' }, 400, 'invalid_parameters'],
      [{ outTransactionId: 'trx_wd', inTransactionId: 'trx_dep', extra: 1 }, 400, 'invalid_parameters'],
    ];
    for (const [body, status, error] of cases) {
      const r = await post(body);
      assert.equal(r.status, status, JSON.stringify([body, r.body]));
      assert.equal(r.body.error, error);
      assert.ok(!JSON.stringify(r.body).includes('    at '), 'no stack trace');
    }
    assert.equal((await call(server, 'POST', '/api/v1/transfers/tp_nope/confirm', { headers: ws.auth })).status, 404);
    assert.equal((await call(server, 'DELETE', '/api/v1/transfers/tp_nope', { headers: ws.auth })).status, 404);
    const undone = (await get('/api/v1/transfers?status=undone')).data[0] as Pair;
    const refused = await call(server, 'POST', `/api/v1/transfers/${undone.id}/confirm`, { headers: ws.auth });
    assert.equal(refused.status, 409);
    // Re-pairing the undone halves by hand is allowed, then confirming is a no-op that answers the pairing.
    const repaired = await post({ outTransactionId: 'trx_wd', inTransactionId: 'trx_dep' });
    assert.equal(repaired.status, 201, JSON.stringify(repaired.body));
    const confirmed = await call(server, 'POST', `/api/v1/transfers/${repaired.body.data.id}/confirm`, { headers: ws.auth });
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.data.status, 'confirmed');
    assert.ok((await events('transfer_detection.confirmed')).length >= 2);
    const bad = await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body: { transferDetection: { windowHours: 0 } } });
    assert.equal(bad.status, 400);
    const set = await call(server, 'PATCH', '/api/v1/workspace', {
      headers: ws.auth,
      body: { transferDetection: { windowHours: 96, tolerancePercent: '0.5' } },
    });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    assert.deepEqual(set.body.data.transferDetection, { enabled: true, windowHours: 96, tolerancePercent: '0.5' });
  });
});
