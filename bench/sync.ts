/**
 * Sync throughput of the real sources, everything on 127.0.0.1: transactions imported per
 * second from a local EVM chain (ganache, N ERC-20 transfers to a fresh address, synced
 * through eth_getLogs, receipts and block timestamps), from a local Kraken-compatible server
 * through ccxt (signed requests, 50 trades a page), and the sync time of a 10,000-transaction
 * exchange account. Runnable alone: `npx tsx bench/sync.ts` (BENCH_EVM_TRANSFERS, default 300).
 */
import { randomBytes } from 'node:crypto';
import { parseEther, parseUnits, type Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { startLocalChain, TOKEN_ABI } from '../test/server/sources/chain.ts';
import { startKrakenServer, syntheticTrades } from '../test/server/sources/kraken-server.ts';
import { connect, integrationRow, startSourcesServer } from '../test/server/sources/helpers.ts';

export type SyncBenchRow = { name: string; value: number; unit: string };

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function timedSync(env: Record<string, string>, integration: Record<string, unknown>, expected: number): Promise<number> {
  const server = await startSourcesServer(env);
  try {
    const started = performance.now();
    const conn = await connect(server, integration);
    await server.ctx.sync!.waitIdle(180_000);
    const seconds = (performance.now() - started) / 1000;
    const row = await integrationRow(server, conn.integrationIds[0]!);
    if (row.status !== 'COMPLETED' || row.total_transactions !== expected)
      throw new Error(`sync ended ${row.status} with ${row.total_transactions}/${expected} transactions: ${row.message}`);
    return seconds;
  } finally {
    await server.stop();
  }
}

async function evmBench(transfers: number): Promise<SyncBenchRow[]> {
  const chain = await startLocalChain();
  try {
    const user: Address = privateKeyToAccount(generatePrivateKey()).address;
    const chainDef = {
      id: 1337,
      name: 'ganache',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [chain.url] } },
    } as const;
    const funder = chain.wallets[0]!;
    await funder.sendTransaction({ to: user, value: parseEther('1'), account: funder.account!, chain: chainDef });
    const token = await chain.deployToken(0, 'Bench Token', 'BNCH', 18, parseUnits('1000000000', 18));
    let nonce = await chain.pub.getTransactionCount({ address: funder.account!.address });
    const generated = performance.now();
    for (let i = 0; i < transfers; i++) {
      await funder.writeContract({
        address: token,
        abi: TOKEN_ABI,
        functionName: 'transfer',
        args: [user, parseUnits(`${i + 1}.000000000000000001`, 18)],
        account: funder.account!,
        chain: chainDef,
        nonce: nonce++,
        gas: 100_000n,
        gasPrice: 2_000_000_000n,
      });
    }
    const generation = (performance.now() - generated) / 1000;
    const seconds = await timedSync({ EVM_RPC_URL_ETHEREUM: chain.url }, { provider: 'ethereum', address: user }, transfers);
    return [
      { name: `EVM (ganache): ${transfers} ERC-20 transfers imported (no explorer)`, value: round(transfers / seconds), unit: 'tx/s' },
      { name: 'EVM (ganache): generating the transfers on the chain', value: round(transfers / generation), unit: 'tx/s' },
    ];
  } finally {
    await chain.close();
  }
}

async function exchangeBench(trades: number): Promise<number> {
  const secret = randomBytes(64).toString('base64');
  const key = `bench-key-${trades}`;
  const kraken = await startKrakenServer([
    { key, secret, balances: { XXBT: '1' }, trades: syntheticTrades(trades, Math.floor(Date.UTC(2024, 0, 1) / 1000)), deposits: [], withdrawals: [] },
  ]);
  try {
    return await timedSync(
      { EXCHANGE_URL_KRAKEN: kraken.url, EXCHANGE_MIN_REQUEST_INTERVAL_MS: '0' },
      { provider: 'kraken', credentials: { apiKey: key, secretKey: secret } },
      trades,
    );
  } finally {
    await kraken.close();
  }
}

export async function syncBench(): Promise<SyncBenchRow[]> {
  const rows: SyncBenchRow[] = [];
  rows.push(...(await evmBench(Number(process.env.BENCH_EVM_TRANSFERS ?? 300))));
  const s2000 = await exchangeBench(2000);
  rows.push({ name: 'Exchange (Kraken via ccxt, local): 2,000 trades imported', value: round(2000 / s2000), unit: 'tx/s' });
  const s10k = await exchangeBench(10_000);
  rows.push({ name: 'Sync time of a 10,000-transaction exchange account (200 signed pages)', value: round(s10k, 2), unit: 's' });
  rows.push({ name: '10,000-transaction account: imported', value: round(10_000 / s10k), unit: 'tx/s' });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await syncBench();
  console.log(['| sync | value | unit |', '|---|---:|---|', ...rows.map((r) => `| ${r.name} | ${r.value} | ${r.unit} |`)].join('\n'));
  process.exit(0);
}
