/**
 * The Solana source against a local JSON-RPC server answering with the real shapes:
 * getBalance, getTokenAccountsByOwner (jsonParsed, both token programs), getSignaturesForAddress
 * paged with `before`/`until`, getTransaction (jsonParsed) including a failed transaction;
 * plus a 429 with Retry-After, a JSON-RPC error and a server that never answers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSolanaSource, TOKEN_PROGRAM } from '../../../server/sync/sources/solana.ts';
import { loadTokenList } from '../../../server/sync/sources/assets.ts';
import { sendJson, startLocalServer, type LocalServer } from './local-http.ts';
import { allPages, syncContext } from './helpers.ts';

const OWNER = '2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk2';
const OTHER = '9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin';
const USDC = 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v';
const N = 25;
const sig = (i: number) => `${'5'.repeat(40)}${String(i).padStart(4, '0')}`.replace(/0/g, 'A');

/** Transaction i: even → OWNER receives 0.001·i SOL from OTHER; odd → OWNER sends i USDC units (and pays the fee); 7 fails. */
function transaction(i: number) {
  const payer = i % 2 === 0 ? OTHER : OWNER;
  const keys = payer === OWNER ? [OWNER, OTHER] : [OTHER, OWNER];
  const fee = 5000;
  const lamports = BigInt(i) * 1_000_000n;
  const failed = i === 7;
  const ownerIdx = keys.indexOf(OWNER);
  const pre = [10_000_000_000, 10_000_000_000];
  const post = [...pre];
  post[0]! -= fee;
  if (i % 2 === 0 && !failed) {
    post[0]! -= Number(lamports);
    post[ownerIdx]! += Number(lamports);
  }
  const tokenMoves = i % 2 === 1 && !failed;
  return {
    slot: 1000 + i,
    blockTime: 1_750_000_000 + i * 60,
    meta: {
      err: failed ? { InstructionError: [0, { Custom: 1 }] } : null,
      fee,
      preBalances: pre,
      postBalances: post,
      preTokenBalances: tokenMoves
        ? [{ accountIndex: 2, mint: USDC, owner: OWNER, uiTokenAmount: { amount: '500000000', decimals: 6, uiAmount: 500, uiAmountString: '500' } }]
        : [],
      postTokenBalances: tokenMoves
        ? [{ accountIndex: 2, mint: USDC, owner: OWNER, uiTokenAmount: { amount: String(500000000 - i), decimals: 6, uiAmount: 0, uiAmountString: '0' } }]
        : [],
      logMessages: [],
      innerInstructions: [],
    },
    transaction: {
      signatures: [sig(i)],
      message: {
        accountKeys: keys.map((k) => ({ pubkey: k, signer: k === payer, writable: true, source: 'transaction' })),
        instructions: [],
        recentBlockhash: 'x',
      },
    },
    version: 0,
  };
}

let rpc: LocalServer;
let hits429 = 0;
let failNext = false;
before(async () => {
  rpc = await startLocalServer((req, res) => {
    const r = JSON.parse(req.body) as { id: number; method: string; params: [string, Record<string, unknown>?] };
    const reply = (result: unknown) => sendJson(res, 200, { jsonrpc: '2.0', id: r.id, result });
    if (r.method === 'getBalance' && hits429++ === 0)
      return sendJson(
        res,
        429,
        { jsonrpc: '2.0', id: r.id, error: { code: 429, message: 'Too many requests for a specific RPC call' } },
        { 'retry-after': '1' },
      );
    if (failNext) {
      failNext = false;
      return sendJson(res, 200, { jsonrpc: '2.0', id: r.id, error: { code: -32005, message: 'Node is behind by 42 slots' } });
    }
    switch (r.method) {
      case 'getBalance':
        return reply({ context: { slot: 2000, apiVersion: '2.0.18' }, value: 1_234_567_891 });
      case 'getTokenAccountsByOwner': {
        const program = (r.params[1] as { programId: string }).programId;
        const value =
          program === TOKEN_PROGRAM
            ? [
                {
                  pubkey: 'Acc1111111111111111111111111111111111111111',
                  account: {
                    lamports: 2039280,
                    owner: TOKEN_PROGRAM,
                    executable: false,
                    rentEpoch: 0,
                    space: 165,
                    data: {
                      program: 'spl-token',
                      space: 165,
                      parsed: {
                        type: 'account',
                        info: {
                          isNative: false,
                          mint: USDC,
                          owner: OWNER,
                          state: 'initialized',
                          tokenAmount: { amount: '499999856', decimals: 6, uiAmount: 499.999856, uiAmountString: '499.999856' },
                        },
                      },
                    },
                  },
                },
              ]
            : [];
        return reply({ context: { slot: 2000 }, value });
      }
      case 'getSignaturesForAddress': {
        const o = r.params[1] as { limit: number; before?: string; until?: string };
        const all = Array.from({ length: N }, (_, k) => N - k); // newest first
        let list = all;
        if (o.before) list = list.slice(list.findIndex((i) => sig(i) === o.before) + 1);
        if (o.until)
          list = list.slice(
            0,
            list.findIndex((i) => sig(i) === o.until),
          );
        return reply(
          list.slice(0, o.limit).map((i) => ({
            signature: sig(i),
            slot: 1000 + i,
            err: i === 7 ? { InstructionError: [0, { Custom: 1 }] } : null,
            memo: null,
            blockTime: 1_750_000_000 + i * 60,
            confirmationStatus: 'finalized',
          })),
        );
      }
      case 'getTransaction': {
        const i = Array.from({ length: N }, (_, k) => k + 1).find((k) => sig(k) === r.params[0]);
        return reply(i ? transaction(i) : null);
      }
      default:
        return sendJson(res, 200, { jsonrpc: '2.0', id: r.id, error: { code: -32601, message: 'Method not found' } });
    }
  });
});
after(() => rpc.close());

