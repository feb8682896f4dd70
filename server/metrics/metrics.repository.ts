/** What /metrics reads from the database at scrape time: queue depths and ages. */
import type { Db } from '../db/database.ts';

/** Sync jobs waiting or running, and how long the oldest due one has waited (ms). */
export async function syncQueue(db: Db, now: number): Promise<{ queued: number; running: number; oldestDueAt: number | null }> {
  const rows = await db
    .selectFrom('sync_jobs')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['queued', 'running'])
    .groupBy('status')
    .execute();
  const due = await db
    .selectFrom('sync_jobs')
    .select((eb) => eb.fn.min<number>('run_after').as('at'))
    .where('status', '=', 'queued')
    .where('run_after', '<=', now)
    .executeTakeFirst();
  const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { queued: count('queued'), running: count('running'), oldestDueAt: due?.at ?? null };
}

/** Webhook deliveries not yet delivered, and those that gave up. */
export async function webhookBacklog(db: Db): Promise<{ pending: number; failed: number }> {
  const rows = await db
    .selectFrom('webhook_deliveries')
    .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
    .where('status', 'in', ['pending', 'failed'])
    .groupBy('status')
    .execute();
  const count = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { pending: count('pending'), failed: count('failed') };
}
