/**
 * Where sign-in codes go. Development and tests: an outbox table (readable by tests and
 * `npm run connect -- outbox`); production: SMTP through nodemailer (CONNECT_SMTP_URL).
 */
import nodemailer from 'nodemailer';
import type { Writer } from './db/group-commit.ts';
import type { Clock } from './clock.ts';
import { insertMail } from './mail-outbox.repository.ts';

export { readOutbox } from './mail-outbox.repository.ts';

export type Mail = { to: string; subject: string; text: string };
export type Mailer = { readonly kind: 'outbox' | 'smtp' | 'none'; send(mail: Mail): Promise<void> };

/** Never call `send` inside a `write` callback: the outbox write queues behind it. */
export function createOutboxMailer(write: Writer, clock: Clock): Mailer {
  return {
    kind: 'outbox',
    async send(mail) {
      const now = clock.now();
      await write((trx) => insertMail(trx, mail, now));
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