const source = (timeoutMs = 5000, url = rpc.url) =>
  createSolanaSource({ rpcUrl: url, timeoutMs, signaturesPerPage: 10, pageSize: 10, knownTokens: loadTokenList('solana') });
const ctx = (cursor: string | null = null) => syncContext({ provider: 'solana', chain: 'solana', address: OWNER }, { cursor });

test('balances: lamports and SPL token accounts, exact; a 429 is waited out', async () => {
  const holdings = await source().balances(ctx());
  assert.ok(hits429 >= 2, 'the first getBalance got a 429 and was retried');
  assert.deepEqual(
    holdings.map((h) => [h.asset.id, h.quantity, h.asset.symbol]),
    [
      ['solana:native', '1.234567891', 'SOL'],
      [`solana:${USDC}`, '499.999856', 'USDC'],
    ],
  );
});

test('signatures paged with before (10 at a time), transactions oldest first, the failed one keeps only its fee', async () => {
  const pages = await allPages(source().transactions(ctx()));
  const txs = pages.flatMap((p) => p.transactions);
  assert.equal(txs.length, N);
  assert.deepEqual(
    txs.map((t) => t.externalId),
    Array.from({ length: N }, (_, k) => sig(k + 1)),
  );
  assert.equal(pages.at(-1)!.cursor, sig(N));
  const t2 = txs[1]!;
  assert.deepEqual(t2.legs, [{ kind: 'incoming', assetId: 'solana:native', quantity: '0.002', price: null }]);
  assert.equal(t2.label, 'Deposit');
  const t3 = txs[2]!;
  assert.deepEqual(t3.legs, [
    { kind: 'outgoing', assetId: `solana:${USDC}`, quantity: '0.000003', price: null },
    { kind: 'fee', assetId: 'solana:native', quantity: '0.000005', price: null },
  ]);
  const t7 = txs[6]!;
  assert.equal(t7.failed, true);
  assert.equal(t7.label, 'Failed');
  assert.deepEqual(t7.legs, [{ kind: 'fee', assetId: 'solana:native', quantity: '0.000005', price: null }]);
  assert.equal(t7.timestamp, (1_750_000_000 + 7 * 60) * 1000);
});

test('a re-sync from the cursor reads only newer signatures (until)', async () => {
  const pages = await allPages(source().transactions(ctx(sig(20))));
  assert.deepEqual(
    pages.flatMap((p) => p.transactions).map((t) => t.externalId),
    [21, 22, 23, 24, 25].map(sig),
  );
});

test('a JSON-RPC error surfaces with its message; a silent node times out', async () => {
  failNext = true;
  await assert.rejects(source().balances(ctx()), /Node is behind by 42 slots/);
  const silent = await startLocalServer(() => new Promise(() => undefined));
  try {
    await assert.rejects(source(200, silent.url).balances(ctx()), /did not answer within 200 ms/);
  } finally {
    await silent.close();
  }
});
