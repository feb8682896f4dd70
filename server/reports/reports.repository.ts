/** `reports` as the reports API reads and queues them (the worker generates them). */
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { ReportsTable } from '../db/tables.ts';

const COLUMNS = [
  'id',
  'workspace_id',
  'grant_id',
  'type',
  'tax_year',
  'status',
  'rows',
  'error',
  'attempts',
  'created_at',
  'started_at',
  'completed_at',
] as const;

export async function insertReport(trx: Db, row: Insertable<ReportsTable>): Promise<void> {
  await trx.insertInto('reports').values(row).execute();
}

/** A report of the workspace that this grant asked for, without its content. */
export async function findGrantReport(db: Db, workspaceId: string, grantId: string, id: string) {
  return db
    .selectFrom('reports')
    .select(COLUMNS)
    .where('id', '=', id)
    .where('workspace_id', '=', workspaceId)
    .where('grant_id', '=', grantId)
    .executeTakeFirst();
}

/** The grant's reports, newest first, without their content. */
export async function listGrantReports(db: Db, workspaceId: string, grantId: string, limit: number) {
  return db
    .selectFrom('reports')
    .select(COLUMNS)
    .where('workspace_id', '=', workspaceId)
    .where('grant_id', '=', grantId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function reportContent(db: Db, id: string): Promise<string | null> {
  return (await db.selectFrom('reports').select('content').where('id', '=', id).executeTakeFirstOrThrow()).content;
}
