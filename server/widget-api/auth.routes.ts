/** The widget's sign-in routes: an emailed one-time code or a guest account (sign-in.service.ts), and the workspace to share. */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { connectError } from '../errors.ts';
import { sendOk } from '../http/envelope.ts';
import { grantScopesOf, isViaBff, linkOf } from '../http/locals.ts';
import { ipKey } from '../http/rate-limit.ts';
import type { RouteArea } from '../http/routes.ts';
import { CAN_SHARE, workspaceView } from '../users/users.service.ts';
import { findUser, listWorkspaces } from '../users/users.repository.ts';
import { selectLinkTokenWorkspace } from '../connect/link-tokens.repository.ts';
import { signedInView } from './session.service.ts';
import { requestCode, signInAsGuest, verifyCode, type SignInDeps } from './sign-in.service.ts';
import { OTP_RESEND_MS, OTP_TTL_MS } from '../clock.ts';

const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
export const OtpRequestBody = z.strictObject({ email: Email });
export const OtpVerifyBody = z.strictObject({ email: Email, code: z.string().regex(/^\d{6}$/, 'the code is 6 digits') });
export const GuestBody = z.strictObject({});
export const SelectWorkspaceBody = z.strictObject({ workspace_id: z.string().min(1).max(64) });

export type AuthDeps = SignInDeps;
export type AuthLimits = { codesPerHour: number; guest: RequestHandler[] };

export function authRoutes(api: RouteArea, deps: AuthDeps, limits: AuthLimits): void {
  const { db } = deps;

  api.post(
    '/auth/email/request',
    {
      summary: 'Email a 6-digit sign-in code (10 minutes, single use); on a resumed session, only to the email of its account',
      body: OtpRequestBody,
    },
    async (req, res) => {
      const { email } = OtpRequestBody.parse(req.body);
      const link = linkOf(res);
      // Behind a proven BFF every user shares its address: the link token stands in for it.
      const where = isViaBff(res) ? `link:${link.id}` : `ip:${ipKey(req)}`;
      await requestCode(deps, link, email, where, limits.codesPerHour, { ip: req.ip, requestId: req.id });
      sendOk(res, { sent: true, expires_in: OTP_TTL_MS / 1000, resend_in: OTP_RESEND_MS / 1000 });
    },
  );

  api.post(
    '/auth/email/verify',
    {
      summary: 'Verify the emailed code and sign in (creates the account on first use; on a resumed session, signs in during it)',
      body: OtpVerifyBody,
    },
    async (req, res) => {
      const { email, code } = OtpVerifyBody.parse(req.body);
      const link = linkOf(res);
      const session = await verifyCode(deps, link, email, code, { ip: req.ip, requestId: req.id });
      if (link.grant_id) return sendOk(res, await signedInView(db, { ...link, signed_in_at: deps.clock.now() }, grantScopesOf(res)));
      sendOk(res, await signedInView(db, { user_id: session.userId, workspace_id: session.workspaceId, grant_id: null, signed_in_at: null }, null));
    },
  );

  api.post(
    '/auth/guest',
    {
      summary: 'Continue as a guest: an anonymous user with its own workspace (idempotent per link token)',
      body: GuestBody,
    },
    ...limits.guest,
    async (req, res) => {
      GuestBody.parse(req.body ?? {});
      const link = linkOf(res);
      const existing = link.user_id ? await findUser(db, link.user_id) : undefined;
      if (existing) {
        if (existing.is_anonymous !== 1) throw connectError('ALREADY_SIGNED_IN', 'Already signed in for this session');
        return sendOk(res, await signedInView(db, link, grantScopesOf(res)));
      }
      const created = await signInAsGuest(deps, link, { ip: req.ip, requestId: req.id });
      const view = await signedInView(db, { user_id: created.userId, workspace_id: created.workspaceId, grant_id: null, signed_in_at: null }, null);
      if (view.user && !view.user.is_anonymous) throw connectError('ALREADY_SIGNED_IN', 'Already signed in for this session');
      sendOk(res, view);
    },
  );

  api.post('/workspaces/select', { summary: 'Pick which of your workspaces to share', body: SelectWorkspaceBody }, async (req, res) => {
    const { workspace_id } = SelectWorkspaceBody.parse(req.body);
    const link = linkOf(res);
    if (!link.user_id) throw connectError('SIGN_IN_REQUIRED', 'Sign in first');
    if (link.grant_id) throw connectError('INSUFFICIENT_PERMISSIONS', 'The shared workspace is fixed by the existing grant');
    if (link.consented_at !== null) throw connectError('CONSENT_ALREADY_GIVEN', 'Consent was already given for this session');
    const membership = (await listWorkspaces(db, link.user_id)).find((w) => w.id === workspace_id);
    if (!membership) throw connectError('WORKSPACE_NOT_FOUND', 'No such workspace');
    if (!CAN_SHARE.has(membership.role)) throw connectError('INSUFFICIENT_PERMISSIONS', 'Only an owner or admin can share this workspace');
    await deps.write((trx) => selectLinkTokenWorkspace(trx, link.id, workspace_id));
    sendOk(res, { workspace: workspaceView(membership) });
  });
}
