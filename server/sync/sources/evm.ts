/**
 * EVM chains over JSON-RPC (viem, batched requests): native and ERC-20 balances at one block
 * (the shipped token list plus every token the address ever received), ERC-20 transfers from
 * `eth_getLogs` in chunked block ranges that shrink when the node says the range is too
 * large, gas fees from receipts, and native transfers through an Etherscan-compatible
 * explorer when one is configured — its `txlist` and its internal transfers (`txlistinternal`:
 * ether a contract moved inside a transaction). Without an explorer, the transactions the logs
 * reveal are traced (`debug_traceTransaction`, callTracer) where the node offers it, for
 * their top-level and internal ether. Amounts are exact (`formatUnits` of the on-chain integers).
 *
 * The cursor is `{"block": <last block fully imported>, "tokens": [<contracts seen>]}`: a
 * `latest` re-sync scans only newer blocks, and balances still cover every token seen before.
 */
import { createPublicClient, formatUnits, getAddress, http, pad, toEventSelector, type Hex, type PublicClient } from 'viem';
import {
  PermanentSourceError,
  type AssetInfo,
  type Holding,
  type Source,
  type SourceLeg,
  type SourceTransaction,
  type SyncContext,
  type TransactionPage,
} from '../source.ts';
import { nativeAsset, tokenAsset } from './assets.ts';
import { fetchExplorerTxs, type ExplorerTx } from './evm-explorer.ts';
import { etherMoves, isCallFrame } from './evm-trace.ts';
import { mapLimit } from './http.ts';

export type EvmSourceOptions = {
  chain: string;
  rpcUrl: string;
  explorerUrl?: string;
  explorerApiKey?: string;
  chainId?: number;
  /** Tokens whose balances are always read (the chain's token list). */
  tokens: AssetInfo[];
  logChunkBlocks: number;
  timeoutMs: number;
  /** Transactions per page handed to the runner (default 250). */
  pageSize?: number;
};

export const TRANSFER_TOPIC = toEventSelector('event Transfer(address indexed from, address indexed to, uint256 value)');

const ERC20_META = [
  { type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ type: 'uint256' }] },
  { type: 'function', name: 'decimals', stateMutability: 'view', inputs: [], outputs: [{ type: 'uint8' }] },
  { type: 'function', name: 'symbol', stateMutability: 'view', inputs: [], outputs: [{ type: 'string' }] },
  { type: 'function', name: 'name', stateMutability: 'view', inputs: [], outputs: [{ type: 'string' }] },
] as const;

type Cursor = { block: number; tokens: string[] };

function parseCursor(text: string | null): Cursor | null {
  if (!text) return null;
  try {
    const c = JSON.parse(text) as Partial<Cursor>;
    return typeof c.block === 'number' && Array.isArray(c.tokens) ? { block: c.block, tokens: c.tokens.filter((t) => typeof t === 'string') } : null;
  } catch {
    return null;
  }
}

/** Node errors that mean "ask for fewer blocks" (Alchemy, Infura, QuickNode, geth, erigon wordings). */
const RANGE_TOO_LARGE =
  /block range|range (is )?too (large|wide|big)|too many (blocks|results)|more than \d+ (results|logs)|response size|exceed(s|ed)? (the )?max|limit exceeded|query timeout|-32005/i;

export const isRangeTooLarge = (error: unknown): boolean => {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (RANGE_TOO_LARGE.test(e.message) || (e as { code?: number }).code === -32005) return true;
    const details = (e as { details?: string }).details;
    if (details && RANGE_TOO_LARGE.test(details)) return true;
  }
  return false;
};

/** A node that does not offer the call tracer (method unknown or disabled, tracer unknown). */
const NO_TRACER = /does not exist|not available|not supported|unsupported|method not found|unknown tracer|not whitelisted|not allowed|-32601/i;

type RawLog = { address: Hex; topics: Hex[]; data: Hex; blockNumber: Hex; transactionHash: Hex; logIndex: Hex; transactionIndex: Hex };

