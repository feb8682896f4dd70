/**
 * The two shapes of an integration, one per API family, built from the same stored row: the
 * widget's (contract/widget-api.ts, checked with `satisfies`) and the data API's v1 item
 * (contract 8.8), which the webhook dispatcher also sends in integration events.
 */
import type { Integration as ContractIntegration } from '../../contract/widget-api.ts';
import type { Integration } from '../db/tables.ts';
import { findProvider } from '../catalogue.ts';

/** The widget's integration (docs/widget-api.md). */
export function integrationView(i: Integration): ContractIntegration {
  const p = findProvider(i.provider);
  return {
    id: i.id,
    provider: i.provider,
    providerPublicName: p?.publicName ?? i.provider,
    publicAddress: i.address,
    chain: i.chain,
    alias: i.alias,
    category: i.category,
    status: i.status,
    message: i.message,
    addedOn: new Date(i.created_at).toISOString(),
    lastSyncedAt: i.last_synced_at === null ? null : new Date(i.last_synced_at).toISOString(),
    logoUrl: p?.logo ?? null,
  } satisfies ContractIntegration;
}

type SyncLog = Record<string, { status: string; message?: string; limitExceeded?: boolean }>;

/** A v1 integration item (contract 8.8). */
export function integrationItem(i: Integration) {
  const p = findProvider(i.provider);
  let log: SyncLog | null;
  try {
    log = i.sync_log ? (JSON.parse(i.sync_log) as SyncLog) : null;
  } catch {
    log = null;
  }
  return {
    provider: i.provider,
    providerPublicName: p?.publicName ?? i.provider,
    publicAddress: i.address,
    walletId: i.id,
    logoUrl: p?.logo ?? null,
    isContract: false,
    alias: i.alias,
    status: i.status,
    ...(i.message ? { message: i.message } : {}),
    ...(log ? { lastSyncLog: Object.fromEntries(Object.entries(log).map(([k, v]) => [k, v.status])), lastSyncLogDetails: log } : {}),
    ...(i.limit_exceeded === 1 ? { limitExceeded: true } : {}),
    addedOn: i.created_at,
    lastSyncedAt: i.last_synced_at,
    category: i.category,
    type: 'api',
    chain: i.chain,
    totalTransactions: i.total_transactions,
  };
}
