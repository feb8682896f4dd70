/** The `mail_outbox` table: the development mailer's sent mail (tests and `npm run connect -- outbox` read it). */
import type { Db } from './db/database.ts';

export async function insertMail(trx: Db, mail: { to: string; subject: string; text: string }, now: number): Promise<void> {
  await trx.insertInto('mail_outbox').values({ to_address: mail.to, subject: mail.subject, body: mail.text, created_at: now }).execute();
}

/** The newest mails, to one address (lower-cased) or to all. */
export async function readOutbox(db: Db, to?: string, limit = 20) {
  let q = db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(limit);
  if (to) q = q.where('to_address', '=', to.toLowerCase());
  return q.execute();
}
