/**
 * The rules that keep email sign-in from being abused or used to lock a person out
 * (README "Security"). Counters live in tables (`rate_counters`, `sign_in_failures`), so
 * they hold across restarts and processes.
 *
 * Codes: only codes actually sent are counted (a request refused by the 30-second resend
 * rule, a bad body or a lockout spends nothing). Per hour: `perLink` codes per link token,
 * `perLink` per (email, client, requester), 3× that per (email, client) and 6× per IP. The
 * requester is the partner's user_reference when the link token has one, else the caller's
 * address: one requester cannot spend another's budget, and a person signing in through
 * another client is never blocked by requests made through this one.
 *
 * Wrong codes: 10 per email (across link tokens and clients) lock verification for that
 * email for 15 minutes, doubling with each lockout up to 24 hours, and the person is told by
 * email. A lockout history older than a day is forgotten.
 */
import type { Db } from '../db/database.ts';
import { ConnectError } from '../errors.ts';
import { findSignInFailures, readRateCounters, resetSignInFailures, setRateCounter, setSignInFailures } from './sign-in-limits.repository.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
export const FAILURES_BEFORE_LOCKOUT = 10;
const FIRST_LOCKOUT_MS = 15 * 60_000;

export type CodeRequester = { linkId: string; clientId: string; email: string; requester: string; ip: string };

function budgets(r: CodeRequester, perLink: number) {
  return [
    { key: `code:link:${r.linkId}`, limit: perLink, message: 'Too many codes requested in this session; try again later' },
    {
      key: `code:email-client-requester:${r.email}:${r.clientId}:${r.requester}`,
      limit: perLink,
      message: 'Too many codes requested for this email; try again later',
    },
    { key: `code:email-client:${r.email}:${r.clientId}`, limit: perLink * 3, message: 'Too many codes requested for this email; try again later' },
    { key: `code:ip:${r.ip}`, limit: perLink * 6, message: 'Too many codes requested from this address; try again later' },
  ];
}

/** Refuses (429 RATE_LIMITED) when any budget of this request is spent, else spends one of each. Call inside a write transaction. */
export async function spendCodeBudget(trx: Db, now: number, r: CodeRequester, perLink: number): Promise<void> {
  await spendBudgets(trx, now, budgets(r, perLink));
}

/**
 * A resumed session asking a code for an email that is not its account's: nothing is sent,
 * but the session's own budget is spent, so it cannot probe for the account's email.
 */
export async function spendLinkBudget(trx: Db, now: number, linkId: string, perLink: number): Promise<void> {
  await spendBudgets(trx, now, budgets({ linkId, clientId: '', email: '', requester: '', ip: '' }, perLink).slice(0, 1));
}

async function spendBudgets(trx: Db, now: number, all: { key: string; limit: number; message: string }[]): Promise<void> {
  const rows = await readRateCounters(
    trx,
    all.map((b) => b.key),
  );
  for (const b of all) {
    const row = rows.find((x) => x.key === b.key);
    if (row && now - row.window_start < HOUR && row.count >= b.limit) {
      const wait = Math.max(1, Math.ceil((row.window_start + HOUR - now) / 1000));
      throw new ConnectError(429, 'RATE_LIMITED', b.message, { extra: { retry_after: wait } });
    }
  }
  for (const b of all) {
    const row = rows.find((x) => x.key === b.key);
    const fresh = !row || now - row.window_start >= HOUR;
    await setRateCounter(trx, b.key, { window_start: now, count: 1 }, fresh ? { window_start: now, count: 1 } : { count: row.count + 1 });
  }
}

/** 429 SIGN_IN_LOCKED while this email's verification is locked. */
export async function assertNotLocked(db: Db, now: number, email: string, correctCode = false): Promise<void> {
  const row = await findSignInFailures(db, email);
  if (row?.locked_until && row.locked_until > now) {
    const wait = Math.ceil((row.locked_until - now) / 1000);
    const message = correctCode
      ? 'That code is right, but sign-in for this email is locked after too many wrong codes; try again later'
      : 'Sign-in for this email is locked after too many wrong codes; try again later';
    throw new ConnectError(429, 'SIGN_IN_LOCKED', message, { extra: { retry_after: wait } });
  }
}

/** Counts one wrong code for `email`. Returns the lockout (ms) when this failure tripped one. Call inside a write transaction. */
export async function recordWrongCode(trx: Db, now: number, email: string): Promise<number | undefined> {
  const row = await findSignInFailures(trx, email);
  const stale = !row || now - row.window_start >= DAY;
  const failures = (stale ? 0 : row.failures) + 1;
  const lockouts = stale ? 0 : row.lockouts;
  const trips = failures >= FAILURES_BEFORE_LOCKOUT;
  const lockMs = Math.min(DAY, FIRST_LOCKOUT_MS * 2 ** lockouts);
  const next = {
    failures: trips ? 0 : failures,
    window_start: stale ? now : row.window_start,
    lockouts: trips ? lockouts + 1 : lockouts,
    locked_until: trips ? now + lockMs : stale ? null : row.locked_until,
  };
  await setSignInFailures(trx, email, next);
  return trips ? lockMs : undefined;
}

/** A successful sign-in clears the wrong-code count (not the lockout history). */
export async function clearWrongCodes(trx: Db, email: string): Promise<void> {
  await resetSignInFailures(trx, email);
}
