/**
 * Servers in front of the local chain: an Etherscan-compatible explorer (`txlist`, indexed
 * from the chain itself, paged like Etherscan, API key checked) and a JSON-RPC proxy that
 * behaves like a hosted node — `eth_getLogs` over more than `maxLogRange` blocks is refused
 * with Alchemy's "block range" error, and every `rateLimitEvery`-th request gets a 429.
 */
import type { PublicClient } from 'viem';
import { sendJson, startLocalServer, type LocalServer } from './local-http.ts';

type EtherscanTx = Record<string, string>;

export async function startExplorer(chain: { url: string; pub: PublicClient }, options: { apiKey?: string } = {}): Promise<LocalServer & { calls: () => number }> {
  const blocks = new Map<number, EtherscanTx[]>();
  let calls = 0;
  async function indexed(n: number): Promise<EtherscanTx[]> {
    let txs = blocks.get(n);
    if (txs) return txs;
    const block = await chain.pub.getBlock({ blockNumber: BigInt(n), includeTransactions: true });
    txs = await Promise.all(block.transactions.map(async (t) => {
      const r = await chain.pub.getTransactionReceipt({ hash: t.hash });
      return {
        blockNumber: String(n), timeStamp: String(block.timestamp), hash: t.hash, nonce: String(t.nonce), blockHash: block.hash!, transactionIndex: String(t.transactionIndex),
        from: t.from.toLowerCase(), to: (t.to ?? '').toLowerCase(), value: String(t.value), gas: String(t.gas), gasPrice: String(r.effectiveGasPrice),
        isError: r.status === 'success' ? '0' : '1', txreceipt_status: r.status === 'success' ? '1' : '0', input: t.input, contractAddress: (r.contractAddress ?? '').toLowerCase(),
        cumulativeGasUsed: String(r.cumulativeGasUsed), gasUsed: String(r.gasUsed), confirmations: '1',
      };
    }));
    blocks.set(n, txs);
    return txs;
  }
  const server = await startLocalServer(async (req, res) => {
    calls++;
    const q = new URL(req.url, 'http://x').searchParams;
    if (options.apiKey && q.get('apikey') !== options.apiKey) return sendJson(res, 200, { status: '0', message: 'NOTOK', result: 'Invalid API Key' });
    if (q.get('module') !== 'account' || q.get('action') !== 'txlist') return sendJson(res, 200, { status: '0', message: 'NOTOK', result: 'Error! Missing Or invalid Action name' });
    const address = (q.get('address') ?? '').toLowerCase();
    const latest = Number(await chain.pub.getBlockNumber({ cacheTime: 0 }));
    const start = Number(q.get('startblock') ?? 0);
    const end = Math.min(latest, Number(q.get('endblock') ?? latest));
    const page = Number(q.get('page') ?? 1);
    const offset = Number(q.get('offset') ?? 10000);
    const all: EtherscanTx[] = [];
    for (let n = start; n <= end; n++) for (const t of await indexed(n)) if (t.from === address || t.to === address) all.push(t);
    const result = all.slice((page - 1) * offset, page * offset);
    sendJson(res, 200, result.length ? { status: '1', message: 'OK', result } : { status: '0', message: 'No transactions found', result: [] });
  });
  return { ...server, calls: () => calls };
}

type RpcRequest = { jsonrpc: '2.0'; id: number | string; method: string; params?: unknown[] };

export async function startRpcProxy(target: string, options: { maxLogRange?: number; rateLimitEvery?: number; retryAfter?: string } = {}) {
  let count = 0;
  const stats = { requests: 0, rateLimited: 0, rangeRefused: 0, getLogs: 0 };
  async function forward(r: RpcRequest): Promise<unknown> {
    if (r.method === 'eth_getLogs') {
      stats.getLogs++;
      const f = (r.params?.[0] ?? {}) as { fromBlock?: string; toBlock?: string };
      const span = Number(f.toBlock) - Number(f.fromBlock) + 1;
      if (options.maxLogRange && span > options.maxLogRange) {
        stats.rangeRefused++;
        return { jsonrpc: '2.0', id: r.id, error: { code: -32602, message: `Log response size exceeded. You can make eth_getLogs requests with up to a ${options.maxLogRange} block range.` } };
      }
    }
    const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
    return res.json();
  }
  const server = await startLocalServer(async (req, res) => {
    stats.requests++;
    if (options.rateLimitEvery && ++count % options.rateLimitEvery === 0) {
      stats.rateLimited++;
      return sendJson(res, 429, { jsonrpc: '2.0', id: null, error: { code: 429, message: 'Your app has exceeded its compute units per second capacity.' } }, { 'retry-after': options.retryAfter ?? '0' });
    }
    const body = JSON.parse(req.body) as RpcRequest | RpcRequest[];
    sendJson(res, 200, Array.isArray(body) ? await Promise.all(body.map(forward)) : await forward(body));
  });
  return { ...server, stats };
}
