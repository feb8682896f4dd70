/** The v1 transaction object (contract 8.4), built from a stored row and its legs' assets. */
import { FLAG, type TransactionRow, type AssetMeta } from './transactions.repository.ts';

const has = (flags: number, bit: number) => (flags & bit) !== 0;

type Account = { provider?: string; walletId?: string; publicAddress?: string | null };
export type StoredLeg = { kind: 'incoming' | 'outgoing' | 'fee'; assetId: string; quantity: string; price: string | null; account?: Account | null };

export function parseLegs(text: string): StoredLeg[] {
  try {
    const legs = JSON.parse(text) as unknown;
    return Array.isArray(legs) ? (legs as StoredLeg[]) : [];
  } catch {
    return [];
  }
}

function parseRaw(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    const raw = JSON.parse(text) as unknown;
    return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function transactionView(row: TransactionRow, legs: StoredLeg[], assets: Map<string, AssetMeta>) {
  const leg = (l: StoredLeg) => {
    const a = assets.get(l.assetId);
    const account = {
      provider: l.account?.provider ?? null,
      walletId: l.account?.walletId ?? row.integration_id,
      publicAddress: l.account?.publicAddress ?? null,
    };
    return {
      asset: { tokenId: l.assetId, symbol: a?.symbol ?? l.assetId, publicName: a?.name ?? l.assetId, type: a?.type ?? 'token' },
      quantity: l.quantity,
      price: l.price ?? null,
      baseCurrency: 'USD',
      timestamp: row.timestamp,
      type: l.kind,
      ...(l.kind === 'incoming' ? { toAccount: account } : { fromAccount: account }),
    };
  };
  return {
    id: row.id,
    transactionPlatfromId: row.platform_id, // (sic) the contract's spelling
    timestamp: row.timestamp,
    label: row.label,
    transactionType: row.type,
    description: row.description,
    walletId: row.integration_id,
    incomingAssets: legs.filter((l) => l.kind === 'incoming').map(leg),
    outgoingAssets: legs.filter((l) => l.kind === 'outgoing').map(leg),
    fee: legs.filter((l) => l.kind === 'fee').map(leg),
    metadata: {
      importSource: row.import_source,
      isManual: has(row.flags, FLAG.manual),
      isEdited: has(row.flags, FLAG.edited),
      isDefiTrx: has(row.flags, FLAG.defi),
      isNFTTrx: has(row.flags, FLAG.nft),
      isSpam: has(row.flags, FLAG.spam),
      isFailed: has(row.flags, FLAG.failed),
      isMissingPrice: has(row.flags, FLAG.missingPrice),
      isMissingPurchase: has(row.flags, FLAG.missingPurchase),
    },
    totalCostbasis: row.total_cost_basis,
    totalGains: row.total_gains,
    tags: [] as string[],
    // One signed entry per leg: what the transaction did to each account's balance.
    ledger: legs.map((l) => ({
      assetId: l.assetId,
      walletId: l.account?.walletId ?? row.integration_id,
      type: l.kind,
      quantity: l.kind === 'incoming' ? l.quantity : l.quantity.startsWith('-') ? l.quantity : `-${l.quantity}`,
    })),
    rawTrx: parseRaw(row.raw),
  };
}
