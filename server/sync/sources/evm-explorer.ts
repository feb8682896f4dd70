/**
 * Native transactions of an address from an Etherscan-compatible explorer
 * (`?module=account&action=txlist`, Etherscan v2 `chainid` included; Blockscout and most
 * forks answer the same), and the internal transfers — ether moved by a contract inside a
 * transaction, found by tracing (`action=txlistinternal`: unwraps, swap outputs, payouts). Pages by block: a full page moves `startblock` to its last block
 * and drops what was already seen. The API key travels in the query, so URLs are redacted.
 */
import { PermanentSourceError } from '../source.ts';
import { requestJson, sleep } from './http.ts';

export type ExplorerTx = {
  hash: string;
  blockNumber: string;
  timeStamp: string;
  from: string;
  to: string;
  value: string;
  gasUsed: string;
  gasPrice: string;
  isError?: string;
  txreceipt_status?: string;
  contractAddress?: string;
  transactionIndex?: string;
  /** Internal transfers: the position in the call tree (`0_1`), unique within a transaction. */
  traceId?: string;
};

type Reply = { status: string; message: string; result: ExplorerTx[] | string };

const PAGE = 1000;

export async function fetchExplorerTxs(o: {
  url: string;
  apiKey?: string;
  chainId?: number;
  address: string;
  fromBlock: number;
  toBlock: number;
  timeoutMs: number;
  signal: AbortSignal;
  pageSize?: number;
  action?: 'txlist' | 'txlistinternal';
}): Promise<ExplorerTx[]> {
  const out: ExplorerTx[] = [];
  const seen = new Set<string>();
  const pageSize = o.pageSize ?? PAGE;
  let start = o.fromBlock;
  for (let limited = 0; ;) {
    const q = new URLSearchParams({
      module: 'account',
      action: o.action ?? 'txlist',
      address: o.address,
      startblock: String(start),
      endblock: String(o.toBlock),
      page: '1',
      offset: String(pageSize),
      sort: 'asc',
    });
    if (o.chainId !== undefined) q.set('chainid', String(o.chainId));
    if (o.apiKey) q.set('apikey', o.apiKey);
    const reply = await requestJson<Reply>(`${o.url}${o.url.includes('?') ? '&' : '?'}${q}`, { timeoutMs: o.timeoutMs, signal: o.signal });
    if (reply.status !== '1' || !Array.isArray(reply.result)) {
      const text = typeof reply.result === 'string' ? reply.result : reply.message;
      if (/no transactions found/i.test(reply.message) || (Array.isArray(reply.result) && reply.result.length === 0)) break;
      // Etherscan answers rate limits with HTTP 200 and status "0".
      if (/rate limit/i.test(text) && limited < 5) {
        await sleep(1000 * 2 ** limited++, o.signal);
        continue;
      }
      if (/api ?key|unauthori[sz]ed|forbidden/i.test(text)) throw new PermanentSourceError(`The block explorer rejected its API key: ${text.slice(0, 120)}`);
      throw new Error(`The block explorer failed: ${text.slice(0, 160)}`);
    }
    limited = 0;
    let fresh = 0;
    for (const t of reply.result) {
      // A transaction has one txlist row but may hold several internal transfers.
      const key = o.action === 'txlistinternal' ? `${t.hash}:${t.traceId ?? ''}:${t.from}:${t.to}:${t.value}` : t.hash;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(t);
      fresh++;
    }
    if (reply.result.length < pageSize) break;
    const last = Number(reply.result.at(-1)!.blockNumber);
    // A block holding more than a page of the address's transactions cannot be paged by block.
    if (fresh === 0) throw new Error(`The block explorer returned more than ${pageSize} transactions in block ${last}`);
    start = last;
  }
  return out;
}
