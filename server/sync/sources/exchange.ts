/**
 * Exchanges through ccxt with the user's read-only API keys: balances, trades (paged with
 * `ofs` on Kraken, with `since` elsewhere), deposits and withdrawals. ccxt signs every
 * request the exchange's way; a key the exchange refuses ends the sync at once (FAILED) with
 * a message a user understands. Rate limits and network errors are retried with backoff.
 * ccxt is loaded on first use: it is large, and most servers never sync an exchange.
 *
 * The cursor is `{"trades": ms, "deposits": ms, "withdrawals": ms}` — the newest time seen of
 * each kind. Trades come newest first from the exchange, so only the last page moves it.
 */
import { Decimal } from 'decimal.js';
import type { Exchange, Trade, Transaction } from 'ccxt';
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
import { exchangeAsset } from './assets.ts';
import { retryAfterMs, sleep } from './http.ts';

export type ExchangeSourceOptions = {
  exchangeId: string;
  publicName: string;
  /** Replaces the scheme and host of every REST base URL (tests; unset in production). */
  url?: string;
  timeoutMs: number;
  /** Replaces ccxt's throttle (0 = none). */
  minIntervalMs?: number;
  retries?: number;
};

/** The catalogue's exchanges, by ccxt id. */
const SUPPORTED = new Set(['binance', 'coinbase', 'kraken', 'okx', 'bybit', 'kucoin', 'bitstamp', 'gemini']);
export const isSupportedExchange = (id: string) => SUPPORTED.has(id);

type Cursor = { trades: number; deposits: number; withdrawals: number };

/** A float ccxt parsed back to the shortest decimal that reads as it (exact for exchange decimals up to 15 digits). */
const exact = (n: number | string | undefined | null): string | null => {
  if (n === undefined || n === null || n === '') return null;
  const d = new Decimal(n);
  return d.isFinite() ? d.abs().toFixed() : null;
};

let ccxtModule: Promise<typeof import('ccxt')> | undefined;
const loadCcxt = () => (ccxtModule ??= import('ccxt'));

