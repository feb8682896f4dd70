/**
 * Portfolio computations shared by holdings, balances, DeFi, NFTs and profiling: load the
 * rows, price them at the latest daily price on or before today (UTC), and value them with
 * decimal.js. Results are cached until the database changes (read-cache.ts).
 */
import type { Db } from '../db/database.ts';
import type { ReadCache } from '../db/read-cache.ts';
import { Decimal, ZERO, dec, money, quantity, roundMoney, sum } from '../lib/decimal.ts';
import { buildHoldings, ledgerBalances, type BalanceEntry } from './holdings.ts';
import { fxRates, workspaceCurrency } from '../prices/fx.ts';
import {
  findPricedAssets,
  listBalances,
  listCostBasis,
  listDefiPositions,
  listIntegrationRefs,
  listLedgerRows,
  listNfts,
  type DefiRow,
  type NftRow,
  type PricedAsset,
} from './portfolio.repository.ts';
import { DAY_MS, dayOf } from '../lib/time.ts';

export type Deps = { db: Db; cache: ReadCache };

export async function pricedAssets({ db, cache }: Deps, ids: Iterable<string>, day: number): Promise<Map<string, PricedAsset>> {
  const keys = [...new Set(ids)].map((id) => `priced:${day}:${id}`);
  const prefix = `priced:${day}:`.length;
  const found = await cache.getMany(keys, async (missing) => {
    const rows = await findPricedAssets(
      db,
      missing.map((k) => k.slice(prefix)),
      day,
    );
    return new Map<string, PricedAsset | null>(missing.map((k) => [k, rows.get(k.slice(prefix)) ?? null]));
  });
  const out = new Map<string, PricedAsset>();
  for (const v of found.values()) if (v) out.set(v.id, v);
  return out;
}

export async function liveEntries({ db }: Deps, workspaceId: string): Promise<BalanceEntry[]> {
  return (await listBalances(db, workspaceId)).map((b) => ({
    walletId: b.integration_id,
    provider: b.provider,
    assetId: b.asset_id,
    quantity: new Decimal(b.quantity),
  }));
}

export async function calculatedEntries(deps: Deps, workspaceId: string, includeSpam: boolean): Promise<BalanceEntry[]> {
  return deps.cache.get(`ledger:${workspaceId}:${includeSpam}`, async () => {
    const refs = await listIntegrationRefs(deps.db, workspaceId);
    const providers = new Map([...refs].map(([id, r]) => [id, r.provider]));
    return ledgerBalances(await listLedgerRows(deps.db, workspaceId), providers, includeSpam);
  });
}

/**
 * What default holdings count: each account's live balance of every asset its source reports
 * (the chain's or exchange's word, which already reflects what manual transactions there
 * describe), and for an asset the source does not report in that account, the net of the
 * manual transactions (`POST /api/v0/transactions`) recorded in it when positive — so an
 * asset that exists only through manual transactions is a holding, as it is a lot.
 */
export async function holdingEntries(deps: Deps, workspaceId: string, includeSpam: boolean): Promise<BalanceEntry[]> {
  const [live, refs, manualRows] = await Promise.all([
    liveEntries(deps, workspaceId),
    listIntegrationRefs(deps.db, workspaceId),
    listLedgerRows(deps.db, workspaceId, true),
  ]);
  if (manualRows.length === 0) return live;
  const manual = ledgerBalances(manualRows, new Map([...refs].map(([id, r]) => [id, r.provider])), includeSpam);
  const merged = new Map(live.map((e) => [`${e.walletId}\u0000${e.assetId}`, { ...e }]));
  for (const m of manual) {
    const key = `${m.walletId}\u0000${m.assetId}`;
    if (!merged.has(key) && m.quantity.gt(0)) merged.set(key, m);
  }
  return [...merged.values()]
    .filter((e) => !e.quantity.isZero())
    .sort((a, b) => (a.assetId === b.assetId ? (a.walletId < b.walletId ? -1 : 1) : a.assetId < b.assetId ? -1 : 1));
}

/** Asset prices in `currency`: each at the rate of its own day (the previous one at the day before). */
export async function inCurrency(db: Db, assets: Map<string, PricedAsset>, currency: string): Promise<Map<string, PricedAsset>> {
  if (currency === 'USD') return assets;
  const rate = await fxRates(db, currency);
  const at = (p: string | null, day: number | null) => (p === null || day === null ? p : new Decimal(p).times(rate(day)).toFixed());
  return new Map(
    [...assets].map(([id, a]) => [id, { ...a, price: at(a.price, a.price_day), prev_price: at(a.prev_price, a.price_day === null ? null : a.price_day - 1) }]),
  );
}

export async function computeHoldings(deps: Deps, workspaceId: string, opts: { includeSpam: boolean; calculated: boolean }, now: number) {
  const day = dayOf(now);
  const currency = await workspaceCurrency(deps.db, workspaceId);
  return deps.cache.get(`holdings:${workspaceId}:${opts.includeSpam}:${opts.calculated}:${day}:${currency}`, async () => {
    const entries = opts.calculated ? await calculatedEntries(deps, workspaceId, opts.includeSpam) : await holdingEntries(deps, workspaceId, opts.includeSpam);
    const [assets, basis] = await Promise.all([
      pricedAssets(
        deps,
        entries.map((e) => e.assetId),
        day,
      ),
      listCostBasis(deps.db, workspaceId),
    ]);
    // Prices are USD; the basis is already in the workspace's currency (the tax pass computes in it).
    return buildHoldings(entries, await inCurrency(deps.db, assets, currency), basis, { ...opts, calculated: opts.calculated, currency });
  });
}

// ---------------------------------------------------------------- DeFi

