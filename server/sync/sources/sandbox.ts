/**
 * The sandbox source: serves the deterministic dataset for the two published test
 * addresses. Transactions come in pages of 100, oldest first, with a cursor of the last
 * one served, so a `latest` re-sync only reads what is newer.
 */
import { SANDBOX_ADDRESSES } from '../../addresses.ts';
import { assetInfo } from '../sandbox-assets.ts';
import { sandboxDataset, type SandboxChain } from '../sandbox-dataset.ts';
import type { PriceSource, Source, SourceTransaction, TransactionPage } from '../source.ts';
import { ASSET_BY_ID } from '../sandbox-assets.ts';

const PAGE = 100;

type Cursor = { t: number; id: string };

function parseCursor(text: string | null): Cursor | null {
  if (!text) return null;
  try {
    const c = JSON.parse(text) as Partial<Cursor>;
    return typeof c.t === 'number' && typeof c.id === 'string' ? { t: c.t, id: c.id } : null;
  } catch {
    return null;
  }
}

const after = (tx: SourceTransaction, c: Cursor) => tx.timestamp > c.t || (tx.timestamp === c.t && tx.externalId > c.id);

/** The sandbox wallet behind an integration, if it is one of the test addresses. */
export function sandboxChainOf(integration: { chain: string | null; address: string | null }): SandboxChain | null {
  if (integration.chain === 'ethereum' && integration.address === SANDBOX_ADDRESSES.ethereum) return 'ethereum';
  if (integration.chain === 'solana' && integration.address === SANDBOX_ADDRESSES.solana) return 'solana';
  return null;
}

export function createSandboxSource(chain: SandboxChain, seed?: string): Source {
  const wallet = () => sandboxDataset(seed).wallets[chain];
  return {
    name: `sandbox:${chain}`,
    async balances() {
      return wallet().balances.map((b) => ({ asset: assetInfo(b.assetId), quantity: b.quantity }));
    },
    async *transactions(ctx) {
      const cursor = parseCursor(ctx.cursor);
      const pending = cursor ? wallet().transactions.filter((t) => after(t, cursor)) : wallet().transactions;
      for (let i = 0; i < pending.length; i += PAGE) {
        ctx.signal.throwIfAborted();
        const transactions = pending.slice(i, i + PAGE);
        const last = transactions.at(-1)!;
        const ids = new Set(transactions.flatMap((t) => t.legs.map((l) => l.assetId)));
        const page: TransactionPage = { transactions, assets: [...ids].map(assetInfo), cursor: JSON.stringify({ t: last.timestamp, id: last.externalId }) };
        yield page;
      }
    },
    async defi() {
      return wallet().defi;
    },
    async nfts() {
      return wallet().nfts;
    },
  };
}

/** The sandbox's fixed units per US dollar. */
export const SANDBOX_FX: Record<string, string> = { USD: '1', EUR: '0.92', GBP: '0.79', CAD: '1.36', AUD: '1.52', CHF: '0.88', SEK: '10.45' };

export function createSandboxPriceSource(seed?: string): PriceSource {
  return {
    name: 'sandbox',
    async dailyPrices(asset, fromDay, toDay) {
      const data = sandboxDataset(seed);
      const series = ASSET_BY_ID.has(asset.id) ? data.prices.get(asset.id) : undefined;
      if (!series) return [];
      const out = [];
      for (let day = Math.max(fromDay, data.startDay); day <= Math.min(toDay, data.endDay); day++) out.push({ day, price: series[day - data.startDay]! });
      return out;
    },
    // Offline: one fixed rate per currency, every day (README "Base currencies").
    async dailyFxRates(currency, fromDay, toDay) {
      const rate = SANDBOX_FX[currency];
      if (!rate) return [];
      const out = [];
      for (let day = fromDay; day <= toDay; day++) out.push({ day, price: rate });
      return out;
    },
  };
}
