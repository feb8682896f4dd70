/** The integration lookups of the developer endpoints (the `integrations` table, as a client with a grant may reach it). */
import type { Db } from '../db/database.ts';

/** A live integration in one of `workspaceIds`. */
export async function findIntegrationIn(db: Db, integrationId: string, workspaceIds: string[]) {
  return db
    .selectFrom('integrations')
    .select(['id', 'workspace_id', 'category'])
    .where('id', '=', integrationId)
    .where('workspace_id', 'in', workspaceIds)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** The workspace's live integrations, oldest first. */
export async function liveIntegrationIds(db: Db, workspaceId: string) {
  return db
    .selectFrom('integrations')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}
