/**
 * The one interface every data source implements (sandbox now; EVM, Solana, Bitcoin and
 * exchanges next): balances, transactions as resumable pages, and optionally DeFi positions
 * and NFTs; plus a PriceSource for daily USD prices. Sources return plain data — they never
 * touch the database; the runner stores what they return.
 *
 * Amounts are decimal strings in whole units ("1.5" ETH, not wei). Asset ids are
 * `<chain>:native` or `<chain>:<contract>` (lowercase for EVM contracts).
 */
import type { Integration } from '../db/tables.ts';

export type AssetInfo = {
  id: string;
  symbol: string;
  name: string;
  chain: string | null;
  contract: string | null;
  decimals: number;
  type: 'native' | 'token' | 'nft' | 'fiat';
  /** crypto | stablecoin | defi | nft | fiat */
  category: string;
  coingeckoId: string | null;
  logoUrl: string | null;
  isSpam: boolean;
};

/** The user's own account a leg belongs to (stored in `transactions.legs[].account`). */
export type LegAccount = { provider: string; walletId: string; publicAddress: string | null };

export type SourceLeg = {
  kind: 'incoming' | 'outgoing' | 'fee';
  assetId: string;
  quantity: string;
  /** USD unit price at the time, or null when the source does not know it (the runner fills it from daily prices). */
  price: string | null;
  /** Defaults to the integration being synced. */
  account?: LegAccount;
};

export type SourceTransaction = {
  /** Unique within the integration and stable across syncs: re-syncs upsert by it. */
  externalId: string;
  /** Transaction hash or exchange trade id (v1 `transactionPlatfromId`). */
  platformId: string | null;
  timestamp: number;
  type: 'deposit' | 'withdrawal' | 'trade' | 'payment' | 'transfer';
  /** One of the contract's labels (section 8.4): Buy, Sell, Swap, Transfer, Staking Rewards, … */
  label: string;
  description: string | null;
  legs: SourceLeg[];
  isSpam?: boolean;
  isNft?: boolean;
  isDefi?: boolean;
  failed?: boolean;
  /**
   * Links the two halves of a movement between the user's own accounts (a transfer or a
   * bridge pair): cost basis travels with it and neither half is a disposal.
   */
  transferId?: string;
  /** Anything else worth keeping (counterparty, block); stored as JSON, never secrets. */
  raw?: Record<string, unknown>;
};

export type TransactionPage = {
  transactions: SourceTransaction[];
  /** Metadata of every asset the page's legs mention. */
  assets: AssetInfo[];
  /** Resume point after this page (stored in `integrations.sync_cursor`); null = nothing to resume. */
  cursor: string | null;
};

export type Holding = { asset: AssetInfo; quantity: string };

export type DefiPosition = {
  /** Stable key of the position within the integration (e.g. `aave-v3:ethereum`). */
  key: string;
  protocol: string;
  chain: string;
  category: 'lending' | 'staking' | 'farming' | 'liquidity' | 'derivatives';
  siteUrl: string | null;
  logoUrl: string | null;
  positions: { asset: AssetInfo; amount: string; side: 'supply' | 'borrow' | 'reward' }[];
};

export type NftCollection = {
  collectionId: string;
  name: string;
  description: string;
  imageUrl: string | null;
  floorPrice: string | null;
  ownerCount: number;
  totalQuantity: number;
  socialLinks: { platform: string; url: string }[];
};

export type NftLastSale = {
  fromAddress: string;
  toAddress: string;
  quantity: string;
  timestamp: number;
  transactionHash: string;
  marketplaceName: string;
  totalPrice: string;
};

export type Nft = {
  chain: string;
  contract: string;
  tokenId: string;
  name: string | null;
  description: string | null;
  contentType: string | null;
  nftUrl: string | null;
  thumbnailUrl: string | null;
  ercType: 'ERC-721' | 'ERC-1155' | 'SPL';
  amount: string;
  price: string | null;
  isSpam: boolean;
  collection: NftCollection;
  lastSale: NftLastSale | null;
};

export type SyncContext = {
  integration: Integration;
  /** Decrypted exchange credentials (read-only keys), or null for address integrations. Never log them. */
  credentials(): { apiKey: string; secretKey: string; password?: string } | null;
  /** The cursor stored by the last sync (null on a first or `from_start` sync). */
  cursor: string | null;
  signal: AbortSignal;
  /** How many more transactions the workspace may import (null = no limit). The runner enforces it too. */
  allowance: number | null;
  now: number;
};

export type Source = {
  /** Name for logs ("sandbox", "evm:polygon", …). */
  name: string;
  balances(ctx: SyncContext): Promise<Holding[]>;
  transactions(ctx: SyncContext): AsyncIterable<TransactionPage>;
  defi?(ctx: SyncContext): Promise<DefiPosition[]>;
  nfts?(ctx: SyncContext): Promise<Nft[]>;
};

export type DailyPrice = { day: number; price: string };

export type PriceSource = {
  name: string;
  /** Daily USD closes of `asset` for days `fromDay..toDay` (days since 1970-01-01 UTC) that the source knows. */
  dailyPrices(asset: AssetInfo, fromDay: number, toDay: number, signal: AbortSignal): Promise<DailyPrice[]>;
  /** Units of `currency` (ISO 4217, upper case) per US dollar for days `fromDay..toDay` the source knows. */
  dailyFxRates?(currency: string, fromDay: number, toDay: number, signal: AbortSignal): Promise<DailyPrice[]>;
};

/**
 * A failure the source knows retrying will not fix (nothing configured, credentials
 * rejected): the runner fails the job at once instead of backing off.
 */
export class PermanentSourceError extends Error {
  override name = 'PermanentSourceError';
}
