/** What the transaction-limit rule reads: the workspace's live grants and its default. */
import type { Db } from '../db/database.ts';

/** The limiter settings of the workspace's live (unrevoked, unexpired) grants. */
export async function liveGrantLimits(db: Db, workspaceId: string, now: number) {
  return db
    .selectFrom('grants')
    .select(['transaction_limit', 'enable_limiter'])
    .where('workspace_id', '=', workspaceId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
}

export async function workspaceTransactionLimit(db: Db, workspaceId: string): Promise<number | null> {
  const ws = await db.selectFrom('workspaces').select('transaction_limit').where('id', '=', workspaceId).executeTakeFirst();
  return ws?.transaction_limit ?? null;
}
