/**
 * Bitcoin through an Esplora-compatible REST API (Blockstream's, mempool.space's, or your
 * own electrs): the balance is the sum of the address's confirmed UTXOs (checked against its
 * `chain_stats`), transactions come from `/address/:a/txs/chain[/:last_seen_txid]` (25 per
 * page, newest first) down to the last imported one, then are handed over oldest first.
 *
 * Legs: what the address received in outputs comes in; what its inputs spent goes out, net
 * of change, with the fee as its own leg when the address funded the transaction.
 */
import { formatUnits } from 'viem';
import { PermanentSourceError, type Holding, type Source, type SourceLeg, type SourceTransaction } from '../source.ts';
import { nativeAsset } from './assets.ts';
import { requestJson, SourceHttpError } from './http.ts';

export type BitcoinSourceOptions = { url: string; timeoutMs: number; pageSize?: number };

type Stats = { funded_txo_count: number; funded_txo_sum: number; spent_txo_count: number; spent_txo_sum: number; tx_count: number };
type Utxo = { txid: string; vout: number; value: number; status: { confirmed: boolean; block_height?: number } };
type EsploraTx = {
  txid: string;
  fee: number;
  vin: { txid: string; vout: number; prevout: { scriptpubkey_address?: string; value: number } | null; is_coinbase?: boolean }[];
  vout: { scriptpubkey_address?: string; value: number }[];
  status: { confirmed: boolean; block_height?: number; block_time?: number };
};

type Cursor = { height: number; txid: string };

const ADDRESS =
  /^(bc1[02-9ac-hj-np-z]{11,71}|[13][1-9A-HJ-NP-Za-km-z]{25,34}|tb1[02-9ac-hj-np-z]{11,71}|bcrt1[02-9ac-hj-np-z]{11,71}|[mn2][1-9A-HJ-NP-Za-km-z]{25,34})$/;

export function createBitcoinSource(options: BitcoinSourceOptions): Source {
  const btc = nativeAsset('bitcoin');
  const get = <T>(path: string, signal: AbortSignal) =>
    requestJson<T>(`${options.url}${path}`, { timeoutMs: options.timeoutMs, signal }).catch((error: unknown) => {
      if (error instanceof SourceHttpError && error.status === 400)
        throw new PermanentSourceError(`The Esplora API refused the address: ${error.body.slice(0, 100)}`);
      throw error;
    });
  const addressOf = (a: string | null) => {
    if (!a || !ADDRESS.test(a)) throw new PermanentSourceError('The integration has no valid Bitcoin address');
    return a;
  };
  const sats = (n: bigint) => formatUnits(n, 8);

  return {
    name: 'bitcoin',
    async balances(ctx): Promise<Holding[]> {
      const address = addressOf(ctx.integration.address);
      const [info, utxos] = await Promise.all([
        get<{ chain_stats: Stats }>(`/address/${address}`, ctx.signal),
        get<Utxo[]>(`/address/${address}/utxo`, ctx.signal),
      ]);
      const confirmed = utxos.filter((u) => u.status.confirmed).reduce((n, u) => n + BigInt(u.value), 0n);
      const stats = BigInt(info.chain_stats.funded_txo_sum) - BigInt(info.chain_stats.spent_txo_sum);
      // The two calls can straddle a new block; the stats are the address's own summary.
      const balance = confirmed === stats ? confirmed : stats;
      return balance > 0n ? [{ asset: btc, quantity: sats(balance) }] : [];
    },
    async *transactions(ctx) {
      const address = addressOf(ctx.integration.address);
      let cursor: Cursor | null;
      try {
        cursor = ctx.cursor ? (JSON.parse(ctx.cursor) as Cursor) : null;
      } catch {
        cursor = null;
      }
      const fresh: EsploraTx[] = [];
      for (let last: string | undefined; ;) {
        ctx.signal.throwIfAborted();
        const page = await get<EsploraTx[]>(`/address/${address}/txs/chain${last ? `/${last}` : ''}`, ctx.signal);
        let reached = false;
        for (const tx of page) {
          if (cursor && (tx.txid === cursor.txid || (tx.status.block_height ?? 0) < cursor.height)) {
            reached = true;
            break;
          }
          fresh.push(tx);
        }
        if (reached || page.length < 25) break;
        last = page.at(-1)!.txid;
      }
      fresh.reverse();
      const size = options.pageSize ?? 100;
      for (let i = 0; i < fresh.length; i += size) {
        const slice = fresh.slice(i, i + size);
        const transactions = slice.map((tx) => toTransaction(address, tx));
        const last = slice.at(-1)!;
        yield { transactions, assets: [btc], cursor: JSON.stringify({ height: last.status.block_height ?? 0, txid: last.txid } satisfies Cursor) };
      }
    },
  };

  function toTransaction(address: string, tx: EsploraTx): SourceTransaction {
    const received = tx.vout.filter((o) => o.scriptpubkey_address === address).reduce((n, o) => n + BigInt(o.value), 0n);
    const spent = tx.vin.filter((i) => i.prevout?.scriptpubkey_address === address).reduce((n, i) => n + BigInt(i.prevout!.value), 0n);
    const legs: SourceLeg[] = [];
    const net = received - spent;
    if (spent > 0n) {
      // The address funded (part of) the transaction: charge the fee to it, never more than it lost.
      const lost = -net;
      const fee = BigInt(tx.fee) < lost ? BigInt(tx.fee) : lost > 0n ? lost : 0n;
      const sent = lost - fee;
      if (sent > 0n) legs.push({ kind: 'outgoing', assetId: btc.id, quantity: sats(sent), price: null });
      if (net > 0n) legs.push({ kind: 'incoming', assetId: btc.id, quantity: sats(net), price: null });
      if (fee > 0n) legs.push({ kind: 'fee', assetId: btc.id, quantity: sats(fee), price: null });
    } else if (received > 0n) legs.push({ kind: 'incoming', assetId: btc.id, quantity: sats(received), price: null });
    const out = legs.some((l) => l.kind === 'outgoing');
    const inc = legs.some((l) => l.kind === 'incoming');
    const [type, label]: [SourceTransaction['type'], string] = out ? ['withdrawal', 'Withdrawal'] : inc ? ['deposit', 'Deposit'] : ['payment', 'Fee'];
    return {
      externalId: tx.txid,
      platformId: tx.txid,
      timestamp: (tx.status.block_time ?? 0) * 1000,
      type,
      label,
      description: null,
      legs,
      raw: { chain: 'bitcoin', block: tx.status.block_height ?? null },
    };
  }
}