export function createExchangeSource(options: ExchangeSourceOptions): Source {
  let instance: Promise<Exchange> | undefined;

  async function exchangeFor(ctx: SyncContext): Promise<Exchange> {
    instance ??= (async () => {
      const keys = ctx.credentials();
      if (!keys?.apiKey || !keys.secretKey)
        throw new PermanentSourceError(`The ${options.publicName} API key is missing: add the integration again with a read-only key and secret`);
      const ccxt = await loadCcxt();
      const Ctor = (ccxt as unknown as Record<string, new (config: object) => Exchange>)[options.exchangeId];
      if (!Ctor) throw new PermanentSourceError(`Exchange sync is not configured for ${options.publicName}`);
      const ex = new Ctor({
        apiKey: keys.apiKey,
        secret: keys.secretKey,
        password: keys.password,
        timeout: options.timeoutMs,
        enableRateLimit: options.minIntervalMs !== 0,
        ...(options.minIntervalMs ? { rateLimit: options.minIntervalMs } : {}),
      });
      if (options.url) rebase(ex, options.url);
      return ex;
    })();
    return instance;
  }

  /** One ccxt call: network trouble and rate limits are retried; a refused key is permanent. */
  async function call<T>(ctx: SyncContext, what: string, fn: (ex: Exchange) => Promise<T>): Promise<T> {
    const ccxt = await loadCcxt();
    const ex = await exchangeFor(ctx);
    const retries = options.retries ?? 4;
    for (let attempt = 0; ; attempt++) {
      ctx.signal.throwIfAborted();
      try {
        return await fn(ex);
      } catch (error) {
        if (
          error instanceof ccxt.AuthenticationError ||
          error instanceof ccxt.PermissionDenied ||
          error instanceof ccxt.AccountSuspended ||
          /invalid (key|signature|api[- ]?key)/i.test(String((error as Error).message))
        ) {
          throw new PermanentSourceError(
            `The exchange rejected the API key (${options.publicName}: ${reason(error)}). Check that the key and secret are correct, still active and allowed to query funds and trades, then add the integration again.`,
          );
        }
        const transient = error instanceof ccxt.NetworkError || error instanceof ccxt.InvalidNonce;
        if (!transient || attempt >= retries) throw new Error(`${options.publicName} ${what} failed: ${reason(error)}`, { cause: error });
        const limited = error instanceof ccxt.DDoSProtection || error instanceof ccxt.RateLimitExceeded;
        const header = limited ? retryAfterMs(ex.last_response_headers?.['retry-after'] ?? ex.last_response_headers?.['Retry-After']) : null;
        await sleep(Math.min(header ?? 500 * 2 ** attempt, 60_000), ctx.signal);
      }
    }
  }

  const cursorOf = (ctx: SyncContext): Cursor => {
    try {
      const c = ctx.cursor ? (JSON.parse(ctx.cursor) as Partial<Cursor>) : {};
      return { trades: Number(c.trades) || 0, deposits: Number(c.deposits) || 0, withdrawals: Number(c.withdrawals) || 0 };
    } catch {
      return { trades: 0, deposits: 0, withdrawals: 0 };
    }
  };

  return {
    name: `exchange:${options.exchangeId}`,
    async balances(ctx): Promise<Holding[]> {
      const balance = await call(ctx, 'balances', (ex) => ex.fetchBalance());
      const holdings = new Map<string, { asset: AssetInfo; quantity: Decimal }>();
      for (const [code, total] of Object.entries(balance.total ?? {})) {
        const q = exact(total as number | undefined);
        if (!q || q === '0') continue;
        const asset = exchangeAsset(code);
        const prev = holdings.get(asset.id);
        holdings.set(asset.id, { asset, quantity: (prev?.quantity ?? new Decimal(0)).plus(q) });
      }
      return [...holdings.values()].map((h) => ({ asset: h.asset, quantity: h.quantity.toFixed() }));
    },
    async *transactions(ctx) {
      const start = cursorOf(ctx);
      const next = { ...start };
      // Overlap by a second: exchanges filter on whole seconds; re-imports are upserts.
      const since = (ms: number) => (ms ? Math.max(0, ms - 1000) : undefined);

      if (options.exchangeId === 'kraken') {
        // Kraken: TradesHistory pages of 50, newest first, by offset (`ofs`).
        for (let ofs = 0; ;) {
          const trades = await call(ctx, 'trades', (e) => e.fetchMyTrades(undefined, since(start.trades), undefined, { ofs }));
          if (trades.length === 0) break;
          ofs += trades.length;
          yield tradePage(trades, next);
          if (trades.length < 50) break;
        }
      } else {
        for (let from = since(start.trades); ;) {
          const trades = await call(ctx, 'trades', (e) => e.fetchMyTrades(undefined, from, undefined));
          if (trades.length === 0) break;
          yield tradePage(trades, next);
          const last = Math.max(...trades.map((t) => t.timestamp ?? 0));
          if (from !== undefined && last <= from) break;
          from = last + 1;
        }
      }

      const deposits = await call(ctx, 'deposits', (e) => e.fetchDeposits(undefined, since(start.deposits)));
      const withdrawals = await call(ctx, 'withdrawals', (e) => e.fetchWithdrawals(undefined, since(start.withdrawals)));
      const assets = new Map<string, AssetInfo>();
      const transactions = [...transferTransactions(deposits, 'deposit', assets, next), ...transferTransactions(withdrawals, 'withdrawal', assets, next)];
      yield { transactions, assets: [...assets.values()], cursor: JSON.stringify(next) };
    },
  };

  function tradePage(trades: Trade[], next: Cursor): TransactionPage {
    const assets = new Map<string, AssetInfo>();
    const transactions: SourceTransaction[] = [];
    for (const t of trades) {
      const [baseCode, quoteCode] = (t.symbol ?? '/').split(/[/:]/);
      if (!baseCode || !quoteCode || !t.id) continue;
      const base = exchangeAsset(baseCode);
      const quote = exchangeAsset(quoteCode);
      const info = t.info as Record<string, string | undefined>;
      const amount = exact(info.vol ?? t.amount);
      const cost = exact(info.cost ?? t.cost);
      if (!amount || !cost) continue;
      const usdQuote = quote.id === 'fiat:usd';
      const price = exact(info.price ?? t.price);
      const baseLeg: SourceLeg = { kind: t.side === 'buy' ? 'incoming' : 'outgoing', assetId: base.id, quantity: amount, price: usdQuote ? price : null };
      const quoteLeg: SourceLeg = { kind: t.side === 'buy' ? 'outgoing' : 'incoming', assetId: quote.id, quantity: cost, price: usdQuote ? '1' : null };
      const legs = [baseLeg, quoteLeg];
      const feeCost = exact(info.fee ?? t.fee?.cost);
      if (feeCost && feeCost !== '0' && t.fee?.currency) {
        const feeAsset = exchangeAsset(t.fee.currency);
        assets.set(feeAsset.id, feeAsset);
        legs.push({ kind: 'fee', assetId: feeAsset.id, quantity: feeCost, price: feeAsset.id === 'fiat:usd' ? '1' : null });
      }
      assets.set(base.id, base).set(quote.id, quote);
      const timestamp = t.timestamp ?? 0;
      next.trades = Math.max(next.trades, timestamp);
      transactions.push({
        externalId: `trade:${t.id}`,
        platformId: t.id,
        timestamp,
        type: 'trade',
        label: t.side === 'buy' ? 'Buy' : 'Sell',
        description: `${t.side} ${t.symbol}`,
        legs,
        raw: { exchange: options.exchangeId, symbol: t.symbol, order: t.order ?? null },
      });
    }
    // Newest first: the cursor moves only with the page that completes the walk (set by the caller's last page).
    return { transactions, assets: [...assets.values()], cursor: null };
  }

  function transferTransactions(list: Transaction[], kind: 'deposit' | 'withdrawal', assets: Map<string, AssetInfo>, next: Cursor): SourceTransaction[] {
    const out: SourceTransaction[] = [];
    let oldestPending = Infinity;
    for (const t of list) {
      const timestamp = t.timestamp ?? 0;
      if (t.status !== 'ok') {
        // Not settled yet: keep the cursor before it so the next sync sees it again.
        if (t.status === 'pending') oldestPending = Math.min(oldestPending, timestamp);
        continue;
      }
      const info = t.info as Record<string, string | undefined>;
      const amount = exact(info.amount ?? t.amount);
      if (!amount || !t.currency || !t.id) continue;
      const asset = exchangeAsset(t.currency);
      assets.set(asset.id, asset);
      const legs: SourceLeg[] = [
        { kind: kind === 'deposit' ? 'incoming' : 'outgoing', assetId: asset.id, quantity: amount, price: asset.id === 'fiat:usd' ? '1' : null },
      ];
      const fee = exact(info.fee ?? t.fee?.cost);
      if (fee && fee !== '0') legs.push({ kind: 'fee', assetId: asset.id, quantity: fee, price: asset.id === 'fiat:usd' ? '1' : null });
      next[kind === 'deposit' ? 'deposits' : 'withdrawals'] = Math.max(next[kind === 'deposit' ? 'deposits' : 'withdrawals'], timestamp);
      out.push({
        externalId: `${kind}:${t.id}`,
        platformId: t.txid ?? t.id,
        timestamp,
        type: kind,
        label: kind === 'deposit' ? 'Deposit' : 'Withdrawal',
        description: null,
        legs,
        raw: { exchange: options.exchangeId, network: t.network ?? null, address: t.address ?? null },
      });
    }
    const key = kind === 'deposit' ? 'deposits' : 'withdrawals';
    if (oldestPending !== Infinity) next[key] = Math.min(next[key], oldestPending);
    return out;
  }
}

/** Points every REST base URL of `ex` at `base`, keeping paths (`https://api.kraken.com/0` → `http://127.0.0.1:1234/0`). */
function rebase(ex: Exchange, base: string) {
  const target = new URL(base);
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string' && /^https?:\/\//.test(value)) {
      const u = new URL(value);
      return `${target.origin}${target.pathname.replace(/\/$/, '')}${u.pathname === '/' ? '' : u.pathname}${u.search}`;
    }
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  ex.urls = { ...ex.urls, api: swap(ex.urls.api) as typeof ex.urls.api };
}

const reason = (error: unknown) => {
  const text = error instanceof Error ? error.message : String(error);
  // ccxt messages start with the exchange id and often carry the response body; keep the exchange's own words.
  const quoted = /"error"\s*:\s*\[\s*"([^"]{1,120})"/.exec(text)?.[1] ?? /"msg"\s*:\s*"([^"]{1,120})"/.exec(text)?.[1];
  return (quoted ?? text.replace(/^\w+\s+/, '')).slice(0, 160);
};
