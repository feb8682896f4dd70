/**
 * Servers in front of the local chain: an Etherscan-compatible explorer (`txlist` and
 * `txlistinternal`, indexed from the chain itself, paged like Etherscan, API key checked) and a JSON-RPC proxy that
 * behaves like a hosted node — `eth_getLogs` over more than `maxLogRange` blocks is refused
 * with Alchemy's "block range" error, and every `rateLimitEvery`-th request gets a 429.
 */
import type { PublicClient } from 'viem';
import { sendJson, startLocalServer, type LocalServer } from './local-http.ts';

type EtherscanTx = Record<string, string>;

export async function startExplorer(
  chain: { url: string; pub: PublicClient },
  options: { apiKey?: string } = {},
): Promise<LocalServer & { calls: () => number }> {
  const blocks = new Map<number, EtherscanTx[]>();
  let calls = 0;
  async function indexed(n: number): Promise<EtherscanTx[]> {
    let txs = blocks.get(n);
    if (txs) return txs;
    const block = await chain.pub.getBlock({ blockNumber: BigInt(n), includeTransactions: true });
    txs = await Promise.all(
      block.transactions.map(async (t) => {
        const r = await chain.pub.getTransactionReceipt({ hash: t.hash });
        return {
          blockNumber: String(n),
          timeStamp: String(block.timestamp),
          hash: t.hash,
          nonce: String(t.nonce),
          blockHash: block.hash!,
          transactionIndex: String(t.transactionIndex),
          from: t.from.toLowerCase(),
          to: (t.to ?? '').toLowerCase(),
          value: String(t.value),
          gas: String(t.gas),
          gasPrice: String(r.effectiveGasPrice),
          isError: r.status === 'success' ? '0' : '1',
          txreceipt_status: r.status === 'success' ? '1' : '0',
          input: t.input,
          contractAddress: (r.contractAddress ?? '').toLowerCase(),
          cumulativeGasUsed: String(r.cumulativeGasUsed),
          gasUsed: String(r.gasUsed),
          confirmations: '1',
        };
      }),
    );
    blocks.set(n, txs);
    return txs;
  }
  /**
   * Internal transfers of `address` in block `n`: what its balance changed by, less what the
   * block's top-level transactions explain (value in, value and gas out). ganache mines one
   * transaction per block and its structLogs leave out calls into accounts without code, so
   * the balance change is the reliable trace here; reverted inner calls change nothing.
   */
  const internal = new Map<string, EtherscanTx[]>();
  async function internalOf(n: number, address: string): Promise<EtherscanTx[]> {
    const key = `${n}:${address}`;
    let rows = internal.get(key);
    if (rows) return rows;
    rows = [];
    const txs = await indexed(n);
    if (txs.length === 1 && n > 0) {
      const t = txs[0]!;
      const [now, before] = await Promise.all([
        chain.pub.getBalance({ address: address as `0x${string}`, blockNumber: BigInt(n) }),
        chain.pub.getBalance({ address: address as `0x${string}`, blockNumber: BigInt(n - 1) }),
      ]);
      const ok = t.isError === '0';
      let explained = 0n;
      if (ok && t.to === address) explained += BigInt(t.value!);
      if (t.from === address) explained -= (ok ? BigInt(t.value!) : 0n) + BigInt(t.gasUsed!) * BigInt(t.gasPrice!);
      const moved = now - before - explained;
      const contract = t.to || t.contractAddress!;
      if (moved !== 0n) {
        rows.push({
          blockNumber: t.blockNumber!,
          timeStamp: t.timeStamp!,
          hash: t.hash!,
          from: moved > 0n ? contract : address,
          to: moved > 0n ? address : contract,
          value: String(moved > 0n ? moved : -moved),
          contractAddress: '',
          input: '',
          type: 'call',
          gas: '0',
          gasUsed: '0',
          traceId: '0',
          isError: '0',
          errCode: '',
        });
      }
    }
    internal.set(key, rows);
    return rows;
  }
  const server = await startLocalServer(async (req, res) => {
    calls++;
    const q = new URL(req.url, 'http://x').searchParams;
    if (options.apiKey && q.get('apikey') !== options.apiKey) return sendJson(res, 200, { status: '0', message: 'NOTOK', result: 'Invalid API Key' });
    const action = q.get('action');
    if (q.get('module') !== 'account' || (action !== 'txlist' && action !== 'txlistinternal'))
      return sendJson(res, 200, { status: '0', message: 'NOTOK', result: 'Error! Missing Or invalid Action name' });
    const address = (q.get('address') ?? '').toLowerCase();
    const latest = Number(await chain.pub.getBlockNumber({ cacheTime: 0 }));
    const start = Number(q.get('startblock') ?? 0);
    const end = Math.min(latest, Number(q.get('endblock') ?? latest));
    const page = Number(q.get('page') ?? 1);
    const offset = Number(q.get('offset') ?? 10000);
    const all: EtherscanTx[] = [];
    for (let n = start; n <= end; n++) {
      if (action === 'txlistinternal') all.push(...(await internalOf(n, address)));
      else for (const t of await indexed(n)) if (t.from === address || t.to === address) all.push(t);
    }
    const result = all.slice((page - 1) * offset, page * offset);
    sendJson(res, 200, result.length ? { status: '1', message: 'OK', result } : { status: '0', message: 'No transactions found', result: [] });
  });
  return { ...server, calls: () => calls };
}

