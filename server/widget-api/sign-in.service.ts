/**
 * Sign-in inside the widget (T28): an email one-time code — 6 digits, 10 minutes, single
 * use, 5 wrong tries, stored as an HMAC, bound to the link token — or a guest account.
 * Single use and "one session" are conditional UPDATEs whose row count decides.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { LinkToken } from '../db/tables.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Mailer } from '../mailer.ts';
import { digestsEqual, hmac } from '../crypto.ts';
import { OTP_MAX_ATTEMPTS, OTP_RESEND_MS, OTP_TTL_MS } from '../clock.ts';
import { connectError, ConnectError } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { CAN_SHARE } from '../users/users.service.ts';
import { findUser, findUserByEmail, insertUserWithWorkspace, listWorkspaces } from '../users/users.repository.ts';
import { claimLinkTokenUser, findLinkToken, markLinkTokenSignedIn } from '../connect/link-tokens.repository.ts';
import { FAILURES_BEFORE_LOCKOUT, assertNotLocked, clearWrongCodes, recordWrongCode, spendCodeBudget, spendLinkBudget } from './sign-in-limits.ts';
import { consumeSignInCode, countWrongTry, findSignInCode, upsertSignInCode } from './sign-in-codes.repository.ts';

export type SignInDeps = { db: Db; write: Writer; clock: Clock; mailer: Mailer; logger: Logger; otpKey: Buffer };
type Meta = { ip?: string; requestId?: string };
/** Who signed in: the session's user and workspace. */
export type SignedIn = { userId: string; workspaceId: string | null };

const maskEmail = (email: string) => email.replace(/^(.).*(@.*)$/, '$1…$2');

class SignInConflict extends Error {}

const tooManyTries = (correct: boolean) =>
  connectError(
    'OTP_TOO_MANY_ATTEMPTS',
    correct ? 'That code is right, but it was blocked after too many wrong tries; ask for a new code' : 'Too many wrong codes; ask for a new one',
  );

const codeDigest = (otpKey: Buffer, link: LinkToken, email: string, code: string) => hmac(otpKey, `${link.id}:${email}:${code}`);

/**
 * Who may ask for a code: a session nobody signed in to yet, or a resumed session stepping
 * up for its grant's own user (a guest-resumed session cannot: a guest has no email).
 * Answers the account's email to check the request against, or undefined on a fresh session.
 */
async function stepUpEmail(db: Db, link: LinkToken): Promise<string | undefined> {
  if (!link.user_id) return undefined;
  if (!link.grant_id || link.signed_in_at !== null) throw connectError('ALREADY_SIGNED_IN', 'Already signed in for this session');
  const user = await findUser(db, link.user_id);
  if (!user?.email) throw connectError('ACCOUNT_MISMATCH', 'This app is connected to a guest account, which has no email to sign in with');
  return user.email;
}

/**
 * Emails a code for `email`. `where` is who asks (the caller's address, or the link token
 * behind a proven BFF, where every user shares its address).
 */
export async function requestCode(deps: SignInDeps, link: LinkToken, email: string, where: string, codesPerHour: number, meta: Meta): Promise<void> {
  const { db, clock } = deps;
  const accountEmail = await stepUpEmail(db, link);
  if (deps.mailer.kind === 'none') throw connectError('EMAIL_UNAVAILABLE', 'Email sign-in is not available; continue as a guest');
  const now = clock.now();
  if (accountEmail !== undefined && accountEmail !== email) {
    await deps.write((trx) => spendLinkBudget(trx, now, link.id, codesPerHour));
    throw connectError('ACCOUNT_MISMATCH', 'This is not the email of the account this app is connected to');
  }
  const previous = await findSignInCode(db, link.id);
  if (previous && now - previous.created_at < OTP_RESEND_MS) {
    const wait = Math.ceil((OTP_RESEND_MS - (now - previous.created_at)) / 1000);
    throw new ConnectError(429, 'RATE_LIMITED', `Wait ${wait} s before asking for another code`, { extra: { retry_after: wait } });
  }
  await assertNotLocked(db, now, email);
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const row = { email, code_digest: codeDigest(deps.otpKey, link, email, code), attempts: 0, created_at: now, expires_at: now + OTP_TTL_MS, consumed_at: null };
  const requester = { linkId: link.id, clientId: link.client_id, email, requester: link.user_reference ?? where, ip: where };
  await deps.write(async (trx) => {
    await spendCodeBudget(trx, now, requester, codesPerHour);
    await upsertSignInCode(trx, link.id, row);
  });
  await deps.mailer.send({
    to: email,
    subject: `${code} is your Kryptos sign-in code`,
    text: `Your Kryptos sign-in code is ${code}.\n\nIt expires in 10 minutes. If you did not try to sign in, ignore this email.`,
  });
  await deps.write((trx) =>
    recordAudit(trx, now, {
      clientId: link.client_id,
      event: 'signin.code_sent',
      ip: meta.ip,
      requestId: meta.requestId,
      details: { email: maskEmail(email), link_token_id: link.id },
    }),
  );
}

/**
 * Verifies the emailed code and signs the session in: the account is created on first use;
 * a resumed session is signed in during it (the grant's own user only).
 */
