/**
 * The tax engine over the whole sandbox dataset (both test wallets, two years, synced by
 * the real runner): every journal entry balances, the ledger's per-asset balances equal
 * `/api/v1/holdings` (quantity and cost basis), nothing is flagged, the summary adds up
 * the gains rows, and each year's capital-gains and income CSVs match the gains and income
 * endpoints row by row — and the ledger, holdings and summary invariants for every method
 * (FIFO, LIFO, HIFO, AVERAGE, UK_POOL) and for wallet-by-wallet lots.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, exchange, newClient, type TestServer } from '../helpers.ts';
import { startSyncServer } from '../sync/helpers.ts';
import { Decimal } from '../../../server/lib/decimal.ts';

const SCOPES = 'openid portfolios:read transactions:read integrations:read tax:read accounting:read reports:read reports:write workspace:read workspace:write';
const cents = (s: string) => new Decimal(s).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2);
const sum = (values: string[]) => values.reduce((t, v) => t.plus(v), new Decimal(0));

let server: TestServer;
let auth: Record<string, string>;

before(async () => {
  server = await startSyncServer();
  const client = await newClient(server, { scopes: SCOPES });
  const pt = await call(server, 'POST', '/sandbox/public-token', { headers: client.headers, body: { scopes: SCOPES } });
  assert.equal(pt.status, 200, JSON.stringify(pt.body));
  const ex = await exchange(server, client, pt.body.data.public_token);
  auth = { authorization: `Bearer ${ex.body.data.access_token}` };
  await server.ctx.sync!.waitIdle(60_000);
});
after(() => server.stop());

const get = async (path: string) => {
  const r = await call(server, 'GET', path, { headers: auth });
  assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  return r.body;
};

async function all<T>(path: string): Promise<T[]> {
  const out: T[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await get(`${path}${path.includes('?') ? '&' : '?'}limit=1000&offset=${offset}`);
    out.push(...(page.data as T[]));
    if (!page.pagination.hasNextPage) return out;
  }
}

type Line = { debit: string; credit: string };
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
  disposedDate: string;
  taxYear: number;
  lots: { acquiredAt: number | null }[];
  isMissingPurchase: boolean;
  isMissingPrice: boolean;
};

test('the ledger balances for the whole dataset and its asset balances equal the holdings', async () => {
  const entries = await all<{ transactionId: string; lines: Line[]; totals: Line }>('/api/v1/accounting/ledger');
  const txCount = (await get('/api/v1/transactions?limit=1&isSpam=true')).pagination.totalCount as number;
  assert.ok(entries.length > 100 && entries.length <= txCount, `${entries.length} entries for ${txCount} transactions`);
  for (const e of entries) {
    assert.equal(sum(e.lines.map((l) => l.debit)).toFixed(), sum(e.lines.map((l) => l.credit)).toFixed(), e.transactionId);
    assert.equal(e.totals.debit, e.totals.credit, e.transactionId);
  }
  const balances = await get('/api/v1/accounting/balances');
  assert.equal(balances.totals.debit, balances.totals.credit);
  const holdings = await get('/api/v1/holdings');
  assert.ok(holdings.holdings.length >= 5);
  for (const h of holdings.holdings) {
    const a = balances.assets.find((x: { assetId: string }) => x.assetId === h.assetId);
    assert.ok(a, `${h.assetId} in the ledger`);
    assert.equal(a.quantity, h.totalQuantity, `${h.assetId} quantity`);
    assert.equal(a.costBasis, h.costbasis, `${h.assetId} cost basis`);
    assert.equal(h.hasCostBasis, true, h.assetId);
  }
  // Every asset account the ledger holds a quantity of is a holding (or spam / an NFT, which holdings leave out).
  const shown = new Set(holdings.holdings.map((h: { assetId: string }) => h.assetId));
  const withSpam = new Set((await get('/api/v1/holdings?isSpam=true')).holdings.map((h: { assetId: string }) => h.assetId));
  for (const a of balances.assets)
    if (!new Decimal(a.quantity).isZero() && !shown.has(a.assetId)) assert.ok(a.isSpam || a.asset.type === 'nft' || withSpam.has(a.assetId), a.assetId);
});

test('gains: nothing flagged, the summary adds up the rows, the CSVs match the endpoints row by row', async () => {
  const summary = (await get('/api/v1/tax/summary')).data as {
    taxYear: number;
    shortTerm: { net: string; disposals: number };
    longTerm: { net: string; disposals: number };
    netGain: string;
    income: { total: string; events: number };
    flags: Record<string, number>;
  }[];
  assert.ok(summary.length >= 2, `${summary.length} tax years`);
  assert.ok(
    summary.some((y) => y.longTerm.disposals > 0),
    'the two years of history produce long-term disposals',
  );
  assert.ok(
    summary.some((y) => y.income.events > 0),
    'staking rewards and airdrops are income',
  );
  for (const y of summary) {
    assert.deepEqual(y.flags, { missingPriceTransactions: 0, missingPurchaseTransactions: 0 }, String(y.taxYear));
    const gains = await all<Gain>(`/api/v1/tax/gains?year=${y.taxYear}`);
    assert.equal(gains.length, y.shortTerm.disposals + y.longTerm.disposals);
    assert.equal(sum(gains.map((g) => g.gain)).toFixed(), new Decimal(y.netGain).toFixed());
    for (const g of gains) assert.equal(new Decimal(g.proceeds).minus(g.costBasis).toFixed(), new Decimal(g.gain).toFixed(), g.id);

    const created = await call(server, 'POST', '/api/v1/reports', { headers: auth, body: { type: 'capital_gains', year: y.taxYear } });
    const income = await call(server, 'POST', '/api/v1/reports', { headers: auth, body: { type: 'income', year: y.taxYear } });
    assert.equal(created.status, 202);
    await server.ctx.reports!.waitIdle(60_000);
    const csv = await call(server, 'GET', `/api/v1/reports/${created.body.data.id}/download`, { headers: auth });
    assert.equal(csv.status, 200);
    const lines = (csv.body as string).trim().split('\r\n').slice(1);
    assert.equal(lines.length, gains.length, `${y.taxYear}: one row per disposal`);
    lines.forEach((line, i) => {
      const c = line.split(',');
      const g = gains[i]!;
      const days = new Set(g.lots.filter((l) => l.acquiredAt !== null).map((l) => new Date(l.acquiredAt!).toISOString().slice(0, 10)));
      assert.deepEqual(
        c,
        [
          `${g.quantity} ${g.asset.symbol}`,
          days.size === 0 ? 'UNKNOWN' : days.size === 1 ? [...days][0] : 'VARIOUS',
          g.disposedDate.slice(0, 10),
          cents(g.proceeds),
          cents(g.costBasis),
          new Decimal(cents(g.proceeds)).minus(cents(g.costBasis)).toFixed(2),
          g.term === 'long' ? 'Long-term' : 'Short-term',
          g.asset.tokenId,
          g.quantity,
          cents(g.fee),
          g.kind,
          g.transactionId,
          g.id,
          'no',
          'no',
        ],
        `${y.taxYear} row ${i}`,
      );
    });
    const incomeRows = await all<{
      id: string;
      transactionId: string;
      receivedDate: string;
      asset: { symbol: string };
      quantity: string;
      label: string;
      value: string;
    }>(`/api/v1/tax/income?year=${y.taxYear}`);
    const incomeCsv = await call(server, 'GET', `/api/v1/reports/${income.body.data.id}/download`, { headers: auth });
    assert.deepEqual(
      (incomeCsv.body as string).trim().split('\r\n').slice(1),
      incomeRows.map((r) => [r.receivedDate.slice(0, 10), r.asset.symbol, r.quantity, r.label, cents(r.value), r.transactionId, r.id, 'no'].join(',')),
    );
    assert.equal(incomeRows.length, y.income.events);
  }
});

test('the invariants hold for every method and for wallet-by-wallet lots', async () => {
  const configs = [
    ['LIFO', 'universal'],
    ['HIFO', 'universal'],
    ['AVERAGE', 'universal'],
    ['UK_POOL', 'universal'],
    ['FIFO', 'wallet'],
    ['HIFO', 'wallet'],
    ['FIFO', 'universal'],
  ] as const;
  const nets = new Set<string>();
  for (const [costBasisMethod, lotTracking] of configs) {
    const name = `${costBasisMethod} ${lotTracking}`;
    const patched = await call(server, 'PATCH', '/api/v1/workspace', { headers: auth, body: { costBasisMethod, lotTracking } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const entries = await all<{ transactionId: string; lines: Line[] }>('/api/v1/accounting/ledger');
    for (const e of entries)
      assert.equal(sum(e.lines.map((l) => l.debit)).toFixed(), sum(e.lines.map((l) => l.credit)).toFixed(), `${name}: ${e.transactionId}`);
    const balances = await get('/api/v1/accounting/balances');
    assert.equal(balances.costBasisMethod, costBasisMethod);
    assert.equal(balances.totals.debit, balances.totals.credit, name);
    const holdings = await get('/api/v1/holdings');
    for (const h of holdings.holdings) {
      const a = balances.assets.find((x: { assetId: string }) => x.assetId === h.assetId);
      assert.deepEqual([a?.quantity, a?.costBasis], [h.totalQuantity, h.costbasis], `${name}: ${h.assetId}`);
    }
    const lots = await all<{ asset: { tokenId: string }; quantity: string }>('/api/v1/tax/lots');
    for (const a of balances.assets) {
      if (new Decimal(a.quantity).lte(0)) continue;
      assert.equal(
        sum(lots.filter((l) => l.asset.tokenId === a.assetId).map((l) => l.quantity)).toFixed(),
        new Decimal(a.quantity).toFixed(),
        `${name}: lots of ${a.assetId}`,
      );
    }
    const summary = (await get('/api/v1/tax/summary')).data as { taxYear: number; netGain: string; flags: Record<string, number> }[];
    for (const y of summary) {
      if (lotTracking === 'universal') assert.deepEqual(y.flags, { missingPriceTransactions: 0, missingPurchaseTransactions: 0 }, `${name} ${y.taxYear}`);
      const gains = await all<Gain>(`/api/v1/tax/gains?year=${y.taxYear}`);
      assert.equal(sum(gains.map((g) => g.gain)).toFixed(), new Decimal(y.netGain).toFixed(), `${name} ${y.taxYear}`);
      for (const g of gains) assert.equal(new Decimal(g.proceeds).minus(g.costBasis).toFixed(), new Decimal(g.gain).toFixed(), `${name}: ${g.id}`);
    }
    nets.add(summary.map((y) => y.netGain).join());
  }
  assert.ok(nets.size >= 3, 'the methods give different gains on the same history');
});