type RpcRequest = { jsonrpc: '2.0'; id: number | string; method: string; params?: unknown[] };

/**
 * `traces`: a hosted node's call tracer — `debug_traceTransaction` with `callTracer` answers
 * the frame tree given for the hash, a frame moving nothing for any other (ganache itself only
 * answers structLogs).
 */
export async function startRpcProxy(
  target: string,
  options: { maxLogRange?: number; rateLimitEvery?: number; retryAfter?: string; traces?: Map<string, unknown> } = {},
) {
  let count = 0;
  const stats = { requests: 0, rateLimited: 0, rangeRefused: 0, getLogs: 0, traces: 0 };
  async function forward(r: RpcRequest): Promise<unknown> {
    if (r.method === 'debug_traceTransaction') stats.traces++;
    if (r.method === 'debug_traceTransaction' && options.traces && (r.params?.[1] as { tracer?: string } | undefined)?.tracer === 'callTracer') {
      const frame = options.traces.get(String(r.params?.[0]).toLowerCase());
      return {
        jsonrpc: '2.0',
        id: r.id,
        result: frame ?? { type: 'CALL', from: '0x0000000000000000000000000000000000000001', to: '0x0000000000000000000000000000000000000002', value: '0x0' },
      };
    }
    if (r.method === 'eth_getLogs') {
      stats.getLogs++;
      const f = (r.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      const span = Number(f.toBlock) - Number(f.fromBlock) + 1;
      if (options.maxLogRange && span > options.maxLogRange) {
        stats.rangeRefused++;
        return {
          jsonrpc: '2.0',
          id: r.id,
          error: { code: -32602, message: `Log response size exceeded. You can make eth_getLogs requests with up to a ${options.maxLogRange} block range.` },
        };
      }
    }
    const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
    return res.json();
  }
  const server = await startLocalServer(async (req, res) => {
    stats.requests++;
    if (options.rateLimitEvery && ++count % options.rateLimitEvery === 0) {
      stats.rateLimited++;
      return sendJson(
        res,
        429,
        { jsonrpc: '2.0', id: null, error: { code: 429, message: 'Your app has exceeded its compute units per second capacity.' } },
        { 'retry-after': options.retryAfter ?? '0' },
      );
    }
    const body = JSON.parse(req.body) as RpcRequest | RpcRequest[];
    sendJson(res, 200, Array.isArray(body) ? await Promise.all(body.map(forward)) : await forward(body));
  });
  return { ...server, stats };
}
