/**
 * Base currencies over real HTTP, against a local CoinGecko-compatible server that quotes
 * bitcoin in USD, EUR, GBP, CAD, AUD and CHF (not SEK): a workspace switched to EUR gets its
 * gains computed at each day's rate (bought at 10,000 USD when 1 USD = 0.9 EUR, sold at
 * 20,000 USD when 1 USD = 0.8 EUR: gain 7,000 EUR, not 10,000 × a rate), holdings valued at
 * today's rate, every money field named EUR; an unknown currency is a 400, and a currency the
 * price source cannot quote is a 503 that changes nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, type TestServer } from '../helpers.ts';
import { A, ALL_SCOPES, DAY, dayOf, insertTransactions, insertWallet, seededWorkspace, type Connected } from './fixtures.ts';
import { sendJson, startLocalServer, type LocalServer } from '../sources/local-http.ts';
import { Decimal } from '../../../server/lib/decimal.ts';

const SCOPES = `${ALL_SCOPES} tax:read accounting:read reports:read reports:write`;
const D = (n: number) => Date.UTC(2024, 0, 1) + n * DAY;
const SWITCH = dayOf(D(200));
/** Units per USD: EUR moves from 0.9 to 0.8 on day 200; the others are flat. No SEK. */
const RATE: Record<string, (day: number) => number> = {
  usd: () => 1,
  eur: (d) => (d < SWITCH ? 0.9 : 0.8),
  gbp: () => 0.75,
  cad: () => 1.25,
  aud: () => 1.5,
  chf: () => 0.875,
};
const BTC_USD = 50_000;

let cg: LocalServer;
let server: TestServer;
let ws: Connected;

before(async () => {
  cg = await startLocalServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const vs = url.searchParams.get('vs_currency') ?? '';
    if (url.pathname === '/coins/bitcoin/market_chart/range') {
      if (!RATE[vs]) return sendJson(res, 400, { error: 'invalid vs_currency' });
      const from = Number(url.searchParams.get('from')) * 1000;
      const to = Number(url.searchParams.get('to')) * 1000;
      const prices: [number, number][] = [];
      for (let t = Math.ceil(from / (6 * 3_600_000)) * 6 * 3_600_000; t <= to; t += 6 * 3_600_000) prices.push([t, BTC_USD * RATE[vs]!(dayOf(t))]);
      return sendJson(res, 200, { prices, market_caps: [], total_volumes: [] });
    }
    if (url.pathname === '/simple/price' && url.searchParams.get('ids') === 'bitcoin') {
      const out: Record<string, number> = {};
      for (const c of (url.searchParams.get('vs_currencies') ?? '').split(',')) if (RATE[c]) out[c] = BTC_USD * RATE[c]!(dayOf(Date.now() + 10_000 * DAY));
      return sendJson(res, 200, { bitcoin: out });
    }
    return sendJson(res, 404, { error: 'not found' });
  });
  const seeded = await seededWorkspace(SCOPES, { env: { COINGECKO_URL: cg.url, COINGECKO_API_KEY: 'cg-key-for-history' } });
  ({ server, ws } = seeded);
  const { db, now } = seeded;
  const wallet = await insertWallet(db, ws.workspaceId, now, 'Currency wallet');
  await db
    .insertInto('balances')
    .values({ integration_id: wallet, asset_id: A.native, workspace_id: ws.workspaceId, quantity: '2', updated_at: now })
    .execute();
  await insertTransactions(
    db,
    ws.workspaceId,
    wallet,
    '0xfx',
    [
      { id: 'trx_fx_buy', timestamp: D(0), type: 'trade', label: 'Buy', legs: [{ kind: 'incoming', assetId: A.btc, quantity: '1', price: '10000' }] },
      {
        id: 'trx_fx_sell',
        timestamp: D(300),
        type: 'trade',
        label: 'Sell',
        legs: [
          { kind: 'outgoing', assetId: A.btc, quantity: '1', price: '20000' },
          { kind: 'incoming', assetId: A.usd, quantity: '20000', price: '1' },
        ],
      },
      { id: 'trx_fx_native', timestamp: now - 30 * DAY, label: 'Deposit', legs: [{ kind: 'incoming', assetId: A.native, quantity: '2', price: '2000' }] },
    ],
    now,
  );
});
after(async () => {
  await server?.stop();
  await cg?.close();
});

const get = async (path: string) => {
  const r = await call(server, 'GET', path, { headers: ws.auth });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};
const patch = (body: unknown) => call(server, 'PATCH', '/api/v1/workspace', { headers: ws.auth, body });
const btcGain = async () => {
  const g = await get(`/api/v1/tax/gains?asset=${A.btc}`);
  return [g.baseCurrency, g.data[0].proceeds, g.data[0].costBasis, g.data[0].gain, g.data[0].baseCurrency];
};

