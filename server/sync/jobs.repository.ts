/**
 * The persisted sync queue (`sync_jobs`): queued → running → completed | partially_synced
 * | failed. A claim is one conditional UPDATE inside a write transaction, so two processes
 * on one database never run the same job. A running job holds a lease (`run_after` is its
 * expiry, renewed by a heartbeat); a job whose lease ran out was left by a crashed process
 * and goes back to the queue.
 */
import type { Db } from '../db/database.ts';
import type { Updateable } from 'kysely';
import type { Integration, IntegrationsTable, SyncJobsTable } from '../db/tables.ts';
import { randomId } from '../crypto.ts';

export type SyncMode = SyncJobsTable['mode'];
export type SyncJob = { id: string; integrationId: string; mode: SyncMode; attempts: number };

/**
 * Queues a sync of the integration, or folds it into the one already waiting (a
 * `from_start` request upgrades a waiting `latest`). Marks the integration ONGOING.
 * Returns the job id. Call inside a write transaction.
 */
export async function queueSync(db: Db, now: number, integrationId: string, mode: SyncMode): Promise<string> {
  const waiting = await db
    .selectFrom('sync_jobs')
    .select(['id', 'mode'])
    .where('integration_id', '=', integrationId)
    .where('status', '=', 'queued')
    .executeTakeFirst();
  let id: string;
  if (waiting) {
    id = waiting.id;
    await db
      .updateTable('sync_jobs')
      .set({ run_after: now, attempts: 0, last_error: null, ...(mode === 'from_start' ? { mode } : {}) })
      .where('id', '=', id)
      .execute();
  } else {
    id = randomId('sync_', 12);
    await db
      .insertInto('sync_jobs')
      .values({
        id,
        integration_id: integrationId,
        mode,
        status: 'queued',
        attempts: 0,
        run_after: now,
        started_at: null,
        finished_at: null,
        last_error: null,
        created_at: now,
      })
      .execute();
  }
  await db
    .updateTable('integrations')
    .set({ status: 'ONGOING', message: null, updated_at: now })
    .where('id', '=', integrationId)
    .where('deleted_at', 'is', null)
    .execute();
  return id;
}

/**
 * Claims up to `limit` due jobs whose integration has no running job, taking a lease of
 * `leaseMs`. Call inside a write transaction (BEGIN IMMEDIATE makes it atomic across processes).
 */
export async function claimDueJobs(db: Db, now: number, limit: number, leaseMs: number): Promise<SyncJob[]> {
  if (limit <= 0) return [];
  const due = await db
    .selectFrom('sync_jobs')
    .select(['id', 'integration_id', 'mode', 'attempts'])
    .where('status', '=', 'queued')
    .where('run_after', '<=', now)
    .where('integration_id', 'not in', (qb) => qb.selectFrom('sync_jobs').select('integration_id').where('status', '=', 'running'))
    .orderBy('run_after')
    .orderBy('created_at')
    .limit(limit * 4)
    .execute();
  const claimed: SyncJob[] = [];
  const integrations = new Set<string>();
  for (const job of due) {
    if (claimed.length >= limit || integrations.has(job.integration_id)) continue;
    const r = await db
      .updateTable('sync_jobs')
      .set({ status: 'running', attempts: job.attempts + 1, started_at: now, run_after: now + leaseMs })
      .where('id', '=', job.id)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    if (r.numUpdatedRows !== 1n) continue;
    integrations.add(job.integration_id);
    claimed.push({ id: job.id, integrationId: job.integration_id, mode: job.mode, attempts: job.attempts + 1 });
  }
  return claimed;
}

/** Extends the lease of jobs this process is running. */
export async function renewLeases(db: Db, now: number, ids: string[], leaseMs: number): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('sync_jobs')
    .set({ run_after: now + leaseMs })
    .where('id', 'in', ids)
    .where('status', '=', 'running')
    .execute();
}

/** Re-queues running jobs whose lease expired (their process died), except `mine`. Returns how many. */
export async function requeueExpired(db: Db, now: number, mine: string[]): Promise<number> {
  let q = db.updateTable('sync_jobs').set({ status: 'queued', run_after: now }).where('status', '=', 'running').where('run_after', '<', now);
  if (mine.length) q = q.where('id', 'not in', mine);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Puts a job interrupted by a shutdown back in the queue; the interruption does not count as an attempt. */
export async function releaseJob(db: Db, now: number, id: string): Promise<void> {
  await db
    .updateTable('sync_jobs')
    .set((eb) => ({ status: 'queued', run_after: now, attempts: eb('attempts', '-', 1) }))
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

export async function retryLater(db: Db, id: string, runAfter: number, error: string): Promise<void> {
  await db
    .updateTable('sync_jobs')
    .set({ status: 'queued', run_after: runAfter, last_error: error })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .execute();
}

export async function finishJob(db: Db, now: number, id: string, status: 'completed' | 'partially_synced' | 'failed', error: string | null): Promise<void> {
  await db.updateTable('sync_jobs').set({ status, finished_at: now, last_error: error }).where('id', '=', id).execute();
}

/** True when another sync of the integration is waiting (its status then stays ONGOING). */
export async function hasQueuedJob(db: Db, integrationId: string): Promise<boolean> {
  const row = await db.selectFrom('sync_jobs').select('id').where('integration_id', '=', integrationId).where('status', '=', 'queued').executeTakeFirst();
  return row !== undefined;
}

/** Jobs not yet finished (queued or running), for `waitIdle`. */
export async function countUnfinished(db: Db): Promise<number> {
  const row = await db
    .selectFrom('sync_jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The integration a job syncs (also when removed: the caller checks `deleted_at`). */
export async function findIntegration(db: Db, integrationId: string): Promise<Integration | undefined> {
  return db.selectFrom('integrations').selectAll().where('id', '=', integrationId).executeTakeFirst();
}

/** Where the next sync of the integration resumes. */
export async function saveSyncCursor(trx: Db, integrationId: string, cursor: string): Promise<void> {
  await trx.updateTable('integrations').set({ sync_cursor: cursor }).where('id', '=', integrationId).execute();
}

/** The integration's status, message and counters after a sync attempt. */
export async function updateIntegrationSync(trx: Db, integrationId: string, set: Updateable<IntegrationsTable>): Promise<void> {
  await trx.updateTable('integrations').set(set).where('id', '=', integrationId).execute();
}
