/**
 * The workspace's transaction import limit (contract 3.5): a grant override (set through
 * `PATCH /developer/grants/{id}/transaction-limit`; `enable_limiter = 0` removes the cap),
 * else the workspace default, else the platform default of 100,000. With several active
 * grants on one workspace the most generous one wins: the data is shared, not per client.
 */
import type { Db } from '../db/database.ts';

export const DEFAULT_TRANSACTION_LIMIT = 100_000;

/** The limit, or null for no limit. */
export async function effectiveTransactionLimit(db: Db, workspaceId: string, now: number): Promise<number | null> {
  const grants = await db
    .selectFrom('grants')
    .select(['transaction_limit', 'enable_limiter'])
    .where('workspace_id', '=', workspaceId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
  if (grants.some((g) => g.enable_limiter === 0)) return null;
  const overrides = grants.map((g) => g.transaction_limit).filter((l): l is number => l !== null);
  if (overrides.length) return Math.max(...overrides);
  const ws = await db.selectFrom('workspaces').select('transaction_limit').where('id', '=', workspaceId).executeTakeFirst();
  return ws?.transaction_limit ?? DEFAULT_TRANSACTION_LIMIT;
}

/** The message the contract shows on an integration that hit the limit. */
export const limitMessage = (chain: string) => `Unable to fetch transactions for ${chain} due to transaction limit reached, kindly update your plan`;
