/** Cookie sessions: the cookie holds a signed opaque id; the row holds its digest and the partner user. */
import type { BffDb } from './db.ts';
import { randomSecret, sha256 } from './crypto.ts';

export async function createSession(db: BffDb, now: number, partnerUserId: string, ttlMs: number): Promise<string> {
  const id = randomSecret();
  await db
    .insertInto('sessions')
    .values({ id_digest: sha256(id), partner_user_id: partnerUserId, created_at: now, expires_at: now + ttlMs })
    .execute();
  // Housekeeping on the write path keeps the table small without a timer.
  await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  return id;
}

/** The partner user of a live session, or undefined. */
export async function findSessionUser(db: BffDb, now: number, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('sessions').select('partner_user_id').where('id_digest', '=', sha256(id)).where('expires_at', '>', now).executeTakeFirst();
  return row?.partner_user_id;
}

export async function deleteSession(db: BffDb, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_digest', '=', sha256(id)).execute();
}
