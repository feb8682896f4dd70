/**
 * Tax engine II over HTTP: the new workspace settings (holding-period rule, tax time zone,
 * lot tracking, UK_POOL) and their 4xx, specific identification through
 * `PUT/DELETE /api/v1/tax/transactions/:id/lots` with every validation error, wallet ids
 * on lots tracked wallet by wallet, the Schedule D totals, and the Form 8949 and TurboTax
 * files checked against the gains endpoint.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, type TestClient, type TestServer } from '../helpers.ts';
import { A, ALL_SCOPES, connectWorkspace, insertTransactions, insertWallet, seededWorkspace, type Connected } from '../data/fixtures.ts';

const SCOPES = `${ALL_SCOPES} tax:read tax:write accounting:read reports:read reports:write`;
const DAY = 86_400_000;
const D = (n: number) => Date.UTC(2024, 0, 1) + n * DAY;

let server: TestServer;
let client: TestClient;
let ws: Connected;
let wallet: string;

before(async () => {
  const seeded = await seededWorkspace(SCOPES);
  ({ server, client, ws } = seeded);
  const { db, now } = seeded;
  wallet = await insertWallet(db, ws.workspaceId, now, 'Rules wallet');
  // Lots of 1 BTC at 10,000 (2024-01-01), 30,000 (2024-04-10), 20,000 (2024-07-19); 1.5 BTC sold at 40,000 on 2025-02-04.
  await insertTransactions(
    db,
    ws.workspaceId,
    wallet,
    '0xrules',
    [
      { id: 'trx_r1', timestamp: D(0), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '1', price: '10000' }] },
      { id: 'trx_r2', timestamp: D(100), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '1', price: '30000' }] },
      { id: 'trx_r3', timestamp: D(200), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '1', price: '20000' }] },
      {
        id: 'trx_r4',
        timestamp: D(400),
        type: 'trade',
        label: 'Sell',
        legs: [
          { kind: 'outgoing', assetId: A.btc, quantity: '1.5', price: '40000' },
          { kind: 'incoming', assetId: A.usd, quantity: '60000', price: '1' },
        ],
      },
      { id: 'trx_r5', timestamp: D(401), type: 'deposit', label: 'Deposit', legs: [{ kind: 'incoming', assetId: A.native, quantity: '10', price: '20' }] },
    ],
    now,
  );
});
after(() => server.stop());

const get = async (path: string) => {
  const r = await call(server, 'GET', path, { headers: ws.auth });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};
type Gain = {
  transactionId: string;
  term: string;
  quantity: string;
  proceeds: string;
  costBasis: string;
  gain: string;
  acquiredAt: number | null;
  disposedAt: number;
  asset: { symbol: string };
  lots: { transactionId: string; acquiredAt: number | null; quantity: string; costBasis: string }[];
};
const gains = async () => (await get('/api/v1/tax/gains?year=2025')).data as Gain[];

describe('settings', () => {
  test('holdingPeriod, taxTimezone, lotTracking and UK_POOL are workspace settings; bad values are 400 and change nothing', async () => {
    const w = (await get('/api/v1/workspace')).data;
    assert.deepEqual([w.holdingPeriod, w.taxTimezone, w.lotTracking], ['calendar', 'UTC', 'universal']);
    for (const body of [
      { holdingPeriod: 'weeks' },
      { taxTimezone: 'Mars/Olympus' },
      { taxTimezone: '' },
      { lotTracking: 'per-exchange' },
      { costBasisMethod: 'uk_pool' },
    ]) {
      const r = await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.error, 'invalid_parameters');
    }
    const r = await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body: { taxTimezone: 'America/New_York', lotTracking: 'wallet' } });
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.data.taxTimezone, r.body.data.lotTracking], ['America/New_York', 'wallet']);
    const lots = await get('/api/v1/tax/lots');
    assert.deepEqual([lots.taxTimezone, lots.lotTracking, lots.holdingPeriod], ['America/New_York', 'wallet', 'calendar']);
    assert.ok(lots.data.every((l: { walletId: string }) => l.walletId === wallet));
    const uk = await call(server, 'PATCH', '/api/v1/workspace', {
      headers: ws.auth,
      body: { costBasisMethod: 'UK_POOL', taxTimezone: 'UTC', lotTracking: 'universal' },
    });
    assert.equal(uk.status, 200);
    // The pool: 3 BTC for 60,000, 1.5 sold at 20,000 each.
    const g = await gains();
    assert.equal(
      g.reduce((t, x) => t + Number(x.costBasis), 0),
      30000,
    );
    assert.equal((await get('/api/v1/tax/lots?asset=' + A.btc)).data[0].costBasis, '30000');
    assert.equal((await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body: { costBasisMethod: 'FIFO' } })).status, 200);
  });
});

describe('specific identification', () => {
  const put = (id: string, body: unknown, auth = ws.auth) => call(server, 'PUT', `/api/v1/tax/transactions/${id}/lots`, { headers: auth, body });

  test('a disposal names its lots; the gains follow at once; DELETE gives it back to the method', async () => {
    const before = await gains();
    assert.deepEqual(
      before.map((g) => g.lots.map((l) => l.transactionId).join()),
      ['trx_r2', 'trx_r1'],
    );
    const r = await put('trx_r4', {
      assetId: A.btc,
      lots: [
        { transactionId: 'trx_r3', quantity: '1' },
        { transactionId: 'trx_r2', quantity: '0.5' },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.data, {
      transactionId: 'trx_r4',
      assetId: A.btc,
      lots: [
        { transactionId: 'trx_r3', quantity: '1' },
        { transactionId: 'trx_r2', quantity: '0.5' },
      ],
      honoured: true,
    });
    const after = await gains();
    assert.equal(after.length, 1);
    assert.deepEqual(
      after[0]!.lots.map((l) => [l.transactionId, l.quantity, l.costBasis]),
      [
        ['trx_r3', '1', '20000'],
        ['trx_r2', '0.5', '15000'],
      ],
    );
    assert.equal(after[0]!.costBasis, '35000');
    const listed = (await get('/api/v1/tax/lot-selections')).data;
    assert.deepEqual(
      listed.map((s: { transactionId: string; honoured: boolean }) => [s.transactionId, s.honoured]),
      [['trx_r4', true]],
    );
    const del = await call(server, 'DELETE', `/api/v1/tax/transactions/trx_r4/lots?assetId=${encodeURIComponent(A.btc)}`, { headers: ws.auth });
    assert.equal(del.status, 200);
    assert.deepEqual(
      (await gains()).map((g) => g.lots.map((l) => l.transactionId).join()),
      ['trx_r2', 'trx_r1'],
    );
    assert.equal((await call(server, 'DELETE', `/api/v1/tax/transactions/trx_r4/lots?assetId=${encodeURIComponent(A.btc)}`, { headers: ws.auth })).status, 404);
  });

  test('every bad selection is a 4xx that names the field and stores nothing', async () => {
    const cases: [string, unknown, number, string?][] = [
      ['trx_nope', { assetId: A.btc, lots: [{ transactionId: 'trx_r1', quantity: '1' }] }, 404],
      ['trx_r1', { assetId: A.btc, lots: [{ transactionId: 'trx_r1', quantity: '1' }] }, 400, 'assetId'], // a purchase disposes of nothing
      ['trx_r4', { assetId: A.native, lots: [{ transactionId: 'trx_r5', quantity: '1' }] }, 400, 'assetId'],
      ['trx_r4', { assetId: A.btc, lots: [{ transactionId: 'trx_r5', quantity: '1' }] }, 400, 'lots.0.transactionId'], // acquires no BTC
      ['trx_r4', { assetId: A.btc, lots: [{ transactionId: 'trx_nope', quantity: '1' }] }, 400, 'lots.0.transactionId'],
      ['trx_r4', { assetId: A.btc, lots: [{ transactionId: 'trx_r1', quantity: '1.5' }] }, 400, 'lots.0.quantity'], // more than it acquired
      [
        'trx_r4',
        {
          assetId: A.btc,
          lots: [
            { transactionId: 'trx_r1', quantity: '1' },
            { transactionId: 'trx_r2', quantity: '1' },
          ],
        },
        400,
        'lots',
      ], // more than sold
      [
        'trx_r4',
        {
          assetId: A.btc,
          lots: [
            { transactionId: 'trx_r1', quantity: '0.5' },
            { transactionId: 'trx_r1', quantity: '0.5' },
          ],
        },
        400,
        'lots.1.transactionId',
      ],
      ['trx_r4', { assetId: A.btc, lots: [{ transactionId: 'trx_r1', quantity: '-1' }] }, 400],
      ['trx_r4', { assetId: A.btc, lots: [{ transactionId: 'trx_r1', quantity: 'abc' }] }, 400],
      ['trx_r4', { assetId: A.btc, lots: [] }, 400],
      ['trx_r4', { assetId: A.btc, lots: [{ transactionId: 'trx_r1', quantity: '1' }], extra: 1 }, 400],
    ];
    for (const [id, body, status, path] of cases) {
      const r = await put(id, body);
      assert.equal(r.status, status, `${id} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.ok(!JSON.stringify(r.body).includes('    at '), 'no stack trace');
      if (path)
        assert.ok(
          r.body.details.some((d: { path: string }) => d.path === path),
          `${JSON.stringify(r.body.details)} names ${path}`,
        );
    }
    // An acquisition after the disposal.
    await insertTransactions(
      server.ctx.db,
      ws.workspaceId,
      wallet,
      '0xrules',
      [{ id: 'trx_r6', timestamp: D(500), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '1', price: '50000' }] }],
      server.clock.now(),
    );
    const later = await put('trx_r4', { assetId: A.btc, lots: [{ transactionId: 'trx_r6', quantity: '1' }] });
    assert.equal(later.status, 400);
    assert.equal((await get('/api/v1/tax/lot-selections')).data.length, 0);
    // tax:write is needed to choose; tax:read to list.
    const reader = await connectWorkspace(server, client, `${ALL_SCOPES} tax:read`);
    assert.equal((await put('trx_r4', { assetId: A.btc, lots: [{ transactionId: 'trx_r1', quantity: '1' }] }, reader.auth)).status, 403);
  });
});

describe('forms', () => {
  test('Schedule D totals are the Form 8949 parts (rounded per row), and the form lists short and long term apart', async () => {
    const g = await gains();
    const sched = (await get('/api/v1/tax/schedule-d?year=2025')).data;
    // FIFO: 0.5 of the 30,000 lot (short: proceeds 20,000, basis 15,000), the 10,000 lot (long: 40,000, 10,000).
    assert.deepEqual(sched.shortTerm, { box: 'I', transactions: 1, proceeds: '20000.00', costBasis: '15000.00', adjustment: '0.00', gain: '5000.00' });
    assert.deepEqual(sched.longTerm, { box: 'L', transactions: 1, proceeds: '40000.00', costBasis: '10000.00', adjustment: '0.00', gain: '30000.00' });
    assert.deepEqual(sched.lines, { '7': '5000.00', '15': '30000.00', '16': '35000.00' });
    assert.equal((await call(server, 'GET', '/api/v1/tax/schedule-d', { headers: ws.auth })).status, 400);
    assert.equal((await get('/api/v1/tax/schedule-d?year=2023')).data.shortTerm.box, 'C');

    const download = async (type: string) => {
      const created = await call(server, 'POST', '/api/v1/reports', { headers: ws.auth, body: { type, year: 2025 } });
      assert.equal(created.status, 202, JSON.stringify(created.body));
      await server.ctx.reports!.waitIdle();
      const file = await call(server, 'GET', `/api/v1/reports/${created.body.data.id}/download`, { headers: ws.auth });
      assert.equal(file.status, 200);
      return String(file.body).trim().split('\r\n');
    };
    const form = await download('form_8949');
    assert.deepEqual(form, [
      'Part,Box,(a) Description of property,(b) Date acquired,(c) Date sold or disposed of,(d) Proceeds,(e) Cost or other basis,(f) Code(s),(g) Amount of adjustment,(h) Gain or (loss)',
      `Part I,I,0.5 ${g[0]!.asset.symbol},04/10/2024,02/04/2025,20000.00,15000.00,,0.00,5000.00`,
      'Part I total,I,1 transactions,,,20000.00,15000.00,,0.00,5000.00',
      `Part II,L,1 ${g[0]!.asset.symbol},01/01/2024,02/04/2025,40000.00,10000.00,,0.00,30000.00`,
      'Part II total,L,1 transactions,,,40000.00,10000.00,,0.00,30000.00',
    ]);
    const tt = await download('turbotax');
    assert.deepEqual(tt, [
      'Currency Name,Purchase Date,Cost Basis,Date Sold,Proceeds',
      `${g[0]!.asset.symbol},04/10/2024,15000.00,02/04/2025,20000.00`,
      `${g[0]!.asset.symbol},01/01/2024,10000.00,02/04/2025,40000.00`,
    ]);
  });
});

test('the new routes are in the OpenAPI document and need their scope', async () => {
  const doc = (await call(server, 'GET', '/openapi.json')).body;
  for (const [path, method] of [
    ['/api/v1/tax/transactions/{id}/lots', 'put'],
    ['/api/v1/tax/transactions/{id}/lots', 'delete'],
    ['/api/v1/tax/lot-selections', 'get'],
    ['/api/v1/tax/schedule-d', 'get'],
  ] as const) {
    assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
  }
  assert.ok(doc.paths['/api/v1/tax/transactions/{id}/lots'].put.requestBody);
  const narrow = await connectWorkspace(server, client, 'openid portfolios:read');
  for (const [method, path, scope] of [
    ['GET', '/api/v1/tax/schedule-d?year=2025', 'tax:read'],
    ['GET', '/api/v1/tax/lot-selections', 'tax:read'],
    ['DELETE', '/api/v1/tax/transactions/trx_r4/lots?assetId=x', 'tax:write'],
  ] as const) {
    const r = await call(server, method, path, { headers: narrow.auth });
    assert.equal(r.status, 403, path);
    assert.deepEqual(r.body.details, [{ required: scope }]);
  }
});
