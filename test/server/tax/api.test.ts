/**
 * The tax, accounting and report endpoints over a hand-worked history written straight into
 * the database: gains per disposal to the cent (FIFO, then LIFO after a workspace change),
 * the per-year summary, income, a ledger whose entries balance and whose asset balances
 * equal the holdings, reports generated in the background and checked row by row against
 * the gains endpoint, and the scopes each route needs.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, type TestClient, type TestServer } from '../helpers.ts';
import { A, ALL_SCOPES, connectWorkspace, insertTransactions, insertWallet, seededWorkspace, type Connected } from '../data/fixtures.ts';
import { Decimal } from '../../../server/lib/decimal.ts';

const SCOPES = `${ALL_SCOPES} tax:read accounting:read reports:read reports:write`;
const DAY = 86_400_000;
const D = (n: number) => Date.UTC(2024, 0, 1) + n * DAY;
const cents = (s: string) => new Decimal(s).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);

let server: TestServer;
let client: TestClient;
let ws: Connected;

before(async () => {
  const seeded = await seededWorkspace(SCOPES);
  ({ server, client, ws } = seeded);
  const { db, now } = seeded;
  const wallet = await insertWallet(db, ws.workspaceId, now, 'Tax wallet');
  // Three lots of 1 (10,000, 30,000, 20,000), 1.5 sold at 40,000 with a 15 USD-coin fee, then a staking reward.
  await insertTransactions(
    db,
    ws.workspaceId,
    wallet,
    '0xtax',
    [
      { id: 'trx_t1', timestamp: D(0), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '1', price: '10000' }] },
      { id: 'trx_t2', timestamp: D(100), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '1', price: '30000' }] },
      { id: 'trx_t3', timestamp: D(200), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '1', price: '20000' }] },
      {
        id: 'trx_t4',
        timestamp: D(400),
        type: 'trade',
        label: 'Sell',
        legs: [
          { kind: 'outgoing', assetId: A.btc, quantity: '1.5', price: '40000' },
          { kind: 'incoming', assetId: A.usd, quantity: '60000', price: '1' },
          { kind: 'fee', assetId: A.usd, quantity: '15', price: '1' },
        ],
      },
      {
        id: 'trx_t5',
        timestamp: D(410),
        type: 'deposit',
        label: 'Staking Rewards',
        legs: [{ kind: 'incoming', assetId: A.native, quantity: '10', price: '20' }],
      },
    ],
    now,
  );
});
after(() => server.stop());

const get = async (path: string, auth = ws.auth) => {
  const r = await call(server, 'GET', path, { headers: auth });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};
type Gain = {
  id: string;
  transactionId: string;
  asset: { tokenId: string; symbol: string };
  kind: string;
  quantity: string;
  term: string;
  proceeds: string;
  costBasis: string;
  gain: string;
  fee: string;
  acquiredAt: number | null;
  disposedAt: number;
  disposedDate: string;
  taxYear: number;
  lots: { transactionId: string; quantity: string }[];
  isMissingPurchase: boolean;
  isMissingPrice: boolean;
};
const rowsOf = (data: Gain[]) => data.map((g) => [g.asset.tokenId, g.kind, g.quantity, g.term, cents(g.proceeds), cents(g.costBasis), cents(g.gain)]);

describe('tax:read', () => {
  test('gains per disposal by FIFO, to the cent, with the lots used', async () => {
    const body = await get('/api/v1/tax/gains');
    assert.equal(body.costBasisMethod, 'FIFO');
    assert.deepEqual(rowsOf(body.data), [
      [A.btc, 'disposal', '0.5', 'short', '19995.00', '15000.00', '4995.00'],
      [A.btc, 'disposal', '1', 'long', '39990.00', '10000.00', '29990.00'],
      [A.usd, 'fee', '15', 'short', '15.00', '15.00', '0.00'],
    ]);
    const long = body.data[1] as Gain;
    assert.deepEqual(
      long.lots.map((l) => [l.transactionId, l.quantity]),
      [['trx_t1', '1']],
    );
    assert.equal(long.acquiredAt, D(0));
    assert.equal(long.taxYear, 2025);
    assert.equal(long.fee, '10');
    assert.deepEqual(body.pagination, { limit: 100, offset: 0, returned_count: 3, totalCount: 3, hasNextPage: false, hasPreviousPage: false });
  });

  test('filters by year, asset and term, and pages', async () => {
    assert.equal((await get('/api/v1/tax/gains?year=2024')).data.length, 0);
    assert.deepEqual(rowsOf((await get(`/api/v1/tax/gains?year=2025&asset=${A.btc}&term=long`)).data), [
      [A.btc, 'disposal', '1', 'long', '39990.00', '10000.00', '29990.00'],
    ]);
    const page = await get('/api/v1/tax/gains?limit=2&offset=1');
    assert.equal(page.data.length, 2);
    assert.equal(page.pagination.hasPreviousPage, true);
    assert.equal(page.pagination.hasNextPage, false);
    const bad = await call(server, 'GET', '/api/v1/tax/gains?term=medium', { headers: ws.auth });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_parameters');
  });

  test('the per-year summary: short and long term, income, fees', async () => {
    const body = await get('/api/v1/tax/summary');
    assert.equal(body.data.length, 1);
    const y = body.data[0];
    assert.equal(y.taxYear, 2025);
    assert.deepEqual(y.shortTerm, { proceeds: '20010', costBasis: '15015', gains: '4995', losses: '0', net: '4995', disposals: 2 });
    assert.deepEqual(y.longTerm, { proceeds: '39990', costBasis: '10000', gains: '29990', losses: '0', net: '29990', disposals: 1 });
    assert.equal(y.netGain, '34985');
    assert.deepEqual(y.income, { total: '200', events: 1, byLabel: { 'Staking Rewards': '200' } });
    assert.equal(y.fees, '15');
    assert.deepEqual(y.flags, { missingPriceTransactions: 0, missingPurchaseTransactions: 0 });
    const income = await get('/api/v1/tax/income?year=2025');
    assert.deepEqual(
      income.data.map((i: { asset: { tokenId: string }; label: string; quantity: string; value: string }) => [i.asset.tokenId, i.label, i.quantity, i.value]),
      [[A.native, 'Staking Rewards', '10', '200']],
    );
  });

  test('holdings take their cost basis from the same engine', async () => {
    const h = await get('/api/v1/holdings?calculatedBalances=true');
    const btc = h.holdings.find((x: { assetId: string }) => x.assetId === A.btc);
    assert.equal(btc.totalQuantity, '1.5');
    assert.equal(btc.costbasis, '35000'); // lots 2 (half) and 3 remain under FIFO
    const lots = await get(`/api/v1/tax/lots?asset=${A.btc}`);
    assert.deepEqual(
      lots.data.map((l: { transactionId: string; quantity: string; costBasis: string }) => [l.transactionId, l.quantity, l.costBasis]),
      [
        ['trx_t2', '0.5', '15000'],
        ['trx_t3', '1', '20000'],
      ],
    );
  });
});

describe('accounting:read', () => {
  test('every entry balances; asset balances equal the holdings', async () => {
    const ledger = await get('/api/v1/accounting/ledger?limit=1000');
    assert.equal(ledger.data.length, 5);
    for (const e of ledger.data) {
      const sum = (side: 'debit' | 'credit') => e.lines.reduce((t: Decimal, l: Record<string, string>) => t.plus(l[side]!), new Decimal(0)).toFixed();
      assert.equal(sum('debit'), sum('credit'), e.transactionId);
      assert.equal(e.totals.debit, e.totals.credit);
    }
    const balances = await get('/api/v1/accounting/balances');
    assert.equal(balances.totals.debit, balances.totals.credit);
    const holdings = await get('/api/v1/holdings?calculatedBalances=true');
    for (const h of holdings.holdings) {
      const a = balances.assets.find((x: { assetId: string }) => x.assetId === h.assetId);
      assert.ok(a, h.assetId);
      assert.equal(a.quantity, h.totalQuantity, h.assetId);
      assert.equal(a.costBasis, h.costbasis, h.assetId);
    }
    assert.equal(balances.accounts.find((a: { account: string }) => a.account === 'income:staking-rewards').balance, '-200');
  });
});

describe('reports', () => {
  test('a capital-gains CSV generated in the background matches the gains endpoint row by row', async () => {
    const created = await call(server, 'POST', '/api/v1/reports', { headers: ws.auth, body: { type: 'capital_gains', year: 2025 } });
    assert.equal(created.status, 202);
    assert.match(created.body.data.id, /^rpt_[0-9a-f]{24}$/);
    assert.ok(['queued', 'running', 'completed'].includes(created.body.data.status));
    await server.ctx.reports!.waitIdle();
    const list = await get('/api/v1/reports');
    const report = list.data.find((r: { id: string }) => r.id === created.body.data.id);
    assert.equal(report.status, 'completed');
    assert.equal(report.rows, 3);
    const file = await fetch(`${server.url}${report.downloadUrl}`, { headers: ws.auth });
    assert.equal(file.status, 200);
    assert.match(file.headers.get('content-type')!, /^text\/csv/);
    assert.match(file.headers.get('content-disposition')!, /capital-gains-2025\.csv/);
    const [header, ...lines] = (await file.text()).trim().split('\r\n');
    assert.equal(
      header,
      'Description,Date Acquired,Date Sold,Proceeds,Cost Basis,Gain or Loss,Term,Asset,Quantity,Fee,Kind,Transaction ID,Disposal ID,Missing Purchase,Missing Price',
    );
    const gains = (await get('/api/v1/tax/gains?year=2025&limit=1000')).data as Gain[];
    assert.equal(lines.length, gains.length);
    lines.forEach((line, i) => {
      const c = line.split(',');
      const g = gains[i]!;
      assert.equal(c[0], `${g.quantity} ${g.asset.symbol}`);
      assert.equal(c[1], g.acquiredAt === null ? 'UNKNOWN' : new Date(g.acquiredAt).toISOString().slice(0, 10));
      assert.equal(c[2], g.disposedDate.slice(0, 10));
      assert.equal(c[3], cents(g.proceeds));
      assert.equal(c[4], cents(g.costBasis));
      assert.equal(c[5], new Decimal(cents(g.proceeds)).minus(cents(g.costBasis)).toFixed(2));
      assert.equal(c[6], g.term === 'long' ? 'Long-term' : 'Short-term');
      assert.deepEqual(
        [c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14]],
        [g.asset.tokenId, g.quantity, cents(g.fee), g.kind, g.transactionId, g.id, g.isMissingPurchase ? 'yes' : 'no', g.isMissingPrice ? 'yes' : 'no'],
      );
    });
  });

  test('an income CSV; unknown or foreign reports are 404; a report not ready is 409', async () => {
    const created = await call(server, 'POST', '/api/v1/reports', { headers: ws.auth, body: { type: 'income', year: 2025 } });
    assert.equal(created.status, 202);
    await server.ctx.reports!.waitIdle();
    const file = await call(server, 'GET', `/api/v1/reports/${created.body.data.id}/download`, { headers: ws.auth });
    assert.equal(
      file.body,
      'Date Received,Asset,Quantity,Type,Value (USD),Transaction ID,Income ID,Missing Price\r\n2025-02-14,FXN,10,Staking Rewards,200.00,trx_t5,trx_t5:0,no\r\n',
    );
    const other = await connectWorkspace(server, client, SCOPES);
    assert.equal((await call(server, 'GET', `/api/v1/reports/${created.body.data.id}/download`, { headers: other.auth })).status, 404);
    assert.equal((await call(server, 'GET', '/api/v1/reports/rpt_nope', { headers: ws.auth })).status, 404);
    await server.ctx.write((trx) =>
      trx
        .insertInto('reports')
        .values({
          id: 'rpt_000000000000000000000000',
          workspace_id: ws.workspaceId,
          grant_id: ws.grantId,
          type: 'income',
          tax_year: 2030,
          status: 'failed',
          rows: null,
          content: null,
          error: 'x',
          created_at: 1,
          started_at: null,
          completed_at: null,
        })
        .execute(),
    );
    const notReady = await call(server, 'GET', '/api/v1/reports/rpt_000000000000000000000000/download', { headers: ws.auth });
    assert.equal(notReady.status, 409);
    assert.equal(notReady.body.error, 'report_not_ready');
    for (const body of [{ type: 'capital_gains' }, { type: 'wash_sales', year: 2025 }, { type: 'income', year: 2025, extra: 1 }]) {
      assert.equal((await call(server, 'POST', '/api/v1/reports', { headers: ws.auth, body })).status, 400, JSON.stringify(body));
    }
  });
});

test('changing the cost-basis method recomputes: LIFO after FIFO', async () => {
  const patched = await call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body: { costBasisMethod: 'LIFO' } });
  assert.equal(patched.status, 200);
  const body = await get('/api/v1/tax/gains');
  assert.equal(body.costBasisMethod, 'LIFO');
  assert.deepEqual(rowsOf(body.data), [
    [A.btc, 'disposal', '1.5', 'short', '59985.00', '35000.00', '24985.00'],
    [A.usd, 'fee', '15', 'short', '15.00', '15.00', '0.00'],
  ]);
  const tx = await get('/api/v1/transactions?trxId=trx_t4');
  assert.equal(tx.data[0].totalCostbasis, '35000');
  assert.equal(tx.data[0].totalGains, '24985');
});

test('each route needs its scope', async () => {
  const narrow = await connectWorkspace(server, client, 'openid portfolios:read');
  for (const [method, path, scope] of [
    ['GET', '/api/v1/tax/gains', 'tax:read'],
    ['GET', '/api/v1/tax/summary', 'tax:read'],
    ['GET', '/api/v1/tax/income', 'tax:read'],
    ['GET', '/api/v1/tax/lots', 'tax:read'],
    ['GET', '/api/v1/accounting/ledger', 'accounting:read'],
    ['GET', '/api/v1/accounting/balances', 'accounting:read'],
    ['GET', '/api/v1/reports', 'reports:read'],
    ['POST', '/api/v1/reports', 'reports:write'],
  ] as const) {
    const r = await call(server, method, path, { headers: narrow.auth, ...(method === 'POST' ? { body: { type: 'income', year: 2025 } } : {}) });
    assert.equal(r.status, 403, path);
    assert.equal(r.body.error, 'forbidden');
    assert.deepEqual(r.body.details, [{ required: scope }]);
  }
  const doc = await call(server, 'GET', '/openapi.json');
  for (const p of [
    '/api/v1/tax/gains',
    '/api/v1/tax/summary',
    '/api/v1/accounting/ledger',
    '/api/v1/accounting/balances',
    '/api/v1/reports',
    '/api/v1/reports/{id}/download',
  ])
    assert.ok(doc.body.paths[p], p);
});
