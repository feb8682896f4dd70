/**
 * Solana over JSON-RPC: `getBalance`, `getTokenAccountsByOwner` (SPL Token and Token-2022,
 * jsonParsed), `getSignaturesForAddress` paged with `before` down to the last imported
 * signature (`until`), and `getTransaction` for each, oldest first. A transaction's legs are
 * the owner's balance changes (pre/post balances and token balances) with the network fee
 * as its own leg when the owner paid it; a failed transaction keeps only its fee.
 *
 * The cursor is the newest signature imported: pages advance it in order, so a restart
 * resumes after the last stored page.
 */
import { formatUnits } from 'viem';
import { PermanentSourceError, type AssetInfo, type Holding, type Source, type SourceLeg, type SourceTransaction, type SyncContext } from '../source.ts';
import { nativeAsset, tokenAsset } from './assets.ts';
import { jsonRpc, mapLimit, type HttpOptions } from './http.ts';
import { isSpamToken } from './spam.ts';

export const TOKEN_PROGRAM = 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA';
export const TOKEN_2022_PROGRAM = 'TokenzQdBNbLqP5VEhdkAS6EPFwWZ9t5UH1WnLVzYUx9K';

export type SolanaSourceOptions = { rpcUrl: string; timeoutMs: number; signaturesPerPage?: number; pageSize?: number; knownTokens?: AssetInfo[] };

type TokenAmount = { amount: string; decimals: number };
type TokenBalance = { accountIndex: number; mint: string; owner?: string; uiTokenAmount: TokenAmount };
type AccountKey = string | { pubkey: string; signer: boolean; writable: boolean };
type SolTx = {
  blockTime: number | null;
  slot: number;
  meta: {
    err: unknown;
    fee: number;
    preBalances: number[];
    postBalances: number[];
    preTokenBalances?: TokenBalance[];
    postTokenBalances?: TokenBalance[];
  } | null;
  transaction: { message: { accountKeys: AccountKey[] }; signatures: string[] };
};
type SignatureInfo = { signature: string; slot: number; err: unknown; blockTime: number | null };

const BASE58 = /^[1-9A-HJ-NP-Za-km-z]{32,44}$/;

