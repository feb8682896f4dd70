/**
 * The Bitcoin source against a local Esplora-compatible server: address stats, UTXOs, and
 * `/txs/chain/:last_seen_txid` pages of 25 newest first; legs net of change with the fee on
 * the spender; a re-sync stops at the last imported transaction; 429 and 5xx are retried.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBitcoinSource } from '../../../server/sync/sources/bitcoin.ts';
import { sendJson, startLocalServer, type LocalServer } from './local-http.ts';
import { allPages, syncContext } from './helpers.ts';

const ME = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';
const OTHER = 'bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh';
const N = 60;
const txid = (i: number) => i.toString(16).padStart(64, '0');

/** Tx i (height 800000+i): odd → ME receives 100000·i sats; even → ME spends the previous output, pays OTHER 1000·i, change back, fee 250. */
function tx(i: number) {
  const status = { confirmed: true, block_height: 800_000 + i, block_hash: 'h'.repeat(64), block_time: 1_700_000_000 + i * 600 };
  if (i % 2 === 1)
    return {
      txid: txid(i),
      version: 2,
      locktime: 0,
      size: 200,
      weight: 561,
      fee: 300,
      status,
      vin: [{ txid: 'f'.repeat(64), vout: 0, prevout: { scriptpubkey_address: OTHER, value: 100_000 * i + 300 }, is_coinbase: false }],
      vout: [{ scriptpubkey_address: ME, value: 100_000 * i }],
    };
  const input = 100_000 * (i - 1);
  return {
    txid: txid(i),
    version: 2,
    locktime: 0,
    size: 200,
    weight: 561,
    fee: 250,
    status,
    vin: [{ txid: txid(i - 1), vout: 0, prevout: { scriptpubkey_address: ME, value: input }, is_coinbase: false }],
    vout: [
      { scriptpubkey_address: OTHER, value: 1000 * i },
      { scriptpubkey_address: ME, value: input - 1000 * i - 250 },
    ],
  };
}
const ALL = Array.from({ length: N }, (_, k) => tx(k + 1));
let funded = 0n;
let spent = 0n;
for (const t of ALL) {
  for (const o of t.vout) if (o.scriptpubkey_address === ME) funded += BigInt(o.value);
  for (const v of t.vin) if (v.prevout.scriptpubkey_address === ME) spent += BigInt(v.prevout.value);
}

let esplora: LocalServer;
let calls = 0;
before(async () => {
  esplora = await startLocalServer((req, res) => {
    calls++;
    if (calls === 2) return sendJson(res, 429, { error: 'Too Many Requests' }, { 'retry-after': '1' });
    if (calls === 4) return sendJson(res, 503, { error: 'unavailable' });
    const path = new URL(req.url, 'http://x').pathname;
    if (path === `/address/${ME}`)
      return sendJson(res, 200, {
        address: ME,
        chain_stats: { funded_txo_count: N, funded_txo_sum: Number(funded), spent_txo_count: N / 2, spent_txo_sum: Number(spent), tx_count: N },
        mempool_stats: { funded_txo_count: 0, funded_txo_sum: 0, spent_txo_count: 0, spent_txo_sum: 0, tx_count: 0 },
      });
    if (path === `/address/${ME}/utxo`)
      return sendJson(res, 200, [{ txid: txid(N), vout: 1, value: Number(funded - spent), status: { confirmed: true, block_height: 800_000 + N } }]);
    const m = /^\/address\/([^/]+)\/txs\/chain(?:\/([0-9a-f]{64}))?$/.exec(path);
    if (m && m[1] === ME) {
      const newest = [...ALL].reverse();
      const from = m[2] ? newest.findIndex((t) => t.txid === m[2]) + 1 : 0;
      return sendJson(res, 200, newest.slice(from, from + 25));
    }
    if (m) return sendJson(res, 400, 'Invalid Bitcoin address' as unknown as object);
    return sendJson(res, 404, 'not found' as unknown as object);
  });
});
after(() => esplora.close());

const source = () => createBitcoinSource({ url: esplora.url, timeoutMs: 5000, pageSize: 20 });
const ctx = (cursor: string | null = null) => syncContext({ provider: 'bitcoin', chain: 'bitcoin', address: ME }, { cursor });

test('balance from stats and UTXOs, exact in BTC; 429 and 503 retried', async () => {
  const h = await source().balances(ctx());
  assert.deepEqual(
    h.map((x) => [x.asset.id, x.quantity]),
    [['bitcoin:native', (Number(funded - spent) / 1e8).toFixed(8).replace(/0+$/, '')]],
  );
});

test('every page of /txs/chain, oldest first; spends are net of change with the fee on the spender', async () => {
  const pages = await allPages(source().transactions(ctx()));
  const txs = pages.flatMap((p) => p.transactions);
  assert.equal(txs.length, N);
  assert.deepEqual(
    txs.map((t) => t.externalId),
    ALL.map((t) => t.txid),
  );
  assert.deepEqual(txs[0]!.legs, [{ kind: 'incoming', assetId: 'bitcoin:native', quantity: '0.001', price: null }]);
  assert.deepEqual(txs[1]!.legs, [
    { kind: 'outgoing', assetId: 'bitcoin:native', quantity: '0.00002', price: null },
    { kind: 'fee', assetId: 'bitcoin:native', quantity: '0.0000025', price: null },
  ]);
  // The ledger of all legs equals the balance.
  let sats = 0n;
  for (const t of txs) for (const l of t.legs) sats += (l.kind === 'incoming' ? 1n : -1n) * BigInt(Math.round(Number(l.quantity) * 1e8));
  assert.equal(sats, funded - spent);
  assert.deepEqual(JSON.parse(pages.at(-1)!.cursor!), { height: 800_000 + N, txid: txid(N) });
});

test('a re-sync stops at the last imported transaction', async () => {
  const pages = await allPages(source().transactions(ctx(JSON.stringify({ height: 800_000 + 50, txid: txid(50) }))));
  assert.deepEqual(
    pages.flatMap((p) => p.transactions).map((t) => t.externalId),
    [51, 52, 53, 54, 55, 56, 57, 58, 59, 60].map(txid),
  );
});

test('an address the API refuses fails permanently', async () => {
  const s = createBitcoinSource({ url: esplora.url, timeoutMs: 5000 });
  await assert.rejects(allPages(s.transactions(syncContext({ provider: 'bitcoin', chain: 'bitcoin', address: OTHER }))), /refused the address/);
});
