/**
 * The sandbox's assets (real contract addresses and mints, plus one invented spam token)
 * and the parameters of their simulated daily price walks.
 */
import type { AssetInfo } from './source.ts';

type Walk =
  { kind: 'walk'; start: string; vol: string; target: string } | { kind: 'stable' } | { kind: 'tracks'; of: string; premiumFrom: string; premiumTo: string };

export type SandboxAsset = AssetInfo & { walk: Walk };

function evm(
  symbol: string,
  name: string,
  contract: string,
  decimals: number,
  category: string,
  coingeckoId: string | null,
  walk: Walk,
  isSpam = false,
): SandboxAsset {
  return { id: `ethereum:${contract}`, symbol, name, chain: 'ethereum', contract, decimals, type: 'token', category, coingeckoId, logoUrl: null, isSpam, walk };
}

function spl(symbol: string, name: string, mint: string, decimals: number, category: string, coingeckoId: string, walk: Walk): SandboxAsset {
  return {
    id: `solana:${mint}`,
    symbol,
    name,
    chain: 'solana',
    contract: mint,
    decimals,
    type: 'token',
    category,
    coingeckoId,
    logoUrl: null,
    isSpam: false,
    walk,
  };
}

export const ETH = 'ethereum:native';
export const SOL = 'solana:native';

export const SANDBOX_ASSETS: SandboxAsset[] = [
  {
    id: ETH,
    symbol: 'ETH',
    name: 'Ethereum',
    chain: 'ethereum',
    contract: null,
    decimals: 18,
    type: 'native',
    category: 'crypto',
    coingeckoId: 'ethereum',
    logoUrl: null,
    isSpam: false,
    walk: { kind: 'walk', start: '2515.37', vol: '0.035', target: '2900' },
  },
  evm('USDC', 'USD Coin', '0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48', 6, 'stablecoin', 'usd-coin', { kind: 'stable' }),
  evm('USDT', 'Tether USD', '0xdac17f958d2ee523a2206206994597c13d831ec7', 6, 'stablecoin', 'tether', { kind: 'stable' }),
  evm('DAI', 'Dai Stablecoin', '0x6b175474e89094c44da98b954eedeac495271d0f', 18, 'stablecoin', 'dai', { kind: 'stable' }),
  evm('WBTC', 'Wrapped BTC', '0x2260fac5e5542a773aa44fbcfedf7c193bc2c599', 8, 'crypto', 'wrapped-bitcoin', {
    kind: 'walk',
    start: '69420.55',
    vol: '0.025',
    target: '85000',
  }),
  evm('LINK', 'Chainlink', '0x514910771af9ca656af840dff83e8264ecf986ca', 18, 'crypto', 'chainlink', {
    kind: 'walk',
    start: '12.08',
    vol: '0.045',
    target: '16',
  }),
  evm('UNI', 'Uniswap', '0x1f9840a85d5af5bf1d1762f925bdaddc4201f984', 18, 'defi', 'uniswap', { kind: 'walk', start: '7.11', vol: '0.05', target: '9' }),
  evm('AAVE', 'Aave', '0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9', 18, 'defi', 'aave', { kind: 'walk', start: '151.4', vol: '0.05', target: '220' }),
  evm('stETH', 'Lido Staked Ether', '0xae7ab96520de3a18e5e111b5eaab095312d7fe84', 18, 'defi', 'staked-ether', {
    kind: 'tracks',
    of: ETH,
    premiumFrom: '0.997',
    premiumTo: '1',
  }),
  evm('ARB', 'Arbitrum', '0xb50721bcf8d664c30412cfbc6cf7a15145234ad1', 18, 'crypto', 'arbitrum', { kind: 'walk', start: '0.55', vol: '0.055', target: '0.6' }),
  evm(
    'FREE-CLAIM-XYZ',
    'Visit free-claim-xyz.com to claim rewards',
    '0xfc1a1e7d3b2a9c8e4f6d0b1a2c3e5f7a9b8d6c4e',
    18,
    'crypto',
    null,
    { kind: 'walk', start: '0.0000042', vol: '0.12', target: '0.000001' },
    true,
  ),
  {
    id: SOL,
    symbol: 'SOL',
    name: 'Solana',
    chain: 'solana',
    contract: null,
    decimals: 9,
    type: 'native',
    category: 'crypto',
    coingeckoId: 'solana',
    logoUrl: null,
    isSpam: false,
    walk: { kind: 'walk', start: '166.42', vol: '0.045', target: '190' },
  },
  spl('USDC', 'USD Coin (Solana)', 'EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v', 6, 'stablecoin', 'usd-coin', { kind: 'stable' }),
  spl('JUP', 'Jupiter', 'JUPyiwrYJFskUPiHa7hkeR8VUtAeFoSYbKedZNsDvCN', 6, 'defi', 'jupiter-exchange-solana', {
    kind: 'walk',
    start: '0.91',
    vol: '0.06',
    target: '0.85',
  }),
  spl('BONK', 'Bonk', 'DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263', 5, 'crypto', 'bonk', {
    kind: 'walk',
    start: '0.0000251',
    vol: '0.08',
    target: '0.00002',
  }),
  spl('mSOL', 'Marinade staked SOL', 'mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So', 9, 'defi', 'msol', {
    kind: 'tracks',
    of: SOL,
    premiumFrom: '1.18',
    premiumTo: '1.27',
  }),
  spl('RAY', 'Raydium', '4k3Dyjzvzp8eMZWUXbBCjEvwSkkk59S5iCNLY3QrkX6R', 6, 'defi', 'raydium', { kind: 'walk', start: '2.48', vol: '0.06', target: '3' }),
  spl('PYTH', 'Pyth Network', 'HZ1JovNiVvGrGNiiYvEozEVgZ58xaU3RKwX8eACQBCt3', 6, 'crypto', 'pyth-network', {
    kind: 'walk',
    start: '0.39',
    vol: '0.06',
    target: '0.3',
  }),
];

export const ASSET_BY_ID = new Map(SANDBOX_ASSETS.map((a) => [a.id, a]));

/** Metadata only (what the assets table stores). */
export function assetInfo(id: string): AssetInfo {
  const a = ASSET_BY_ID.get(id);
  if (!a) throw new Error(`unknown sandbox asset ${id}`);
  const { walk: _walk, ...info } = a;
  return info;
}

export const idOf = (chain: 'ethereum' | 'solana', symbol: string): string => {
  const a = SANDBOX_ASSETS.find((x) => x.chain === chain && x.symbol === symbol);
  if (!a) throw new Error(`unknown sandbox asset ${chain}:${symbol}`);
  return a.id;
};
