/** The `integrations` table: a workspace's connected accounts (soft-deleted with `deleted_at`). */
import type { Db } from '../db/database.ts';
import type { Integration } from '../db/tables.ts';

/** The workspace's live integrations, oldest first. */
export async function listIntegrations(db: Db, workspaceId: string) {
  return db
    .selectFrom('integrations')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

export async function insertIntegration(trx: Db, row: Integration): Promise<void> {
  await trx.insertInto('integrations').values(row).execute();
}

/** Soft-deletes one integration of the workspace; with `addedBy`, only one that link token added. */
export async function removeIntegration(trx: Db, now: number, workspaceId: string, id: string, addedBy?: string): Promise<boolean> {
  let q = trx
    .updateTable('integrations')
    .set({ deleted_at: now, updated_at: now, credentials: null })
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null);
  if (addedBy !== undefined) q = q.where('added_by_link_token_id', '=', addedBy);
  const r = await q.executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** A live wallet of the workspace (what `POST /v0/transactions` adds to). */
export async function findWallet(db: Db, workspaceId: string, id: string) {
  return db
    .selectFrom('integrations')
    .select(['id', 'provider', 'chain', 'address'])
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The workspace's live integrations in the balances view's shape. */
export async function listIntegrationAccounts(db: Db, workspaceId: string) {
  return db
    .selectFrom('integrations')
    .select(['id', 'provider', 'address', 'chain'])
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/** Counts `manual` new transactions into the wallet's total. */
export async function addToTransactionTotal(trx: Db, integrationId: string, added: number): Promise<void> {
  await trx
    .updateTable('integrations')
    .set((eb) => ({ total_transactions: eb('total_transactions', '+', added) }))
    .where('id', '=', integrationId)
    .execute();
}
