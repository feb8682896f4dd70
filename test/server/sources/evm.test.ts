/**
 * The EVM source on a real local chain (ganache, in-process): fund a fresh address, deploy
 * ERC-20s, move tokens and ether in and out (one transaction reverts, one token is a spam
 * airdrop), connect the address through the production widget flow and sync. Holdings and
 * transactions from the public data APIs equal what the chain says, to the last wei — behind
 * an RPC proxy that refuses wide `eth_getLogs` ranges and answers 429 now and then, with an
 * Etherscan-compatible explorer for native transfers. Ether moved inside transactions counts
 * too: a wrapped-ether unwrap paid back to the user, 0.25 ETH a contract forwards to the user
 * in someone else's transaction (the explorer's `txlistinternal`), and a payment undone by
 * its reverted inner call (nothing). Without an explorer, a node's call tracer gives the same.
 * Then: incremental re-sync, a refused explorer key, an RPC that never answers, an
 * unconfigured chain, and active-chain detection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createWalletClient, formatEther, formatUnits, http, parseAbi, parseEther, parseUnits, type Address, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createEvmSource } from '../../../server/sync/sources/evm.ts';
import { PermanentSourceError } from '../../../server/sync/source.ts';
import { startLocalChain, TOKEN_ABI, type LocalChain } from './chain.ts';
import { startExplorer, startRpcProxy } from './evm-servers.ts';
import { startLocalServer } from './local-http.ts';
import { allPages, api, connect, integrationRow, startSourcesServer, syncContext, type Connection } from './helpers.ts';
import type { TestServer } from '../helpers.ts';

let chain: LocalChain;
let explorer: Awaited<ReturnType<typeof startExplorer>>;
let proxy: Awaited<ReturnType<typeof startRpcProxy>>;
let server: TestServer;
let user: Address;
let tst: Address;
let usd: Address;
let spam: Address;
let userWallet: ReturnType<typeof createWalletClient>;
let payouts: Address;
const hashes = {} as Record<'fund' | 'tstIn' | 'tstOut' | 'ethOut' | 'usdIn' | 'failed' | 'spam' | 'wrap' | 'unwrap' | 'forward' | 'undone', Hex>;
const PAYOUTS_ABI = parseAbi([
  'function deposit() payable',
  'function withdraw(uint256 value)',
  'function forward(address to) payable',
  'function tryForward(address to) payable',
]);
const EXPLORER_KEY = 'explorer-key-0123456789';

const chainDef = (url: string) =>
  ({ id: 1337, name: 'ganache', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } }) as const;

async function mined(hash: Hex) {
  await chain.pub.waitForTransactionReceipt({ hash, pollingInterval: 20 });
  return hash;
}
const send = (from: number, to: Address, value: bigint) =>
  chain.wallets[from]!.sendTransaction({ to, value, account: chain.wallets[from]!.account!, chain: chainDef(chain.url) }).then(mined);
const transfer = (from: number, token: Address, to: Address, value: bigint) =>
  chain.wallets[from]!.writeContract({
    address: token,
    abi: TOKEN_ABI,
    functionName: 'transfer',
    args: [to, value],
    account: chain.wallets[from]!.account!,
    chain: chainDef(chain.url),
  }).then(mined);
const userTransfer = (token: Address, to: Address, value: bigint, gas?: bigint) =>
  userWallet
    .writeContract({
      address: token,
      abi: TOKEN_ABI,
      functionName: 'transfer',
      args: [to, value],
      account: userWallet.account!,
      chain: chainDef(chain.url),
      ...(gas ? { gas } : {}),
    })
    .then(mined);

before(async () => {
  chain = await startLocalChain();
  const account = privateKeyToAccount(generatePrivateKey());
  user = account.address;
  userWallet = createWalletClient({ account, chain: chainDef(chain.url), transport: http(chain.url) });
  hashes.fund = await send(0, user, parseEther('5'));
  tst = await chain.deployToken(0, 'Test Token', 'TST', 18, parseUnits('1000000', 18));
  usd = await chain.deployToken(0, 'Test Dollar', 'TUSD', 6, parseUnits('1000000', 6));
  spam = await chain.deployToken(3, 'Visit claim-rewards.xyz to claim', 'CLAIM', 18, parseUnits('1000', 18));
  hashes.tstIn = await transfer(0, tst, user, parseUnits('1234.5', 18));
  hashes.tstOut = await userTransfer(tst, chain.addresses[2]!, parseUnits('200.25', 18));
  hashes.ethOut = await userWallet
    .sendTransaction({ to: chain.addresses[2]!, value: parseEther('0.75'), account: userWallet.account!, chain: chainDef(chain.url) })
    .then(mined);
  hashes.usdIn = await transfer(0, usd, user, parseUnits('99.123456', 6));
  hashes.failed = await userTransfer(tst, chain.addresses[2]!, parseUnits('999999', 18), 100_000n);
  hashes.spam = await transfer(3, spam, user, parseUnits('777', 18));
  payouts = await chain.deploy(0, 'Payouts');
  const pay = (w: ReturnType<typeof createWalletClient>, functionName: 'deposit' | 'withdraw' | 'forward' | 'tryForward', args: unknown[], value?: bigint) =>
    w
      .writeContract({
        address: payouts,
        abi: PAYOUTS_ABI,
        functionName,
        args,
        account: w.account!,
        chain: chainDef(chain.url),
        ...(value ? { value } : {}),
      } as never)
      .then(mined);
  hashes.wrap = await pay(userWallet, 'deposit', [], parseEther('1'));
  hashes.unwrap = await pay(userWallet, 'withdraw', [parseEther('0.4')]);
  hashes.forward = await pay(chain.wallets[0]!, 'forward', [user], parseEther('0.25'));
  hashes.undone = await pay(chain.wallets[0]!, 'tryForward', [user], parseEther('0.1'));
  explorer = await startExplorer(chain, { apiKey: EXPLORER_KEY });
  proxy = await startRpcProxy(chain.url, { maxLogRange: 3, rateLimitEvery: 9 });
  server = await startSourcesServer({
    EVM_RPC_URL_ETHEREUM: proxy.url,
    EVM_EXPLORER_URL_ETHEREUM: explorer.url,
    EVM_EXPLORER_API_KEY_ETHEREUM: EXPLORER_KEY,
    EVM_LOG_CHUNK_BLOCKS: '8',
  });
});
after(async () => {
  await server?.stop();
  await proxy?.close();
  await explorer?.close();
  await chain?.close();
});

const onChain = async (token: Address, who: Address) =>
  (await chain.pub.readContract({ address: token, abi: TOKEN_ABI, functionName: 'balanceOf', args: [who] })) as bigint;
type Holding = { assetId: string; totalQuantity: string; isSpam: boolean };
type Tx = {
  transactionPlatfromId: string;
  label: string;
  incomingAssets: { asset: { tokenId: string }; quantity: string }[];
  outgoingAssets: { asset: { tokenId: string }; quantity: string }[];
  fee: { asset: { tokenId: string }; quantity: string }[];
};

describe('EVM on a real local chain, end to end through the data APIs', () => {
  let conn: Connection;

  before(async () => {
    conn = await connect(server, { provider: 'metamask', address: user, chains: ['ethereum', 'polygon'] });
    await server.ctx.sync!.waitIdle(45_000);
  });

  test('the integration completed, the unconfigured chain failed saying what is missing', async () => {
    const [eth, polygon] = await Promise.all(conn.integrationIds.map((id) => integrationRow(server, id)));
    assert.equal(eth!.status, 'COMPLETED', eth!.message ?? '');
    assert.equal(polygon!.status, 'FAILED');
    assert.equal(polygon!.message, 'No RPC configured for polygon');
    assert.ok(proxy.stats.rangeRefused > 0, 'the node refused wide log ranges and the source shrank them');
    assert.ok(proxy.stats.rateLimited > 0, 'the node answered 429 and the source retried');
  });

  test('holdings equal the chain to the last wei; the spam airdrop is flagged and left out', async () => {
    const r = await api(server, conn, '/api/v1/holdings');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const got = new Map((r.body.holdings as Holding[]).map((h) => [h.assetId, h.totalQuantity]));
    const ethBalance = await chain.pub.getBalance({ address: user });
    assert.equal(got.get('ethereum:native'), formatEther(ethBalance));
    assert.equal(got.get(`ethereum:${tst.toLowerCase()}`), formatUnits(await onChain(tst, user), 18));
    assert.equal(got.get(`ethereum:${tst.toLowerCase()}`), '1034.25');
    assert.equal(got.get(`ethereum:${usd.toLowerCase()}`), '99.123456');
    assert.equal(got.has(`ethereum:${spam.toLowerCase()}`), false);
    const withSpam = await api(server, conn, '/api/v1/holdings?isSpam=true');
    const spamHolding = (withSpam.body.holdings as Holding[]).find((h) => h.assetId === `ethereum:${spam.toLowerCase()}`);
    assert.equal(spamHolding?.totalQuantity, '777');
    assert.equal(spamHolding?.isSpam, true);
    // The ledger (sum of every leg, fees included) lands on the same wei.
    const ledger = await api(server, conn, '/api/v1/holdings?calculatedBalances=true');
    const fromLedger = new Map((ledger.body.holdings as Holding[]).map((h) => [h.assetId, h.totalQuantity]));
    assert.equal(fromLedger.get('ethereum:native'), formatEther(ethBalance));
    assert.equal(fromLedger.get(`ethereum:${tst.toLowerCase()}`), '1034.25');
    assert.equal(fromLedger.get(`ethereum:${payouts.toLowerCase()}`), '0.6');
    assert.equal(got.get(`ethereum:${payouts.toLowerCase()}`), '0.6');
  });

  test('transactions equal the chain: amounts, fees, the failed one, the spam one only on request', async () => {
    const r = await api(server, conn, '/api/v1/transactions?limit=100&order=asc');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const txs = r.body.data as Tx[];
    const byHash = new Map(txs.map((t) => [t.transactionPlatfromId, t]));
    assert.deepEqual(
      [...byHash.keys()].sort(),
      [hashes.fund, hashes.tstIn, hashes.tstOut, hashes.ethOut, hashes.usdIn, hashes.failed, hashes.wrap, hashes.unwrap, hashes.forward].sort(),
    );
    const fee = async (h: Hex) => {
      const rc = await chain.pub.getTransactionReceipt({ hash: h });
      return formatEther(rc.gasUsed * rc.effectiveGasPrice);
    };
    const legs = (t: Tx) => ({
      in: t.incomingAssets.map((l) => [l.asset.tokenId, l.quantity]),
      out: t.outgoingAssets.map((l) => [l.asset.tokenId, l.quantity]),
      fee: t.fee.map((l) => [l.asset.tokenId, l.quantity]),
    });
    const T = `ethereum:${tst.toLowerCase()}`;
    assert.deepEqual(legs(byHash.get(hashes.fund)!), { in: [['ethereum:native', '5']], out: [], fee: [] });
    assert.deepEqual(legs(byHash.get(hashes.tstIn)!), { in: [[T, '1234.5']], out: [], fee: [] });
    assert.deepEqual(legs(byHash.get(hashes.tstOut)!), { in: [], out: [[T, '200.25']], fee: [['ethereum:native', await fee(hashes.tstOut!)]] });
    assert.deepEqual(legs(byHash.get(hashes.ethOut)!), { in: [], out: [['ethereum:native', '0.75']], fee: [['ethereum:native', await fee(hashes.ethOut!)]] });
    assert.deepEqual(legs(byHash.get(hashes.usdIn)!), { in: [[`ethereum:${usd.toLowerCase()}`, '99.123456']], out: [], fee: [] });
    const failed = byHash.get(hashes.failed)!;
    assert.equal(failed.label, 'Failed');
    assert.deepEqual(legs(failed), { in: [], out: [], fee: [['ethereum:native', await fee(hashes.failed!)]] });
    // Ether inside transactions: the unwrap pays 0.4 back, a contract forwards 0.25 in a transaction the user did not send.
    const W = `ethereum:${payouts.toLowerCase()}`;
    assert.deepEqual(legs(byHash.get(hashes.wrap)!), { in: [[W, '1']], out: [['ethereum:native', '1']], fee: [['ethereum:native', await fee(hashes.wrap!)]] });
    assert.deepEqual(legs(byHash.get(hashes.unwrap)!), {
      in: [['ethereum:native', '0.4']],
      out: [[W, '0.4']],
      fee: [['ethereum:native', await fee(hashes.unwrap!)]],
    });
    assert.deepEqual(legs(byHash.get(hashes.forward)!), { in: [['ethereum:native', '0.25']], out: [], fee: [] });
    assert.equal(byHash.get(hashes.forward)!.label, 'Deposit');
    assert.equal(byHash.has(hashes.undone), false, 'a payment undone by its reverted inner call moved nothing');
    assert.equal(byHash.get(hashes.tstOut)!.label, 'Withdrawal');
    assert.equal(byHash.get(hashes.fund)!.label, 'Deposit');
    const all = await api(server, conn, '/api/v1/transactions?limit=100&isSpam=true');
    const spamTx = (all.body.data as Tx[]).find((t) => t.transactionPlatfromId === hashes.spam);
    assert.equal(spamTx?.label, 'Spam');
  });

  test('a latest re-sync reads only the new blocks and adds the new transfer once', async () => {
    const before = proxy.stats.getLogs;
    const newHash = await transfer(0, tst, user, parseUnits('0.000000000000000001', 18));
    await server.ctx.sync!.queue([conn.integrationIds[0]!], 'latest');
    await server.ctx.sync!.waitIdle(30_000);
    const r = await api(server, conn, '/api/v1/transactions?limit=100');
    const ids = (r.body.data as Tx[]).map((t) => t.transactionPlatfromId);
    assert.equal(ids.filter((h) => h === newHash).length, 1);
    assert.equal(new Set(ids).size, ids.length);
    const holdings = await api(server, conn, '/api/v1/holdings');
    assert.equal((holdings.body.holdings as Holding[]).find((h) => h.assetId === `ethereum:${tst.toLowerCase()}`)?.totalQuantity, '1034.250000000000000001');
    assert.ok(proxy.stats.getLogs - before <= 6, `only the new block range was scanned (${proxy.stats.getLogs - before} getLogs)`);
  });

  test('active chains: the funded address is on ethereum; a fresh one on none', async () => {
    assert.deepEqual(await server.ctx.detectChains(user), ['ethereum']);
    assert.deepEqual(await server.ctx.detectChains(privateKeyToAccount(generatePrivateKey()).address), []);
  });
});

describe("EVM without an explorer: ether inside transactions from the node's call tracer", () => {
  const hex = (v: bigint) => `0x${v.toString(16)}`;

  test('a tracing node: the wrap sends 1 ETH, the unwrap pays 0.4 back; a reverted inner frame moves nothing', async () => {
    const me = user.toLowerCase();
    const p = payouts.toLowerCase();
    const traces = new Map<string, unknown>([
      [hashes.wrap.toLowerCase(), { type: 'CALL', from: me, to: p, value: hex(parseEther('1')) }],
      [
        hashes.unwrap.toLowerCase(),
        {
          type: 'CALL',
          from: me,
          to: p,
          value: '0x0',
          calls: [
            { type: 'CALL', from: p, to: me, value: hex(parseEther('0.4')) },
            {
              type: 'CALL',
              from: p,
              to: p,
              value: '0x0',
              error: 'execution reverted',
              calls: [{ type: 'CALL', from: p, to: me, value: hex(parseEther('9')) }],
            },
            { type: 'DELEGATECALL', from: p, to: me, value: hex(parseEther('5')) },
          ],
        },
      ],
    ]);
    const node = await startRpcProxy(chain.url, { traces });
    try {
      const s = createEvmSource({ chain: 'ethereum', rpcUrl: node.url, tokens: [], logChunkBlocks: 1000, timeoutMs: 5000 });
      const txs = (await allPages(s.transactions(syncContext({ address: user })))).flatMap((pg) => pg.transactions);
      const native = (h: Hex) =>
        txs
          .find((t) => t.externalId === h)!
          .legs.filter((l) => l.assetId === 'ethereum:native' && l.kind !== 'fee')
          .map((l) => [l.kind, l.quantity]);
      assert.deepEqual(native(hashes.wrap), [['outgoing', '1']]);
      assert.deepEqual(native(hashes.unwrap), [['incoming', '0.4']]);
    } finally {
      await node.close();
    }
  });

  test('a node without the call tracer (ganache answers structLogs) is asked once and nothing is invented', async () => {
    const node = await startRpcProxy(chain.url);
    try {
      const s = createEvmSource({ chain: 'ethereum', rpcUrl: node.url, tokens: [], logChunkBlocks: 1000, timeoutMs: 5000 });
      const txs = (await allPages(s.transactions(syncContext({ address: user })))).flatMap((pg) => pg.transactions);
      assert.equal(node.stats.traces, 1);
      const unwrap = txs.find((t) => t.externalId === hashes.unwrap)!;
      assert.deepEqual(
        unwrap.legs.filter((l) => l.kind !== 'fee').map((l) => l.assetId),
        [`ethereum:${payouts.toLowerCase()}`],
      );
    } finally {
      await node.close();
    }
  });
});

describe('EVM source errors', () => {
  const source = (o: Partial<Parameters<typeof createEvmSource>[0]> = {}) =>
    createEvmSource({ chain: 'ethereum', rpcUrl: chain.url, tokens: [], logChunkBlocks: 1000, timeoutMs: 2000, ...o });

  test('an explorer that refuses its key fails the sync permanently, without the key in the message', async () => {
    const ctx = syncContext({ address: user });
    await assert.rejects(source({ explorerUrl: explorer.url, explorerApiKey: 'wrong-key-abcdef' }).balances(ctx), (e: Error) => {
      assert.ok(e instanceof PermanentSourceError);
      assert.match(e.message, /explorer rejected its API key/);
      assert.ok(!e.message.includes('wrong-key-abcdef'));
      return true;
    });
  });

  test('an RPC that never answers times out instead of hanging', async () => {
    const silent = await startLocalServer(() => new Promise(() => undefined));
    try {
      const started = Date.now();
      await assert.rejects(source({ rpcUrl: silent.url, timeoutMs: 300 }).balances(syncContext({ address: user })), /took too long|timed out|timeout/i);
      assert.ok(Date.now() - started < 15_000);
    } finally {
      await silent.close();
    }
  });

  test('pages end on block boundaries and the cursor resumes after the last page', async () => {
    const s = source({ pageSize: 2 });
    const pages = await allPages(s.transactions(syncContext({ address: user })));
    assert.ok(pages.length >= 3);
    const all = pages.flatMap((p) => p.transactions);
    const last = JSON.parse(pages.at(-1)!.cursor!) as { block: number; tokens: string[] };
    assert.equal(last.block, Number(await chain.pub.getBlockNumber()));
    assert.ok(last.tokens.includes(tst.toLowerCase()));
    const mid = pages[1]!.cursor!;
    const resumed = await allPages(source().transactions(syncContext({ address: user }, { cursor: mid })));
    const midBlock = (JSON.parse(mid) as { block: number }).block;
    assert.deepEqual(
      resumed.flatMap((p) => p.transactions).map((t) => t.externalId),
      all.filter((t) => (t.raw!.block as number) > midBlock).map((t) => t.externalId),
    );
  });
});
