/**
 * Sign-in inside the widget (T28): an email one-time code — 6 digits, 10 minutes, single
 * use, 5 wrong tries, stored as an HMAC, bound to the link token — or a guest account.
 * Single use and "one session" are conditional UPDATEs whose row count decides.
 */
import { randomInt } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { LinkToken } from '../db/tables.ts';
import { digestsEqual, hmac } from '../crypto.ts';
import { OTP_MAX_ATTEMPTS, OTP_RESEND_MS, OTP_TTL_MS } from '../clock.ts';
import { HttpError, connectError } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { sendOk } from '../http/envelope.ts';
import { route } from '../openapi.ts';
import { CAN_SHARE, findUserByEmail, findWorkspace, insertUserWithWorkspace, listWorkspaces, userView, workspaceView, findUser } from '../users/users.service.ts';
import { locals, signedInView } from './session.routes.ts';
import { ipKey } from '../http/rate-limit.ts';
import { FAILURES_BEFORE_LOCKOUT, assertNotLocked, clearWrongCodes, recordWrongCode, spendCodeBudget, spendLinkBudget } from './sign-in-limits.ts';

const Email = z.email().max(254).transform((e) => e.toLowerCase());
export const OtpRequestBody = z.strictObject({ email: Email });
export const OtpVerifyBody = z.strictObject({ email: Email, code: z.string().regex(/^\d{6}$/, 'the code is 6 digits') });
export const GuestBody = z.strictObject({});
export const SelectWorkspaceBody = z.strictObject({ workspace_id: z.string().min(1).max(64) });

const maskEmail = (email: string) => email.replace(/^(.).*(@.*)$/, '$1…$2');

class SignInConflict extends Error {}

const tooManyTries = (correct: boolean) => connectError('OTP_TOO_MANY_ATTEMPTS', correct
  ? 'That code is right, but it was blocked after too many wrong tries; ask for a new code'
  : 'Too many wrong codes; ask for a new one');

