/**
 * Exchanges through ccxt, pointed (EXCHANGE_URL_KRAKEN) at a local server that speaks
 * Kraken's REST API and checks every signature the way Kraken does. A key connected through
 * the production widget flow syncs balances, 120 trades over three `ofs` pages, deposits and
 * withdrawals (a pending one left for later) with Kraken's exact decimal strings; rate limits
 * (HTTP 429 and Kraken's EAPI error) are retried; a wrong secret, an unknown key and a key
 * without query permission end FAILED with a message a user understands and no secret in it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startKrakenServer, syntheticTrades, type KrakenAccount } from './kraken-server.ts';
import { api, connect, integrationRow, startSourcesServer } from './helpers.ts';
import type { TestServer } from '../helpers.ts';

const T0 = Math.floor(Date.UTC(2025, 5, 1) / 1000);
const secret = () => randomBytes(64).toString('base64');

const good: KrakenAccount = {
  key: 'kraken-key-good-0001',
  secret: secret(),
  balances: { XXBT: '1.2345678901', XETH: '10.0000000001', ZUSD: '2500.1234' },
  trades: syntheticTrades(120, T0),
  deposits: [
    { refid: 'D1', asset: 'XETH', amount: '7.9999257900', fee: '0.0000000000', time: T0 - 3600, status: 'Success', txid: '0xabc1' },
    { refid: 'D2', asset: 'ZUSD', amount: '10000.0000', fee: '1.5000', time: T0 - 1800, status: 'Success', txid: 'wire-1' },
    { refid: 'D3', asset: 'XXBT', amount: '0.5000000000', fee: '0.0000000000', time: T0 + 9000, status: 'Pending', txid: 'btc-pending' },
  ],
  withdrawals: [{ refid: 'W1', asset: 'XETH', amount: '2.9950000000', fee: '0.0050000000', time: T0 + 7300, status: 'Success', txid: '0xdef2' }],
};
const readOnlyDenied: KrakenAccount = {
  key: 'kraken-key-noperm-02',
  secret: secret(),
  canQuery: false,
  balances: {},
  trades: [],
  deposits: [],
  withdrawals: [],
};

let kraken: Awaited<ReturnType<typeof startKrakenServer>>;
let server: TestServer;

before(async () => {
  kraken = await startKrakenServer([good, readOnlyDenied], { rateLimit: { every: 4, kind: 'EAPI' } });
  server = await startSourcesServer({ EXCHANGE_URL_KRAKEN: kraken.url, EXCHANGE_MIN_REQUEST_INTERVAL_MS: '0' });
});
after(async () => {
  await server?.stop();
  await kraken?.close();
});

type Tx = {
  transactionPlatfromId: string;
  label: string;
  incomingAssets: { asset: { tokenId: string }; quantity: string }[];
  outgoingAssets: { asset: { tokenId: string }; quantity: string }[];
  fee: { asset: { tokenId: string }; quantity: string }[];
};

describe('Kraken through ccxt', () => {
  test('balances, every trade page, deposits and withdrawals, exactly as the exchange states them', async () => {
    const conn = await connect(server, { provider: 'kraken', credentials: { apiKey: good.key, secretKey: good.secret } });
    await server.ctx.sync!.waitIdle(45_000);
    const row = await integrationRow(server, conn.integrationIds[0]!);
    assert.equal(row.status, 'COMPLETED', row.message ?? '');
    assert.equal(row.total_transactions, 123);
    assert.ok(kraken.stats.rateLimited > 0, 'rate limits were hit and retried');
    assert.ok(kraken.stats.tradesPages >= 3, 'trades were paged with ofs');

    const holdings = await api(server, conn, '/api/v1/holdings');
    const q = new Map((holdings.body.holdings as { assetId: string; totalQuantity: string }[]).map((h) => [h.assetId, h.totalQuantity]));
    assert.equal(q.get('bitcoin:native'), '1.2345678901');
    assert.equal(q.get('ethereum:native'), '10.0000000001');
    assert.equal(q.get('fiat:usd'), '2500.1234');

    const r = await api(server, conn, '/api/v1/transactions?limit=1000');
    const txs = r.body.data as Tx[];
    assert.equal(txs.length, 123);
    const trade = txs.find((t) => t.transactionPlatfromId === good.trades[1]!.id)!;
    const spec = good.trades[1]!;
    assert.equal(trade.label, spec.type === 'buy' ? 'Buy' : 'Sell');
    assert.deepEqual(
      trade.incomingAssets.map((l) => [l.asset.tokenId, l.quantity]),
      [['ethereum:native', spec.vol.replace(/0+$/, '')]],
    );
    assert.deepEqual(
      trade.outgoingAssets.map((l) => [l.asset.tokenId, l.quantity]),
      [['fiat:usd', spec.cost.replace(/\.?0+$/, '')]],
    );
    assert.deepEqual(
      trade.fee.map((l) => [l.asset.tokenId, l.quantity]),
      [['fiat:usd', '0.26']],
    );
    const withdrawal = txs.find((t) => t.transactionPlatfromId === '0xdef2')!;
    assert.equal(withdrawal.label, 'Withdrawal');
    assert.deepEqual(
      withdrawal.outgoingAssets.map((l) => [l.asset.tokenId, l.quantity]),
      [['ethereum:native', '2.995']],
    );
    assert.deepEqual(
      withdrawal.fee.map((l) => [l.asset.tokenId, l.quantity]),
      [['ethereum:native', '0.005']],
    );
    assert.ok(!txs.some((t) => t.transactionPlatfromId === 'btc-pending'), 'a pending deposit waits for a later sync');
    for (const t of txs) assert.ok(t.incomingAssets.length + t.outgoingAssets.length > 0);

    // A later sync picks up a new trade and the settled deposit, once.
    good.trades.push(...syntheticTrades(1, T0 + 200 * 60, 'N'));
    good.deposits[2]!.status = 'Success';
    await server.ctx.sync!.queue([conn.integrationIds[0]!], 'latest');
    await server.ctx.sync!.waitIdle(30_000);
    const again = await api(server, conn, '/api/v1/transactions?limit=1000');
    const ids = (again.body.data as Tx[]).map((t) => t.transactionPlatfromId);
    assert.equal(ids.length, 125);
    assert.equal(new Set(ids).size, 125);
    assert.ok(ids.includes('btc-pending'));
    const logs = server.logs.join('');
    assert.ok(!logs.includes(good.secret) && !logs.includes(good.key), 'no key or secret in the logs');
  });

  for (const [what, creds, expected] of [
    ['a wrong secret', { apiKey: good.key, secretKey: secret() }, /Invalid signature/],
    ['an unknown key', { apiKey: 'kraken-key-unknown-99', secretKey: secret() }, /Invalid key/],
    ['a key without query permission', { apiKey: readOnlyDenied.key, secretKey: readOnlyDenied.secret }, /Permission denied/],
  ] as const) {
    test(`${what} makes the integration FAILED with a message a user understands`, async () => {
      const conn = await connect(server, { provider: 'kraken', credentials: creds });
      await server.ctx.sync!.waitIdle(30_000);
      const row = await integrationRow(server, conn.integrationIds[0]!);
      assert.equal(row.status, 'FAILED');
      assert.match(row.message!, /^The exchange rejected the API key \(Kraken: /);
      assert.match(row.message!, expected);
      assert.ok(!row.message!.includes(creds.secretKey) && !row.message!.includes(creds.apiKey));
      const job = await server.ctx.db.selectFrom('sync_jobs').select(['attempts', 'status']).where('integration_id', '=', row.id).executeTakeFirstOrThrow();
      assert.deepEqual([job.status, job.attempts], ['failed', 1], 'not retried: the key will not start working by itself');
    });
  }
});

describe('Kraken over HTTP 429', () => {
  test('a 429 with Retry-After is waited out and the sync completes', async () => {
    const k = await startKrakenServer([{ ...good, trades: syntheticTrades(10, T0), deposits: [], withdrawals: [], key: 'kraken-key-429-0003' }], {
      rateLimit: { every: 3, kind: '429' },
    });
    const s = await startSourcesServer({ EXCHANGE_URL_KRAKEN: k.url, EXCHANGE_MIN_REQUEST_INTERVAL_MS: '0' });
    try {
      const conn = await connect(s, { provider: 'kraken', credentials: { apiKey: 'kraken-key-429-0003', secretKey: good.secret } });
      await s.ctx.sync!.waitIdle(30_000);
      const row = await integrationRow(s, conn.integrationIds[0]!);
      assert.equal(row.status, 'COMPLETED', row.message ?? '');
      assert.ok(k.stats.rateLimited > 0);
      assert.equal(row.total_transactions, 10);
    } finally {
      await s.stop();
      await k.close();
    }
  });
});