test("USD by default; in EUR each leg is valued at its own day's rate, exactly", async () => {
  assert.deepEqual(await btcGain(), ['USD', '20000', '10000', '10000', 'USD']);
  const r = await patch({ baseCurrency: 'EUR' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.data.baseCurrency, 'EUR');
  assert.ok(cg.requests.some((q) => q.path.includes('vs_currency=eur')) && cg.requests.some((q) => q.path.includes('vs_currency=usd')));
  // 20,000 USD × 0.8 − 10,000 USD × 0.9.
  assert.deepEqual(await btcGain(), ['EUR', '16000', '9000', '7000', 'EUR']);
  const summary = await get('/api/v1/tax/summary');
  assert.equal(summary.baseCurrency, 'EUR');
  const y = summary.data.find((s: { taxYear: number }) => s.taxYear === 2024);
  assert.equal(y.baseCurrency, 'EUR');
  assert.equal(new Decimal(y.shortTerm.gains).toFixed(), '7000');
  const lots = await get('/api/v1/tax/lots?limit=100');
  assert.equal(lots.baseCurrency, 'EUR');
  assert.ok(lots.data.every((l: { baseCurrency: string }) => l.baseCurrency === 'EUR'));
  // 2 × 2000 USD at 0.8 (the deposit 30 days ago).
  assert.equal(lots.data.find((l: { transactionId: string }) => l.transactionId === 'trx_fx_native').costBasis, '3200');
});

test("holdings in EUR at today's rate, every money field and the summary named EUR", async () => {
  const h = await get('/api/v1/holdings');
  const native = h.holdings.find((x: { assetId: string }) => x.assetId === A.native);
  // Today's price 2500.12 USD × 0.8 = 2000.096 EUR; 2 held; basis 3200 EUR.
  assert.deepEqual(
    [native.marketPrice, native.marketValue, native.costbasis, native.unrealizedPnL, native.baseCurrency],
    ['2000.096', '4000.192', '3200', '800.192', 'EUR'],
  );
  assert.equal(h.summary.baseCurrency, 'EUR');
  assert.ok(h.holdings.every((x: { baseCurrency: string }) => x.baseCurrency === 'EUR'));
  const ledger = await get('/api/v1/accounting/ledger?limit=10');
  assert.equal(ledger.baseCurrency, 'EUR');
});

test('GBP, CAD, AUD and CHF too; an unknown currency is a 400; one the source cannot quote is a 503 that changes nothing', async () => {
  for (const [c, rate] of [
    ['GBP', '0.75'],
    ['CAD', '1.25'],
    ['AUD', '1.5'],
    ['CHF', '0.875'],
  ] as const) {
    const r = await patch({ baseCurrency: c });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(await btcGain(), [
      c,
      new Decimal(20000).times(rate).toFixed(),
      new Decimal(10000).times(rate).toFixed(),
      new Decimal(10000).times(rate).toFixed(),
      c,
    ]);
  }
  const bad = await patch({ baseCurrency: 'XYZ' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, 'invalid_parameters');
  const sek = await patch({ baseCurrency: 'SEK' });
  assert.equal(sek.status, 503, JSON.stringify(sek.body));
  assert.equal(sek.body.error, 'service_unavailable');
  assert.equal((await get('/api/v1/workspace')).data.baseCurrency, 'CHF');
  assert.equal((await get('/api/v1/holdings')).summary.baseCurrency, 'CHF');
  const back = await patch({ baseCurrency: 'USD' });
  assert.equal(back.status, 200);
  assert.deepEqual(await btcGain(), ['USD', '20000', '10000', '10000', 'USD']);
});

test('reports: the capital-gains CSV names its currency; Form 8949 and TurboTax files are USD only (400, nothing queued)', async () => {
  assert.equal((await patch({ baseCurrency: 'EUR' })).status, 200);
  const created = await call(server, 'POST', '/api/v1/reports', { headers: ws.auth, body: { type: 'capital_gains', year: 2024 } });
  assert.equal(created.status, 202, JSON.stringify(created.body));
  await server.ctx.reports!.waitIdle(60_000);
  const file = await call(server, 'GET', `/api/v1/reports/${created.body.data.id}/download`, { headers: ws.auth });
  assert.equal(file.status, 200);
  const [header, row] = String(file.body).split('\r\n');
  assert.match(header!, /^Description,Date Acquired,Date Sold,Proceeds \(EUR\),Cost Basis \(EUR\),Gain or Loss \(EUR\),Term,Asset,Quantity,Fee \(EUR\),/);
  assert.match(row!, /,16000\.00,9000\.00,7000\.00,/);
  const before = (await get('/api/v1/reports')).data.length;
  for (const type of ['form_8949', 'turbotax']) {
    const refused = await call(server, 'POST', '/api/v1/reports', { headers: ws.auth, body: { type, year: 2024 } });
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'invalid_parameters');
    assert.match(refused.body.message, /USD/);
  }
  assert.equal((await get('/api/v1/reports')).data.length, before);
  assert.equal((await patch({ baseCurrency: 'USD' })).status, 200);
  assert.equal((await call(server, 'POST', '/api/v1/reports', { headers: ws.auth, body: { type: 'form_8949', year: 2024 } })).status, 202);
});
