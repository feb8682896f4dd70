/**
 * The server side of the hosted Connect page (`/connect`): it is opened by /oauth/authorize
 * with `?request=creq_…` — a 2-minute, single-use handle that is no credential by itself —
 * and trades it once, by a POST, for a link token kept only in the page's memory
 * (`POST /connect/session`). The page then drives the widget API like the inline widget;
 * consent answers `redirect_to` (the relying party's callback with code, state and iss) and
 * `POST /widget/oauth/deny` ends the flow with access_denied.
 *
 * GET /connect serves the real widget screens full-screen (hosted-page.ts) under a strict CSP that forbids framing.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { LINK_TOKEN_TTL_MS, iso } from '../clock.ts';
import { digest, isWellFormedToken } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { limiter, ipKey } from '../http/rate-limit.ts';
import { findActiveClient } from '../clients/clients.repository.ts';
import { createLinkToken } from '../connect/link-tokens.ts';
import { locals } from '../widget-api/session.routes.ts';
import { route } from '../openapi.ts';
import { denyAuthorization, requestOfLink } from './authorization.ts';
import { sendHostedPage } from './hosted-page.ts';

export const ConnectSessionBody = z.strictObject({ handle: z.string().max(128) });

export function hostedPageRoutes(ctx: AppContext): Router {
  const router = Router();
  const { clock } = ctx;

  route({ method: 'get', path: '/connect', tag: 'OAuth', summary: 'The hosted Connect page (opened by /oauth/authorize with ?request=creq_…); never framable', auth: 'none' });
  router.get('/connect', (_req, res) => {
    sendHostedPage(res);
  });

  route({
    method: 'post', path: '/connect/session', tag: 'OAuth', body: ConnectSessionBody, auth: 'none',
    summary: "Trade the hosted page's creq_ handle (single use, 2 minutes) for a link token: {link_token, expires_at, mode: \"oauth\"}",
  });
  router.post('/connect/session', limiter({ windowMs: 60_000, limit: ctx.config.rateLimits.perIpPerMinute, key: (req) => `connect:${ipKey(req)}` }), async (req, res) => {
    noStore(res);
    const { handle } = ConnectSessionBody.parse(req.body);
    if (!isWellFormedToken(handle, 'creq_')) throw connectError('INVALID_TOKEN', 'Malformed request handle');
    const now = clock.now();
    const opened = await ctx.write(async (trx) => {
      const request = await trx.selectFrom('oauth_requests').selectAll().where('digest', '=', digest(handle)).executeTakeFirst();
      if (!request) return 'invalid' as const;
      if (request.opened_at !== null) return 'used' as const;
      if (request.expires_at <= now) return 'expired' as const;
      const client = await findActiveClient(trx, request.client_id);
      if (!client || client.sandbox !== request.sandbox) return 'invalid' as const;
      await trx.updateTable('oauth_requests').set({ opened_at: now }).where('id', '=', request.id).execute();
      const link = await createLinkToken(trx, now, client, request.scopes.split(' '), null, undefined);
      await trx.updateTable('oauth_requests').set({ link_token_id: link.row.id }).where('id', '=', request.id).execute();
      await recordAudit(trx, now, { clientId: client.id, event: 'link_token.issued', ip: req.ip, requestId: req.id, details: { link_token_id: link.row.id, oauth_request_id: request.id, scopes: link.row.scopes } });
      return link;
    });
    if (opened === 'invalid') throw connectError('INVALID_TOKEN', 'Unknown sign-in request; start again from the app');
    if (opened === 'used') throw connectError('TOKEN_ALREADY_USED', 'This sign-in request was already opened; start again from the app');
    if (opened === 'expired') throw connectError('TOKEN_EXPIRED', 'This sign-in request has expired; start again from the app');
    sendOk(res, { link_token: opened.token, expires_at: iso(now + LINK_TOKEN_TTL_MS), mode: 'oauth' });
  });

  return router;
}

/** Widget API routes of the OAuth mode (behind X-LINK-TOKEN). */
export function oauthWidgetRoutes(ctx: AppContext): Router {
  const router = Router();
  route({ method: 'post', path: '/widget/oauth/deny', tag: 'Widget', auth: 'link', summary: 'OAuth mode: the user cancels → {redirect_to}, the callback with error=access_denied, state and iss' });
  router.post('/oauth/deny', async (req, res) => {
    noStore(res);
    const { link } = locals(res);
    const redirectTo = await denyAuthorization(ctx, ctx.clock.now(), link, { ip: req.ip, requestId: req.id });
    if (redirectTo) return sendOk(res, { redirect_to: redirectTo });
    if (await requestOfLink(ctx.db, link.id)) throw connectError('CONSENT_ALREADY_GIVEN', 'This authorization request is already complete');
    throw connectError('INVALID_REQUEST', 'This session is not an OAuth authorization');
  });
  return router;
}
