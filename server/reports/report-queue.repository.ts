/** The persisted report queue (`reports`) as the report worker sees it: queued → running → completed | failed. */
import type { Db } from '../db/database.ts';

/** The oldest queued report. */
export async function nextQueued(db: Db): Promise<{ id: string } | undefined> {
  return db.selectFrom('reports').select(['id']).where('status', '=', 'queued').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
}

/** Takes a queued report (a conditional UPDATE); false when another worker has it. */
export async function claimReport(trx: Db, id: string, now: number): Promise<boolean> {
  const r = await trx
    .updateTable('reports')
    .set((eb) => ({ status: 'running', started_at: now, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function findReport(db: Db, id: string) {
  return db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The currency of the workspace's stored tax results. */
export async function taxRunCurrency(db: Db, workspaceId: string): Promise<string | undefined> {
  return (await db.selectFrom('tax_runs').select('currency').where('workspace_id', '=', workspaceId).executeTakeFirst())?.currency;
}

export async function completeReport(trx: Db, id: string, content: string, rows: number, now: number): Promise<void> {
  await trx.updateTable('reports').set({ status: 'completed', content, rows, error: null, completed_at: now }).where('id', '=', id).execute();
}

export async function failReport(trx: Db, id: string, error: string, now: number): Promise<void> {
  await trx.updateTable('reports').set({ status: 'failed', error, completed_at: now }).where('id', '=', id).execute();
}

/** Puts reports a stopped process left running back in the queue. */
export async function requeueRunning(trx: Db): Promise<void> {
  await trx.updateTable('reports').set({ status: 'queued' }).where('status', '=', 'running').execute();
}

/** True while a report is queued or running. */
export async function anyUnfinished(db: Db): Promise<boolean> {
  return (await db.selectFrom('reports').select('id').where('status', 'in', ['queued', 'running']).limit(1).executeTakeFirst()) !== undefined;
}
