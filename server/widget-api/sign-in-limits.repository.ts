/** The counters behind the sign-in limits: `rate_counters` (codes sent per hour) and `sign_in_failures` (wrong codes per email). */
import type { Db } from '../db/database.ts';
import type { SignInFailuresTable } from '../db/tables.ts';

export async function readRateCounters(db: Db, keys: string[]) {
  return db.selectFrom('rate_counters').selectAll().where('key', 'in', keys).execute();
}

export async function setRateCounter(
  trx: Db,
  key: string,
  value: { window_start: number; count: number },
  update: Partial<{ window_start: number; count: number }>,
): Promise<void> {
  await trx
    .insertInto('rate_counters')
    .values({ key, ...value })
    .onConflict((oc) => oc.column('key').doUpdateSet(update))
    .execute();
}

export async function findSignInFailures(db: Db, email: string) {
  return db.selectFrom('sign_in_failures').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function setSignInFailures(trx: Db, email: string, next: Omit<SignInFailuresTable, 'email'>): Promise<void> {
  await trx
    .insertInto('sign_in_failures')
    .values({ email, ...next })
    .onConflict((oc) => oc.column('email').doUpdateSet(next))
    .execute();
}

export async function resetSignInFailures(trx: Db, email: string): Promise<void> {
  await trx.updateTable('sign_in_failures').set({ failures: 0 }).where('email', '=', email).execute();
}