export async function verifyCode(deps: SignInDeps, link: LinkToken, email: string, code: string, meta: Meta): Promise<SignedIn> {
  const { db, clock } = deps;
  if (link.user_id && (!link.grant_id || link.signed_in_at !== null)) throw connectError('ALREADY_SIGNED_IN', 'Already signed in for this session');
  const now = clock.now();
  const otp = await findSignInCode(db, link.id);
  if (!otp || otp.consumed_at !== null) throw connectError('OTP_NOT_REQUESTED', 'Ask for a sign-in code first');
  if (otp.email !== email) throw connectError('EMAIL_MISMATCH', 'This is not the email the code was sent to');
  if (otp.expires_at <= now) throw connectError('OTP_EXPIRED', 'The code has expired; ask for a new one');
  const correct = digestsEqual(codeDigest(deps.otpKey, link, email, code), otp.code_digest);
  await assertNotLocked(db, now, email, correct);
  if (otp.attempts >= OTP_MAX_ATTEMPTS) throw tooManyTries(correct);
  const audit = { clientId: link.client_id, ip: meta.ip, requestId: meta.requestId };
  if (!correct) {
    const r = await deps.write(async (trx) => {
      const counted = await countWrongTry(trx, link.id, OTP_MAX_ATTEMPTS);
      const lockedFor = await recordWrongCode(trx, now, email);
      await recordAudit(trx, now, {
        ...audit,
        event: 'signin.code_failed',
        outcome: 'failure',
        details: { email: maskEmail(email), link_token_id: link.id, ...(lockedFor ? { locked_minutes: lockedFor / 60_000 } : {}) },
      });
      return { counted, lockedFor };
    });
    if (r.lockedFor !== undefined) {
      const minutes = r.lockedFor / 60_000;
      await deps.mailer
        .send({
          to: email,
          subject: 'Kryptos sign-in paused after wrong codes',
          text: `Someone entered ${FAILURES_BEFORE_LOCKOUT} wrong sign-in codes for this email, so email sign-in to Kryptos is paused for ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} minutes`}.\n\nIf it was you, wait and try again. If it was not, nobody got in: a code is needed, and it was only sent to you.`,
        })
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'lockout notice not sent'));
      throw new ConnectError(429, 'SIGN_IN_LOCKED', 'Too many wrong codes for this email; sign-in is paused for a while', {
        extra: { retry_after: r.lockedFor / 1000 },
      });
    }
    const left = OTP_MAX_ATTEMPTS - otp.attempts - 1;
    if (!r.counted || left <= 0) throw connectError('OTP_TOO_MANY_ATTEMPTS', 'Too many wrong codes; ask for a new one');
    throw connectError('INVALID_OTP', `Wrong code; ${left} ${left === 1 ? 'try' : 'tries'} left`, { attempts_left: left });
  }
  return deps
    .write(async (trx): Promise<SignedIn> => {
      if (!(await consumeSignInCode(trx, link.id, now, OTP_MAX_ATTEMPTS))) throw new SignInConflict();
      await clearWrongCodes(trx, email);
      if (link.grant_id) {
        // Step-up of a resumed session: the grant's own user, proven by email during this session.
        const user = link.user_id ? await findUser(trx, link.user_id) : undefined;
        if (!user || user.email !== email) throw connectError('ACCOUNT_MISMATCH', 'This is not the email of the account this app is connected to');
        if (!(await markLinkTokenSignedIn(trx, link.id, now))) throw new SignInConflict();
        await recordAudit(trx, now, { ...audit, event: 'signin.succeeded', details: { user_id: user.id, link_token_id: link.id, resumed: true } });
        return { userId: user.id, workspaceId: link.workspace_id };
      }
      let user = await findUserByEmail(trx, email);
      let workspaceId: string | null;
      if (!user) {
        const created = await insertUserWithWorkspace(trx, now, email);
        user = (await findUser(trx, created.userId))!;
        workspaceId = created.workspaceId;
      } else {
        const shareable = (await listWorkspaces(trx, user.id)).filter((w) => CAN_SHARE.has(w.role));
        workspaceId = shareable[0]?.id ?? null;
      }
      if (!(await claimLinkTokenUser(trx, link.id, user.id, workspaceId))) throw new SignInConflict();
      await recordAudit(trx, now, { ...audit, event: 'signin.succeeded', details: { user_id: user.id, link_token_id: link.id } });
      return { userId: user.id, workspaceId };
    })
    .catch(async (error: unknown) => {
      if (!(error instanceof SignInConflict)) throw error;
      const after = await findSignInCode(db, link.id);
      if (after && after.attempts >= OTP_MAX_ATTEMPTS) throw tooManyTries(true);
      throw connectError('ALREADY_SIGNED_IN', 'This code was already used to sign in');
    });
}

/** A guest user with its own workspace for the session (idempotent per link token). */
export async function signInAsGuest(deps: Pick<SignInDeps, 'write' | 'clock'>, link: LinkToken, meta: Meta): Promise<SignedIn> {
  const now = deps.clock.now();
  return deps.write(async (trx) => {
    const current = await findLinkToken(trx, link.id);
    if (!current) throw new Error(`link token ${link.id} vanished`);
    if (current.user_id) return { userId: current.user_id, workspaceId: current.workspace_id };
    const ids = await insertUserWithWorkspace(trx, now, null);
    await claimLinkTokenUser(trx, link.id, ids.userId, ids.workspaceId);
    await recordAudit(trx, now, {
      clientId: link.client_id,
      event: 'signin.guest',
      ip: meta.ip,
      requestId: meta.requestId,
      details: { user_id: ids.userId, link_token_id: link.id },
    });
    return ids;
  });
}