export function authRoutes(ctx: AppContext, limits: { codesPerHour: number; guest: RequestHandler[] }): Router {
  const router = Router({ strict: true, caseSensitive: true });
  const { db, clock } = ctx;
  const codeDigest = (link: LinkToken, email: string, code: string) => hmac(ctx.otpKey, `${link.id}:${email}:${code}`);


  /**
   * Who may ask for a code: a session nobody signed in to yet, or a resumed session stepping
   * up for its grant's own user (a guest-resumed session cannot: a guest has no email).
   * Answers the account's email to check the request against, or undefined on a fresh session.
   */
  async function stepUpEmail(link: LinkToken): Promise<string | undefined> {
    if (!link.user_id) return undefined;
    if (!link.grant_id || link.signed_in_at !== null) throw connectError('ALREADY_SIGNED_IN', 'Already signed in for this session');
    const user = await findUser(db, link.user_id);
    if (!user?.email) throw connectError('ACCOUNT_MISMATCH', 'This app is connected to a guest account, which has no email to sign in with');
    return user.email;
  }

  route({ method: 'post', path: '/widget/auth/email/request', tag: 'Widget', summary: 'Email a 6-digit sign-in code (10 minutes, single use); on a resumed session, only to the email of its account', body: OtpRequestBody, auth: 'link' });
  router.post('/auth/email/request', async (req, res) => {
    const { email } = OtpRequestBody.parse(req.body);
    const { link } = locals(res);
    const accountEmail = await stepUpEmail(link);
    if (ctx.mailer.kind === 'none') throw connectError('EMAIL_UNAVAILABLE', 'Email sign-in is not available; continue as a guest');
    const now = clock.now();
    if (accountEmail !== undefined && accountEmail !== email) {
      await ctx.write((trx) => spendLinkBudget(trx, now, link.id, limits.codesPerHour));
      throw connectError('ACCOUNT_MISMATCH', 'This is not the email of the account this app is connected to');
    }
    const previous = await db.selectFrom('otp_codes').select(['created_at']).where('link_token_id', '=', link.id).executeTakeFirst();
    if (previous && now - previous.created_at < OTP_RESEND_MS) {
      const wait = Math.ceil((OTP_RESEND_MS - (now - previous.created_at)) / 1000);
      throw new HttpError(429, 'RATE_LIMITED', `Wait ${wait} s before asking for another code`, { extra: { retry_after: wait } });
    }
    await assertNotLocked(db, now, email);
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const row = { email, code_digest: codeDigest(link, email, code), attempts: 0, created_at: now, expires_at: now + OTP_TTL_MS, consumed_at: null };
    // Behind a proven BFF every user shares its address: the link token stands in for it.
    const where = res.locals.viaBff === true ? `link:${link.id}` : `ip:${ipKey(req)}`;
    const requester = { linkId: link.id, clientId: link.client_id, email, requester: link.user_reference ?? where, ip: where };
    await ctx.write(async (trx) => {
      await spendCodeBudget(trx, now, requester, limits.codesPerHour);
      await trx.insertInto('otp_codes').values({ link_token_id: link.id, ...row }).onConflict((oc) => oc.column('link_token_id').doUpdateSet(row)).execute();
    });
    await ctx.mailer.send({
      to: email,
      subject: `${code} is your Kryptos sign-in code`,
      text: `Your Kryptos sign-in code is ${code}.\n\nIt expires in 10 minutes. If you did not try to sign in, ignore this email.`,
    });
    await recordAudit(db, now, { clientId: link.client_id, event: 'signin.code_sent', ip: req.ip, requestId: req.id, details: { email: maskEmail(email), link_token_id: link.id } });
    sendOk(res, { sent: true, expires_in: OTP_TTL_MS / 1000, resend_in: OTP_RESEND_MS / 1000 });
  });

  route({ method: 'post', path: '/widget/auth/email/verify', tag: 'Widget', summary: 'Verify the emailed code and sign in (creates the account on first use; on a resumed session, signs in during it)', body: OtpVerifyBody, auth: 'link' });
  router.post('/auth/email/verify', async (req, res) => {
    const { email, code } = OtpVerifyBody.parse(req.body);
    const { link, grantScopes } = locals(res);
    if (link.user_id && (!link.grant_id || link.signed_in_at !== null)) throw connectError('ALREADY_SIGNED_IN', 'Already signed in for this session');
    const now = clock.now();
    const otp = await db.selectFrom('otp_codes').selectAll().where('link_token_id', '=', link.id).executeTakeFirst();
    if (!otp || otp.consumed_at !== null) throw connectError('OTP_NOT_REQUESTED', 'Ask for a sign-in code first');
    if (otp.email !== email) throw connectError('EMAIL_MISMATCH', 'This is not the email the code was sent to');
    if (otp.expires_at <= now) throw connectError('OTP_EXPIRED', 'The code has expired; ask for a new one');
    const correct = digestsEqual(codeDigest(link, email, code), otp.code_digest);
    await assertNotLocked(db, now, email, correct);
    if (otp.attempts >= OTP_MAX_ATTEMPTS) throw tooManyTries(correct);
    const audit = { clientId: link.client_id, ip: req.ip, requestId: req.id };
    if (!correct) {
      const r = await ctx.write(async (trx) => {
        const counted = await trx.updateTable('otp_codes').set((eb) => ({ attempts: eb('attempts', '+', 1) }))
          .where('link_token_id', '=', link.id).where('attempts', '<', OTP_MAX_ATTEMPTS).where('consumed_at', 'is', null).executeTakeFirst();
        const lockedFor = await recordWrongCode(trx, now, email);
        await recordAudit(trx, now, { ...audit, event: 'signin.code_failed', outcome: 'failure', details: { email: maskEmail(email), link_token_id: link.id, ...(lockedFor ? { locked_minutes: lockedFor / 60_000 } : {}) } });
        return { counted, lockedFor };
      });
      if (r.lockedFor !== undefined) {
        const minutes = r.lockedFor / 60_000;
        await ctx.mailer.send({
          to: email,
          subject: 'Kryptos sign-in paused after wrong codes',
          text: `Someone entered ${FAILURES_BEFORE_LOCKOUT} wrong sign-in codes for this email, so email sign-in to Kryptos is paused for ${minutes >= 60 ? `${minutes / 60} h` : `${minutes} minutes`}.\n\nIf it was you, wait and try again. If it was not, nobody got in: a code is needed, and it was only sent to you.`,
        }).catch((error: unknown) => ctx.logger.warn({ err: error }, 'lockout notice not sent'));
        throw new HttpError(429, 'SIGN_IN_LOCKED', 'Too many wrong codes for this email; sign-in is paused for a while', { extra: { retry_after: r.lockedFor / 1000 } });
      }
      const left = OTP_MAX_ATTEMPTS - otp.attempts - 1;
      if (r.counted.numUpdatedRows === 0n || left <= 0) throw connectError('OTP_TOO_MANY_ATTEMPTS', 'Too many wrong codes; ask for a new one');
      throw connectError('INVALID_OTP', `Wrong code; ${left} ${left === 1 ? 'try' : 'tries'} left`, { attempts_left: left });
    }
    const session = await ctx.write(async (trx) => {
      const consumed = await trx.updateTable('otp_codes').set({ consumed_at: now })
        .where('link_token_id', '=', link.id).where('consumed_at', 'is', null).where('attempts', '<', OTP_MAX_ATTEMPTS).where('expires_at', '>', now)
        .executeTakeFirst();
      if (consumed.numUpdatedRows !== 1n) throw new SignInConflict();
      await clearWrongCodes(trx, email);
      if (link.grant_id) {
        // Step-up of a resumed session: the grant's own user, proven by email during this session.
        const user = link.user_id ? await findUser(trx, link.user_id) : undefined;
        if (!user || user.email !== email) throw connectError('ACCOUNT_MISMATCH', 'This is not the email of the account this app is connected to');
        const stepped = await trx.updateTable('link_tokens').set({ signed_in_at: now }).where('id', '=', link.id).where('signed_in_at', 'is', null).executeTakeFirst();
        if (stepped.numUpdatedRows !== 1n) throw new SignInConflict();
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
      const claimed = await trx.updateTable('link_tokens').set({ user_id: user.id, workspace_id: workspaceId })
        .where('id', '=', link.id).where('user_id', 'is', null).executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) throw new SignInConflict();
      await recordAudit(trx, now, { ...audit, event: 'signin.succeeded', details: { user_id: user.id, link_token_id: link.id } });
      return { userId: user.id, workspaceId };
    }).catch(async (error: unknown) => {
      if (!(error instanceof SignInConflict)) throw error;
      const after = await db.selectFrom('otp_codes').select('attempts').where('link_token_id', '=', link.id).executeTakeFirst();
      if (after && after.attempts >= OTP_MAX_ATTEMPTS) throw tooManyTries(true);
      throw connectError('ALREADY_SIGNED_IN', 'This code was already used to sign in');
    });
    if (link.grant_id) return sendOk(res, await signedInView(ctx, { ...link, signed_in_at: now }, grantScopes));
    sendOk(res, await signedInView(ctx, { user_id: session.userId, workspace_id: session.workspaceId, grant_id: null, signed_in_at: null }, null));
  });

  route({ method: 'post', path: '/widget/auth/guest', tag: 'Widget', summary: 'Continue as a guest: an anonymous user with its own workspace (idempotent per link token)', body: GuestBody, auth: 'link' });
  router.post('/auth/guest', ...limits.guest, async (req, res) => {
    GuestBody.parse(req.body ?? {});
    const { link, grantScopes } = locals(res);
    const now = clock.now();
    const existing = link.user_id ? await findUser(db, link.user_id) : undefined;
    if (existing) {
      if (existing.is_anonymous !== 1) throw connectError('ALREADY_SIGNED_IN', 'Already signed in for this session');
      return sendOk(res, await signedInView(ctx, link, grantScopes));
    }
    const created = await ctx.write(async (trx) => {
      const current = await trx.selectFrom('link_tokens').select(['user_id', 'workspace_id']).where('id', '=', link.id).executeTakeFirstOrThrow();
      if (current.user_id) return { userId: current.user_id, workspaceId: current.workspace_id, fresh: false };
      const ids = await insertUserWithWorkspace(trx, now, null);
      await trx.updateTable('link_tokens').set({ user_id: ids.userId, workspace_id: ids.workspaceId }).where('id', '=', link.id).where('user_id', 'is', null).execute();
      await recordAudit(trx, now, { clientId: link.client_id, event: 'signin.guest', ip: req.ip, requestId: req.id, details: { user_id: ids.userId, link_token_id: link.id } });
      return { ...ids, fresh: true };
    });
    const view = await signedInView(ctx, { user_id: created.userId, workspace_id: created.workspaceId, grant_id: null, signed_in_at: null }, null);
    if (view.user && !view.user.is_anonymous) throw connectError('ALREADY_SIGNED_IN', 'Already signed in for this session');
    sendOk(res, view);
  });

  route({ method: 'post', path: '/widget/workspaces/select', tag: 'Widget', summary: 'Pick which of your workspaces to share', body: SelectWorkspaceBody, auth: 'link' });
  router.post('/workspaces/select', async (req, res) => {
    const { workspace_id } = SelectWorkspaceBody.parse(req.body);
    const { link } = locals(res);
    if (!link.user_id) throw connectError('SIGN_IN_REQUIRED', 'Sign in first');
    if (link.grant_id) throw connectError('INSUFFICIENT_PERMISSIONS', 'The shared workspace is fixed by the existing grant');
    if (link.consented_at !== null) throw connectError('CONSENT_ALREADY_GIVEN', 'Consent was already given for this session');
    const membership = (await listWorkspaces(db, link.user_id)).find((w) => w.id === workspace_id);
    if (!membership) throw connectError('WORKSPACE_NOT_FOUND', 'No such workspace');
    if (!CAN_SHARE.has(membership.role)) throw connectError('INSUFFICIENT_PERMISSIONS', 'Only an owner or admin can share this workspace');
    await ctx.write((trx) => trx.updateTable('link_tokens').set({ workspace_id }).where('id', '=', link.id).where('consented_at', 'is', null).execute());
    sendOk(res, { workspace: workspaceView(membership) });
  });

  return router;
}