export function createSolanaSource(options: SolanaSourceOptions): Source {
  const native = nativeAsset('solana');
  const known = new Map((options.knownTokens ?? []).map((t) => [t.contract!, t]));
  const rpc = <T>(method: string, params: unknown[], signal: AbortSignal) =>
    jsonRpc<T>(options.rpcUrl, method, params, { timeoutMs: options.timeoutMs, signal } satisfies HttpOptions);

  const owner = (ctx: SyncContext) => {
    const a = ctx.integration.address;
    if (!a || !BASE58.test(a)) throw new PermanentSourceError('The integration has no valid Solana address');
    return a;
  };
  const splAsset = (mint: string, decimals: number): AssetInfo =>
    known.get(mint) ??
    tokenAsset('solana', mint, {
      symbol: mint.slice(0, 4).toUpperCase(),
      name: `SPL token ${mint.slice(0, 4)}…${mint.slice(-4)}`,
      decimals,
      coingeckoId: null,
    });

  /** Unknown mints carry no metadata on chain without Metaplex: keep their mint as the id, spam only by the list or zero decimals. */
  const splAssetChecked = (mint: string, decimals: number) => {
    const a = splAsset(mint, decimals);
    return known.has(mint) ? a : { ...a, isSpam: isSpamToken({ ...a, symbol: 'SPL', name: 'SPL token' }) };
  };

  return {
    name: 'solana',
    async balances(ctx): Promise<Holding[]> {
      const address = owner(ctx);
      const [balance, ...programs] = await Promise.all([
        rpc<{ value: number }>('getBalance', [address, { commitment: 'finalized' }], ctx.signal),
        ...[TOKEN_PROGRAM, TOKEN_2022_PROGRAM].map((programId) =>
          rpc<{ value: { pubkey: string; account: { data: { parsed: { info: { mint: string; tokenAmount: TokenAmount } } } } }[] }>(
            'getTokenAccountsByOwner',
            [address, { programId }, { encoding: 'jsonParsed', commitment: 'finalized' }],
            ctx.signal,
          ),
        ),
      ]);
      const holdings: Holding[] = [];
      if (balance!.value > 0) holdings.push({ asset: native, quantity: formatUnits(BigInt(balance!.value), 9) });
      const byMint = new Map<string, { raw: bigint; decimals: number }>();
      for (const program of programs) {
        for (const acc of (program as { value: { account: { data: { parsed: { info: { mint: string; tokenAmount: TokenAmount } } } } }[] }).value) {
          const { mint, tokenAmount } = acc.account.data.parsed.info;
          const prev = byMint.get(mint);
          byMint.set(mint, { raw: (prev?.raw ?? 0n) + BigInt(tokenAmount.amount), decimals: tokenAmount.decimals });
        }
      }
      for (const [mint, { raw, decimals }] of byMint)
        if (raw > 0n) holdings.push({ asset: splAssetChecked(mint, decimals), quantity: formatUnits(raw, decimals) });
      return holdings;
    },
    async *transactions(ctx) {
      const address = owner(ctx);
      const until = ctx.cursor ?? undefined;
      const limit = options.signaturesPerPage ?? 1000;
      const signatures: SignatureInfo[] = [];
      for (let before: string | undefined; ;) {
        ctx.signal.throwIfAborted();
        const page = await rpc<SignatureInfo[]>(
          'getSignaturesForAddress',
          [address, { limit, commitment: 'finalized', ...(before ? { before } : {}), ...(until ? { until } : {}) }],
          ctx.signal,
        );
        signatures.push(...page);
        if (page.length < limit) break;
        before = page.at(-1)!.signature;
      }
      signatures.reverse(); // oldest first
      const pageSize = options.pageSize ?? 100;
      for (let i = 0; i < signatures.length; i += pageSize) {
        const slice = signatures.slice(i, i + pageSize);
        const assets = new Map<string, AssetInfo>();
        const txs = await mapLimit(slice, 8, (s) =>
          rpc<SolTx | null>(
            'getTransaction',
            [s.signature, { encoding: 'jsonParsed', maxSupportedTransactionVersion: 0, commitment: 'finalized' }],
            ctx.signal,
          ),
        );
        const transactions: SourceTransaction[] = [];
        slice.forEach((s, k) => {
          const tx = txs[k];
          if (tx?.meta) transactions.push(toTransaction(address, s, tx, assets));
        });
        yield { transactions, assets: [...assets.values()], cursor: slice.at(-1)!.signature };
      }
    },
  };

  function toTransaction(address: string, s: SignatureInfo, tx: SolTx, assets: Map<string, AssetInfo>): SourceTransaction {
    const meta = tx.meta!;
    const keys = tx.transaction.message.accountKeys.map((k) => (typeof k === 'string' ? k : k.pubkey));
    const index = keys.indexOf(address);
    const failed = meta.err !== null && meta.err !== undefined;
    const feePayer = keys[0] === address;
    const legs: SourceLeg[] = [];
    const spam: boolean[] = [];
    if (index >= 0) {
      // The fee is taken from the payer's lamports: add it back to see what moved.
      const delta = BigInt(meta.postBalances[index]!) - BigInt(meta.preBalances[index]!) + (feePayer ? BigInt(meta.fee) : 0n);
      if (!failed && delta !== 0n) {
        legs.push({ kind: delta > 0n ? 'incoming' : 'outgoing', assetId: native.id, quantity: formatUnits(delta > 0n ? delta : -delta, 9), price: null });
        spam.push(false);
      }
    }
    if (!failed) {
      const change = new Map<string, { raw: bigint; decimals: number }>();
      const add = (b: TokenBalance, sign: 1n | -1n) => {
        if (b.owner !== address) return;
        const prev = change.get(b.mint);
        change.set(b.mint, { raw: (prev?.raw ?? 0n) + sign * BigInt(b.uiTokenAmount.amount), decimals: b.uiTokenAmount.decimals });
      };
      for (const b of meta.postTokenBalances ?? []) add(b, 1n);
      for (const b of meta.preTokenBalances ?? []) add(b, -1n);
      for (const [mint, { raw, decimals }] of change) {
        if (raw === 0n) continue;
        const asset = splAssetChecked(mint, decimals);
        assets.set(asset.id, asset);
        legs.push({ kind: raw > 0n ? 'incoming' : 'outgoing', assetId: asset.id, quantity: formatUnits(raw > 0n ? raw : -raw, decimals), price: null });
        spam.push(asset.isSpam);
      }
    }
    if (feePayer && meta.fee > 0) legs.push({ kind: 'fee', assetId: native.id, quantity: formatUnits(BigInt(meta.fee), 9), price: null });
    if (legs.some((l) => l.assetId === native.id)) assets.set(native.id, native);
    const ins = legs.filter((l) => l.kind === 'incoming').length;
    const outs = legs.filter((l) => l.kind === 'outgoing').length;
    const isSpam = spam.length > 0 && spam.every(Boolean);
    const [type, label]: [SourceTransaction['type'], string] = failed
      ? ['payment', 'Failed']
      : ins && outs
        ? ['trade', 'Swap']
        : ins
          ? ['deposit', isSpam ? 'Spam' : 'Deposit']
          : outs
            ? ['withdrawal', 'Withdrawal']
            : ['payment', 'Fee'];
    return {
      externalId: s.signature,
      platformId: s.signature,
      timestamp: (tx.blockTime ?? s.blockTime ?? 0) * 1000,
      type,
      label,
      description: null,
      legs,
      isSpam,
      failed,
      raw: { chain: 'solana', slot: tx.slot },
    };
  }
}
