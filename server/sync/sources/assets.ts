/**
 * Asset metadata the real sources share: native coins per chain, the shipped per-chain token
 * lists (EVM and Solana) (overridable by `EVM_TOKEN_LIST_<CHAIN>`), and the exchange currencies that
 * map onto on-chain assets so a user's BTC on Kraken and on Bitcoin are one holding.
 */
import { readFileSync } from 'node:fs';
import type { AssetInfo } from '../source.ts';
import { isSpamToken } from './spam.ts';

const NATIVE: Record<string, { symbol: string; name: string; decimals: number; coingeckoId: string }> = {
  ethereum: { symbol: 'ETH', name: 'Ethereum', decimals: 18, coingeckoId: 'ethereum' },
  polygon: { symbol: 'POL', name: 'Polygon', decimals: 18, coingeckoId: 'polygon-ecosystem-token' },
  arbitrum: { symbol: 'ETH', name: 'Ethereum (Arbitrum)', decimals: 18, coingeckoId: 'ethereum' },
  optimism: { symbol: 'ETH', name: 'Ethereum (Optimism)', decimals: 18, coingeckoId: 'ethereum' },
  base: { symbol: 'ETH', name: 'Ethereum (Base)', decimals: 18, coingeckoId: 'ethereum' },
  bsc: { symbol: 'BNB', name: 'BNB', decimals: 18, coingeckoId: 'binancecoin' },
  avalanche: { symbol: 'AVAX', name: 'Avalanche', decimals: 18, coingeckoId: 'avalanche-2' },
  solana: { symbol: 'SOL', name: 'Solana', decimals: 9, coingeckoId: 'solana' },
  bitcoin: { symbol: 'BTC', name: 'Bitcoin', decimals: 8, coingeckoId: 'bitcoin' },
};

export function nativeAsset(chain: string): AssetInfo {
  const n = NATIVE[chain];
  if (!n) throw new Error(`no native asset known for ${chain}`);
  return {
    id: `${chain}:native`,
    symbol: n.symbol,
    name: n.name,
    chain,
    contract: null,
    decimals: n.decimals,
    type: 'native',
    category: 'crypto',
    coingeckoId: n.coingeckoId,
    logoUrl: null,
    isSpam: false,
  };
}

export type TokenListEntry = {
  address: string;
  symbol: string;
  name: string;
  decimals: number;
  coingeckoId?: string | null;
  category?: string;
  chainId?: number;
};

const DEFAULT_LISTS = JSON.parse(readFileSync(new URL('./data/token-lists.json', import.meta.url), 'utf8')) as Record<string, TokenListEntry[]>;

/**
 * The token list of a chain: the shipped default, or a JSON file — an array of entries or a
 * Uniswap-style `{tokens: [...]}` (entries of other chain ids are skipped).
 */
export function loadTokenList(chain: string, file?: string, chainId?: number): AssetInfo[] {
  let entries: TokenListEntry[] = DEFAULT_LISTS[chain] ?? [];
  if (file) {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as TokenListEntry[] | { tokens: TokenListEntry[] };
    entries = (Array.isArray(parsed) ? parsed : parsed.tokens).filter((t) => t.chainId === undefined || chainId === undefined || t.chainId === chainId);
  }
  return entries.map((t) =>
    tokenAsset(chain, t.address, { symbol: t.symbol, name: t.name, decimals: t.decimals, coingeckoId: t.coingeckoId ?? null, category: t.category }),
  );
}

export function tokenAsset(
  chain: string,
  contract: string,
  meta: { symbol: string; name: string; decimals: number; coingeckoId: string | null; category?: string },
): AssetInfo {
  const address = contract.startsWith('0x') ? contract.toLowerCase() : contract; // Solana mints are case-sensitive
  const id = `${chain}:${address}`;
  const info: AssetInfo = {
    id,
    symbol: meta.symbol.slice(0, 64),
    name: meta.name.slice(0, 200),
    chain,
    contract: address,
    decimals: meta.decimals,
    type: 'token',
    category: meta.category ?? 'crypto',
    coingeckoId: meta.coingeckoId,
    logoUrl: null,
    isSpam: false,
  };
  info.isSpam = isSpamToken(info);
  return info;
}

const FIAT = new Set(['USD', 'EUR', 'GBP', 'CAD', 'JPY', 'CHF', 'AUD']);
const STABLE: Record<string, { id: string; name: string; decimals: number; coingeckoId: string; contract: string }> = {
  USDC: {
    id: 'ethereum:0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
    name: 'USD Coin',
    decimals: 6,
    coingeckoId: 'usd-coin',
    contract: '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48',
  },
  USDT: {
    id: 'ethereum:0xdac17f958d2ee523a2206206994597c13d831ec7',
    name: 'Tether USD',
    decimals: 6,
    coingeckoId: 'tether',
    contract: '0xdac17f958d2ee523a2206206994597c13d831ec7',
  },
  DAI: {
    id: 'ethereum:0x6b175474e89094c44da98b954eedeac495271d0f',
    name: 'Dai Stablecoin',
    decimals: 18,
    coingeckoId: 'dai',
    contract: '0x6b175474e89094c44da98b954eedeac495271d0f',
  },
};
const COIN_CHAIN: Record<string, string> = { BTC: 'bitcoin', ETH: 'ethereum', SOL: 'solana', POL: 'polygon', BNB: 'bsc', AVAX: 'avalanche' };
const COINGECKO_BY_CODE: Record<string, string> = {
  XRP: 'ripple',
  ADA: 'cardano',
  DOT: 'polkadot',
  DOGE: 'dogecoin',
  LTC: 'litecoin',
  LINK: 'chainlink',
  ATOM: 'cosmos',
  XLM: 'stellar',
  TRX: 'tron',
};

/**
 * The asset behind an exchange's unified currency code: the chain's native coin for BTC,
 * ETH, SOL…, the Ethereum contract for the big stablecoins, `fiat:<code>` for fiat, and
 * `cex:<CODE>` for anything else (priced through CoinGecko only when its id is known).
 */
export function exchangeAsset(code: string): AssetInfo {
  const c = code.toUpperCase();
  if (COIN_CHAIN[c]) return nativeAsset(COIN_CHAIN[c]);
  const s = STABLE[c];
  if (s)
    return {
      id: s.id,
      symbol: c,
      name: s.name,
      chain: 'ethereum',
      contract: s.contract,
      decimals: s.decimals,
      type: 'token',
      category: 'stablecoin',
      coingeckoId: s.coingeckoId,
      logoUrl: null,
      isSpam: false,
    };
  if (FIAT.has(c))
    return {
      id: `fiat:${c.toLowerCase()}`,
      symbol: c,
      name: c,
      chain: null,
      contract: null,
      decimals: 2,
      type: 'fiat',
      category: 'fiat',
      coingeckoId: null,
      logoUrl: null,
      isSpam: false,
    };
  return {
    id: `cex:${c}`,
    symbol: c,
    name: c,
    chain: null,
    contract: null,
    decimals: 18,
    type: 'token',
    category: 'crypto',
    coingeckoId: COINGECKO_BY_CODE[c] ?? null,
    logoUrl: null,
    isSpam: false,
  };
}
