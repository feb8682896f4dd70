/** The `otp_codes` table: one emailed code per link token, stored as an HMAC (T28). */
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { OtpCodesTable } from '../db/tables.ts';

export type CodeRow = Omit<Insertable<OtpCodesTable>, 'link_token_id'>;

export async function findSignInCode(db: Db, linkTokenId: string) {
  return db.selectFrom('otp_codes').selectAll().where('link_token_id', '=', linkTokenId).executeTakeFirst();
}

/** The link token's code, replacing the previous one. */
export async function upsertSignInCode(trx: Db, linkTokenId: string, row: CodeRow): Promise<void> {
  await trx
    .insertInto('otp_codes')
    .values({ link_token_id: linkTokenId, ...row })
    .onConflict((oc) => oc.column('link_token_id').doUpdateSet(row))
    .execute();
}

/** Counts a wrong try while the code is still usable; false when it no longer was. */
export async function countWrongTry(trx: Db, linkTokenId: string, maxAttempts: number): Promise<boolean> {
  const r = await trx
    .updateTable('otp_codes')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('link_token_id', '=', linkTokenId)
    .where('attempts', '<', maxAttempts)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows !== 0n;
}

/** Spends the code (single use): true when this call did, while unexpired and under the try limit. */
export async function consumeSignInCode(trx: Db, linkTokenId: string, now: number, maxAttempts: number): Promise<boolean> {
  const r = await trx
    .updateTable('otp_codes')
    .set({ consumed_at: now })
    .where('link_token_id', '=', linkTokenId)
    .where('consumed_at', 'is', null)
    .where('attempts', '<', maxAttempts)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}
