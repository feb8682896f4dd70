/**
 * Where sign-in codes go. Development and tests: an outbox table (readable by tests and
 * `npm run connect -- outbox`); production: SMTP through nodemailer (CONNECT_SMTP_URL).
 */
import nodemailer from 'nodemailer';
import type { Db } from './db/database.ts';
import type { Clock } from './clock.ts';

export type Mail = { to: string; subject: string; text: string };
export type Mailer = { readonly kind: 'outbox' | 'smtp' | 'none'; send(mail: Mail): Promise<void> };

export function createOutboxMailer(db: Db, clock: Clock): Mailer {
  return {
    kind: 'outbox',
    async send(mail) {
      await db.insertInto('mail_outbox').values({ to_address: mail.to, subject: mail.subject, body: mail.text, created_at: clock.now() }).execute();
    },
  };
}

export function createSmtpMailer(url: string, from: string): Mailer {
  const transport = nodemailer.createTransport(url);
  return {
    kind: 'smtp',
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}

export const noMailer: Mailer = {
  kind: 'none',
  async send() {
    throw new Error('No mailer configured');
  },
};

export async function readOutbox(db: Db, to?: string, limit = 20) {
  let q = db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(limit);
  if (to) q = q.where('to_address', '=', to.toLowerCase());
  return q.execute();
}
