/**
 * Group commit: writes that arrive in the same event-loop turn share one transaction and
 * so one fsync (synchronous=FULL costs ~0.3–1 ms per commit here, more than the rest of a
 * request). Each write runs in its own savepoint, so one failing write rolls back alone;
 * every caller is answered only after the shared COMMIT is durable. Writes run one after
 * another on the single connection, so conditional UPDATEs keep their single-use meaning
 * inside a batch exactly as across batches (docs/security-model.md T8).
 */
import { sql } from 'kysely';
import { writeTransaction, type Db } from './database.ts';

export type Writer = <T>(fn: (trx: Db) => Promise<T>) => Promise<T>;

type Pending = { fn: (trx: Db) => Promise<unknown>; resolve(value: unknown): void; reject(error: unknown): void };

const MAX_BATCH = 64;

/** The writer, and how many writes wait for it (a metric: the single writer is the database's pool). */
export type GroupCommit = Writer & { pending(): number };

export function createGroupCommit(db: Db): GroupCommit {
  const queue: Pending[] = [];
  let scheduled = false;

  async function flush(): Promise<void> {
    const batch = queue.splice(0, MAX_BATCH);
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await writeTransaction(db, async (trx) => {
        for (const item of batch) {
          await sql`savepoint kc_write`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await item.fn(trx) });
            await sql`release kc_write`.execute(trx);
          } catch (error) {
            await sql`rollback to kc_write`.execute(trx);
            await sql`release kc_write`.execute(trx);
            outcomes.push({ ok: false, error });
          }
        }
      });
      batch.forEach((item, i) => {
        const o = outcomes[i]!;
        if (o.ok) item.resolve(o.value);
        else item.reject(o.error);
      });
    } catch (error) {
      for (const item of batch) item.reject(error);
    }
    if (queue.length) setImmediate(() => void flush());
    else scheduled = false;
  }

  const write = <T>(fn: (trx: Db) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
  return Object.assign(write, { pending: () => queue.length });
}
