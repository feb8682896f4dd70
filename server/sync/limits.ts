/**
 * The workspace's transaction import limit (contract 3.5), one rule for the sync that enforces
 * it and the data API that reports it (`/v1/userinfo` transaction_limit, `/v1/workspace`
 * limits): a grant override (set through `PATCH /developer/grants/{id}/transaction-limit`;
 * `enable_limiter = 0` removes the cap), else the workspace default, else the platform
 * default of 100,000. The limit belongs to the workspace, not to one client: with several live
 * grants on one workspace the most generous one wins (the data is shared, and one import
 * serves every grant), so every grant reports the limit the sync applies.
 */
import type { Db } from '../db/database.ts';
import { liveGrantLimits, workspaceTransactionLimit } from './limits.repository.ts';

export const DEFAULT_TRANSACTION_LIMIT = 100_000;

/** The workspace's limit now, or null for no limit. */
export async function effectiveTransactionLimit(db: Db, workspaceId: string, now: number): Promise<number | null> {
  const grants = await liveGrantLimits(db, workspaceId, now);
  if (grants.some((g) => g.enable_limiter === 0)) return null;
  const overrides = grants.map((g) => g.transaction_limit).filter((l): l is number => l !== null);
  if (overrides.length) return Math.max(...overrides);
  return (await workspaceTransactionLimit(db, workspaceId)) ?? DEFAULT_TRANSACTION_LIMIT;
}

/** The message the contract shows on an integration that hit the limit. */
export const limitMessage = (chain: string) => `Unable to fetch transactions for ${chain} due to transaction limit reached, kindly update your plan`;