type Position = { assetId: string; amount: string; side: 'supply' | 'borrow' | 'reward' };

function parsePositions(text: string): Position[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as Position[]).filter((p) => p && typeof p.assetId === 'string' && typeof p.amount === 'string') : [];
  } catch {
    return [];
  }
}

export function defiView(row: DefiRow, assets: Map<string, PricedAsset>, priceDay: number) {
  const positions = parsePositions(row.positions);
  const valued = positions.map((p) => {
    const a = assets.get(p.assetId);
    const value = a?.price ? roundMoney(new Decimal(p.amount).times(a.price)) : ZERO;
    return {
      position: {
        asset: { tokenId: p.assetId, symbol: a?.symbol ?? p.assetId, publicName: a?.name ?? p.assetId },
        amount: quantity(new Decimal(p.amount)),
        side: p.side,
        value: { price: money(value), baseCurrency: 'USD', timestamp: (a?.price_day ?? priceDay) * DAY_MS },
      },
      side: p.side,
      value,
    };
  });
  const assetsValue = sum(valued.filter((v) => v.side !== 'borrow').map((v) => v.value));
  const debt = sum(valued.filter((v) => v.side === 'borrow').map((v) => v.value));
  return {
    view: {
      holdingId: row.id,
      owner: { provider: row.provider, walletId: row.integration_id, publicAddress: row.address },
      protocolName: row.protocol,
      protocolId: protocolId(row.protocol),
      chain: row.chain,
      logoUrl: row.logo_url,
      siteUrl: row.site_url,
      category: row.category,
      portfolio: {
        category: row.category,
        positions: valued.filter((v) => v.side !== 'reward').map((v) => v.position),
        rewardPositions: valued.filter((v) => v.side === 'reward').map((v) => v.position),
      },
      totalValue: { price: money(assetsValue), baseCurrency: 'USD' },
      debtValue: { price: money(debt), baseCurrency: 'USD' },
      netValue: { price: money(assetsValue.minus(debt)), baseCurrency: 'USD' },
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      isActive: row.is_active === 1,
    },
    assetsValue,
    debt,
  };
}

/**
 * A protocol's id: its name in lower case with dashes (`Aave V3` → `aave-v3`). The
 * `protocol` filter takes ids, names or the family without the version (`aave`), in any
 * case, as the contract's examples (`protocol=aave`) expect.
 */
export function protocolId(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function matchesProtocol(wanted: string[] | undefined, name: string): boolean {
  if (!wanted) return true;
  const id = protocolId(name);
  const family = id.replace(/-v\d+$/, '');
  return wanted.some((w) => [id, family].includes(protocolId(w)));
}

export async function computeDefi(deps: Deps, workspaceId: string, now: number) {
  const day = dayOf(now);
  const rows = await listDefiPositions(deps.db, workspaceId);
  const assets = await pricedAssets(
    deps,
    rows.flatMap((r) => parsePositions(r.positions).map((p) => p.assetId)),
    day,
  );
  return rows.map((r) => ({ row: r, ...defiView(r, assets, day) }));
}

// ---------------------------------------------------------------- NFTs

function parseJson<T>(text: string | null): T | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

type Collection = {
  collectionId?: string;
  name?: string;
  description?: string;
  imageUrl?: string;
  floorPrice?: string | null;
  ownerCount?: number;
  totalQuantity?: number;
  socialLinks?: unknown[];
};
type LastSale = {
  fromAddress?: string;
  toAddress?: string;
  quantity?: string | number;
  timestamp?: number;
  transactionHash?: string;
  marketplaceName?: string;
  totalPrice?: string | null;
};

/** The NFT's value: its own estimate, else the collection floor, times the amount held. */
export function nftValue(row: NftRow): Decimal {
  const floor = parseJson<Collection>(row.collection)?.floorPrice;
  const unit = row.price ?? floor ?? null;
  return unit ? roundMoney(dec(unit).times(dec(row.amount))) : ZERO;
}

export function nftView(row: NftRow) {
  const c = parseJson<Collection>(row.collection) ?? {};
  const sale = parseJson<LastSale>(row.last_sale);
  return {
    id: row.id,
    contractAddress: row.contract,
    tokenId: row.token_id,
    name: row.name,
    description: row.description,
    contentType: row.content_type,
    nftUrl: row.nft_url,
    thumbnailUrl: row.thumbnail_url,
    chain: row.chain,
    source: { provider: row.provider, walletId: row.integration_id, publicAddress: row.address },
    ercType: row.erc_type,
    amount: row.amount,
    price: { price: row.price, baseCurrency: 'USD' },
    isNftSpam: row.is_spam === 1,
    collection: {
      collectionId: c.collectionId ?? null,
      name: c.name ?? null,
      description: c.description ?? null,
      imageUrl: c.imageUrl ?? null,
      floorPrice: c.floorPrice ? [{ price: c.floorPrice, baseCurrency: 'USD' }] : [],
      ownerCount: c.ownerCount ?? null,
      totalQuantity: c.totalQuantity ?? null,
      socialLinks: Array.isArray(c.socialLinks) ? c.socialLinks : [],
    },
    lastSale: sale
      ? {
          fromAddress: sale.fromAddress ?? null,
          toAddress: sale.toAddress ?? null,
          quantity: sale.quantity ?? null,
          timestamp: typeof sale.timestamp === 'number' ? new Date(sale.timestamp).toISOString() : null,
          transactionHash: sale.transactionHash ?? null,
          marketplaceName: sale.marketplaceName ?? null,
          totalPrice: { price: sale.totalPrice ?? null, baseCurrency: 'USD' },
        }
      : null,
  };
}

export { listNfts };