type Movement = {
  hash: string;
  block: number;
  index: number;
  tokensIn: Map<string, bigint>;
  tokensOut: Map<string, bigint>;
  nativeIn: bigint;
  nativeOut: bigint;
  fee: bigint;
  failed: boolean;
  timestamp?: number;
  counterparty?: string;
  /** Fee and status already known (from the explorer). */
  settled: boolean;
};

type Scan = { fromBlock: number; toBlock: number; movements: Movement[]; tokens: Set<string> };

export function createEvmSource(options: EvmSourceOptions): Source {
  const client: PublicClient = createPublicClient({
    transport: http(options.rpcUrl, { batch: { batchSize: 100, wait: 0 }, timeout: options.timeoutMs, retryCount: 4, retryDelay: 250 }),
  });
  const { chain } = options;
  const known = new Map(options.tokens.map((t) => [t.contract!, t]));
  const metaCache = new Map<string, Promise<AssetInfo | null>>();
  let scanning: Promise<Scan> | undefined;

  const ownAddress = (ctx: SyncContext): Hex => {
    const a = ctx.integration.address;
    if (!a || !/^0x[0-9a-fA-F]{40}$/.test(a)) throw new PermanentSourceError(`The integration has no valid ${chain} address`);
    return getAddress(a);
  };

  /** Metadata of a token contract: the token list's, or read from the contract (null: not an ERC-20). */
  function tokenInfo(contract: string): Promise<AssetInfo | null> {
    const hit = known.get(contract);
    if (hit) return Promise.resolve(hit);
    let p = metaCache.get(contract);
    if (!p) {
      p = (async () => {
        const address = contract as Hex;
        const [decimals, symbol, name] = await Promise.allSettled([
          client.readContract({ address, abi: ERC20_META, functionName: 'decimals' }),
          client.readContract({ address, abi: ERC20_META, functionName: 'symbol' }),
          client.readContract({ address, abi: ERC20_META, functionName: 'name' }),
        ]);
        if (decimals.status === 'rejected') return null;
        const sym = symbol.status === 'fulfilled' ? symbol.value : '';
        return tokenAsset(chain, contract, {
          symbol: sym || '?',
          name: name.status === 'fulfilled' && name.value ? name.value : sym || 'Unknown token',
          decimals: Number(decimals.value),
          coingeckoId: null,
        });
      })();
      metaCache.set(contract, p);
    }
    return p;
  }

  async function getLogs(fromBlock: number, toBlock: number, topics: (Hex | null)[]): Promise<RawLog[]> {
    return (await client.request({
      method: 'eth_getLogs',
      params: [{ fromBlock: `0x${fromBlock.toString(16)}`, toBlock: `0x${toBlock.toString(16)}`, topics } as never],
    })) as unknown as RawLog[];
  }

  /** Transfer logs of the address in `[from, to]`, in chunks that halve on "range too large" and grow back. */
  async function transferLogs(address: Hex, from: number, to: number, signal: AbortSignal): Promise<RawLog[]> {
    const padded = pad(address.toLowerCase() as Hex, { size: 32 });
    const out: RawLog[] = [];
    let chunk = options.logChunkBlocks;
    let successes = 0;
    for (let start = from; start <= to;) {
      signal.throwIfAborted();
      const end = Math.min(to, start + chunk - 1);
      try {
        const [incoming, outgoing] = await Promise.all([getLogs(start, end, [TRANSFER_TOPIC, null, padded]), getLogs(start, end, [TRANSFER_TOPIC, padded])]);
        out.push(...incoming, ...outgoing);
        start = end + 1;
        if (++successes >= 4 && chunk < options.logChunkBlocks) {
          chunk = Math.min(options.logChunkBlocks, chunk * 2);
          successes = 0;
        }
      } catch (error) {
        if (!isRangeTooLarge(error) || chunk === 1) throw error;
        chunk = Math.max(1, Math.floor(chunk / 2));
        successes = 0;
      }
    }
    // ERC-721 shares the event signature with a fourth (tokenId) topic: keep ERC-20 only.
    return out.filter((l) => l.topics.length === 3 && l.data.length === 66);
  }

  /**
   * Ether moved in transactions the logs revealed, from the node's call tracer. A node without
   * it (method unknown, no callTracer: ganache and Hardhat answer structLogs, kept small by the
   * disable* options) is asked once.
   */
  let tracerMissing = false;
  async function traceEther(movements: Movement[], me: string, signal: AbortSignal): Promise<void> {
    if (tracerMissing || movements.length === 0) return;
    const trace = (hash: string) =>
      client.request({
        method: 'debug_traceTransaction',
        params: [hash as Hex, { tracer: 'callTracer', disableStack: true, disableStorage: true, disableMemory: true }],
      } as never) as Promise<unknown>;
    const first = await trace(movements[0]!.hash).catch((error: unknown) => {
      if (NO_TRACER.test(error instanceof Error ? `${error.message} ${(error as { details?: string }).details ?? ''}` : String(error))) return null;
      throw error;
    });
    if (!isCallFrame(first)) {
      tracerMissing = true;
      return;
    }
    await mapLimit(movements, 16, async (m, i) => {
      signal.throwIfAborted();
      const frame = i === 0 ? first : await trace(m.hash);
      if (!isCallFrame(frame)) return;
      const moved = etherMoves(frame, me);
      m.nativeIn += moved.in;
      m.nativeOut += moved.out;
    });
  }

  function scan(ctx: SyncContext): Promise<Scan> {
    scanning ??= (async () => {
      const address = ownAddress(ctx);
      const me = address.toLowerCase();
      const cursor = parseCursor(ctx.cursor);
      const toBlock = Number(await client.getBlockNumber({ cacheTime: 0 }));
      const fromBlock = cursor ? cursor.block + 1 : 0;
      const byHash = new Map<string, Movement>();
      const movement = (hash: string, block: number, index: number): Movement => {
        let m = byHash.get(hash);
        if (!m)
          byHash.set(
            hash,
            (m = { hash, block, index, tokensIn: new Map(), tokensOut: new Map(), nativeIn: 0n, nativeOut: 0n, fee: 0n, failed: false, settled: false }),
          );
        return m;
      };
      const tokens = new Set(cursor?.tokens ?? []);
      if (fromBlock <= toBlock) {
        const logs = await transferLogs(address, fromBlock, toBlock, ctx.signal);
        const seen = new Set<string>();
        for (const log of logs) {
          const key = `${log.transactionHash}:${log.logIndex}`;
          if (seen.has(key)) continue; // a self-transfer matches both queries
          seen.add(key);
          const contract = log.address.toLowerCase();
          const from = `0x${log.topics[1]!.slice(26)}`;
          const to = `0x${log.topics[2]!.slice(26)}`;
          const value = BigInt(log.data);
          const m = movement(log.transactionHash, Number(log.blockNumber), Number(log.transactionIndex));
          if (to === me) {
            m.tokensIn.set(contract, (m.tokensIn.get(contract) ?? 0n) + value);
            tokens.add(contract);
            m.counterparty ??= from;
          }
          if (from === me) {
            m.tokensOut.set(contract, (m.tokensOut.get(contract) ?? 0n) + value);
            tokens.add(contract);
            m.counterparty ??= to;
          }
        }
        if (options.explorerUrl) {
          const txs: ExplorerTx[] = await fetchExplorerTxs({
            url: options.explorerUrl,
            apiKey: options.explorerApiKey,
            chainId: options.chainId,
            address,
            fromBlock,
            toBlock,
            timeoutMs: options.timeoutMs,
            signal: ctx.signal,
          });
          for (const t of txs) {
            const m = movement(t.hash.toLowerCase() as Hex, Number(t.blockNumber), Number(t.transactionIndex ?? 0));
            const value = BigInt(t.value);
            const failed = t.isError === '1' || t.txreceipt_status === '0';
            if (!failed && t.to.toLowerCase() === me) m.nativeIn += value;
            if (t.from.toLowerCase() === me) {
              if (!failed) m.nativeOut += value;
              m.fee = BigInt(t.gasUsed) * BigInt(t.gasPrice);
            }
            m.failed = failed;
            m.timestamp = Number(t.timeStamp) * 1000;
            m.counterparty ??= t.from.toLowerCase() === me ? t.to || t.contractAddress : t.from;
            m.settled = true;
          }
          // Ether a contract moved to or from the address inside any transaction (sent by anyone).
          const internal = await fetchExplorerTxs({
            url: options.explorerUrl,
            apiKey: options.explorerApiKey,
            chainId: options.chainId,
            address,
            fromBlock,
            toBlock,
            timeoutMs: options.timeoutMs,
            signal: ctx.signal,
            action: 'txlistinternal',
          });
          for (const t of internal) {
            if (t.isError === '1') continue;
            const m = movement(t.hash.toLowerCase() as Hex, Number(t.blockNumber), Number(t.transactionIndex ?? 0));
            const value = BigInt(t.value);
            if (t.to?.toLowerCase() === me) m.nativeIn += value;
            if (t.from?.toLowerCase() === me) m.nativeOut += value;
            m.timestamp ??= Number(t.timeStamp) * 1000;
            m.counterparty ??= t.from.toLowerCase() === me ? t.to : t.from;
          }
        }
      }
      const movements = [...byHash.values()].sort((a, b) => a.block - b.block || a.index - b.index);
      // Gas the address paid for transactions only the logs revealed (with an explorer, every
      // transaction the address sent is already in its list: the rest were sent by others).
      await mapLimit(options.explorerUrl ? [] : movements.filter((m) => !m.settled), 16, async (m) => {
        const r = await client.getTransactionReceipt({ hash: m.hash as Hex });
        if (r.from.toLowerCase() === me) {
          const l1Fee = (r as { l1Fee?: bigint | null }).l1Fee ?? 0n;
          m.fee = r.gasUsed * r.effectiveGasPrice + l1Fee;
        }
        m.failed = r.status === 'reverted';
      });
      if (!options.explorerUrl)
        await traceEther(
          movements.filter((m) => !m.failed),
          me,
          ctx.signal,
        );
      const blocks = [...new Set(movements.filter((m) => m.timestamp === undefined).map((m) => m.block))];
      const times = new Map<number, number>();
      await mapLimit(blocks, 16, async (b) => {
        const block = await client.getBlock({ blockNumber: BigInt(b) });
        times.set(b, Number(block.timestamp) * 1000);
      });
      for (const m of movements) m.timestamp ??= times.get(m.block)!;
      return { fromBlock, toBlock, movements, tokens };
    })();
    return scanning;
  }

  async function toTransaction(m: Movement, native: AssetInfo, assets: Map<string, AssetInfo>): Promise<SourceTransaction> {
    const legs: SourceLeg[] = [];
    const spam: boolean[] = [];
    const tokenLegs = async (amounts: Map<string, bigint>, kind: 'incoming' | 'outgoing') => {
      for (const [contract, value] of amounts) {
        const info = await tokenInfo(contract);
        if (!info || value === 0n) continue;
        assets.set(info.id, info);
        legs.push({ kind, assetId: info.id, quantity: formatUnits(value, info.decimals), price: null });
        spam.push(info.isSpam);
      }
    };
    if (!m.failed) {
      if (m.nativeIn) legs.push({ kind: 'incoming', assetId: native.id, quantity: formatUnits(m.nativeIn, native.decimals), price: null });
      if (m.nativeOut) legs.push({ kind: 'outgoing', assetId: native.id, quantity: formatUnits(m.nativeOut, native.decimals), price: null });
      if (m.nativeIn || m.nativeOut) spam.push(false);
      await tokenLegs(m.tokensIn, 'incoming');
      await tokenLegs(m.tokensOut, 'outgoing');
    }
    if (m.fee) legs.push({ kind: 'fee', assetId: native.id, quantity: formatUnits(m.fee, native.decimals), price: null });
    if (legs.some((l) => l.assetId === native.id)) assets.set(native.id, native);
    const ins = legs.filter((l) => l.kind === 'incoming');
    const outs = legs.filter((l) => l.kind === 'outgoing');
    const isSpam = spam.length > 0 && spam.every(Boolean);
    let type: SourceTransaction['type'];
    let label: string;
    if (m.failed) [type, label] = ['payment', 'Failed'];
    else if (ins.length && outs.length) {
      const self = ins.every((i) => outs.some((o) => o.assetId === i.assetId && o.quantity === i.quantity)) && ins.length === outs.length;
      [type, label] = self ? ['transfer', 'Transfer'] : ['trade', 'Swap'];
    } else if (ins.length) [type, label] = ['deposit', isSpam ? 'Spam' : 'Deposit'];
    else if (outs.length) [type, label] = ['withdrawal', 'Withdrawal'];
    else [type, label] = ['payment', 'Fee'];
    return {
      externalId: m.hash,
      platformId: m.hash,
      timestamp: m.timestamp!,
      type,
      label,
      description: null,
      legs,
      isSpam,
      failed: m.failed,
      raw: { chain, block: m.block, ...(m.counterparty ? { counterparty: m.counterparty } : {}) },
    };
  }

  return {
    name: `evm:${chain}`,
    async balances(ctx): Promise<Holding[]> {
      const address = ownAddress(ctx);
      const s = await scan(ctx);
      const blockNumber = BigInt(s.toBlock);
      const contracts = [...new Set([...known.keys(), ...s.tokens])];
      const [native, ...tokenBalances] = await Promise.all([
        client.getBalance({ address, blockNumber }),
        ...contracts.map((c) =>
          client.readContract({ address: c as Hex, abi: ERC20_META, functionName: 'balanceOf', args: [address], blockNumber }).catch(() => 0n),
        ),
      ]);
      const holdings: Holding[] = [];
      const nativeInfo = nativeAsset(chain);
      if (native! > 0n) holdings.push({ asset: nativeInfo, quantity: formatUnits(native!, nativeInfo.decimals) });
      for (let i = 0; i < contracts.length; i++) {
        const value = tokenBalances[i] as bigint;
        if (value === 0n) continue;
        const info = await tokenInfo(contracts[i]!);
        if (info) holdings.push({ asset: info, quantity: formatUnits(value, info.decimals) });
      }
      return holdings;
    },
    async *transactions(ctx) {
      const s = await scan(ctx);
      const native = nativeAsset(chain);
      const pageSize = options.pageSize ?? 250;
      const tokens = [...s.tokens].sort();
      let i = 0;
      do {
        ctx.signal.throwIfAborted();
        let end = Math.min(s.movements.length, i + pageSize);
        // Pages end on a block boundary, so the cursor (a block) never splits a block.
        while (end < s.movements.length && end > i && s.movements[end]!.block === s.movements[end - 1]!.block) end++;
        const slice = s.movements.slice(i, end);
        const assets = new Map<string, AssetInfo>();
        const transactions: SourceTransaction[] = [];
        for (const m of slice) transactions.push(await toTransaction(m, native, assets));
        const last = end >= s.movements.length ? s.toBlock : slice.at(-1)!.block;
        const page: TransactionPage = {
          transactions,
          assets: [...assets.values()],
          cursor: JSON.stringify({ block: Math.max(last, s.fromBlock - 1), tokens }),
        };
        yield page;
        i = end;
      } while (i < s.movements.length);
    },
  };
}
