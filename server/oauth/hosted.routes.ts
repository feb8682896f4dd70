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
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import { LINK_TOKEN_TTL_MS, iso } from '../clock.ts';
import { isWellFormedToken } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { linkOf } from '../http/locals.ts';
import { ipKey, type Limits } from '../http/rate-limit.ts';
import type { RouteArea } from '../http/routes.ts';
import { denyAuthorization, openAuthorizationRequest } from './authorization.ts';
import { findRequestOfLink } from './oauth.repository.ts';
import { sendHostedPage } from './hosted-page.ts';

export const ConnectSessionBody = z.strictObject({ handle: z.string().max(128) });

export type HostedPageDeps = { write: Writer; clock: Clock; limits: Limits; config: { rateLimits: Pick<Config['rateLimits'], 'perIpPerMinute'> } };

export function hostedPageRoutes(api: RouteArea, deps: HostedPageDeps): void {
  const { clock } = deps;

  api.get('/connect', { summary: 'The hosted Connect page (opened by /oauth/authorize with ?request=creq_…); never framable' }, (_req, res) => {
    sendHostedPage(res);
  });

  api.post(
    '/connect/session',
    {
      body: ConnectSessionBody,
      summary: 'Trade the hosted page\'s creq_ handle (single use, 2 minutes) for a link token: {link_token, expires_at, mode: "oauth"}',
    },
    deps.limits.limiter({ name: 'connect-session-ip', windowMs: 60_000, limit: deps.config.rateLimits.perIpPerMinute, key: (req) => `connect:${ipKey(req)}` }),
    async (req, res) => {
      noStore(res);
      const { handle } = ConnectSessionBody.parse(req.body);
      if (!isWellFormedToken(handle, 'creq_')) throw connectError('INVALID_TOKEN', 'Malformed request handle');
      const now = clock.now();
      const opened = await openAuthorizationRequest(deps.write, now, handle, { ip: req.ip, requestId: req.id });
      if (opened === 'invalid') throw connectError('INVALID_TOKEN', 'Unknown sign-in request; start again from the app');
      if (opened === 'used') throw connectError('TOKEN_ALREADY_USED', 'This sign-in request was already opened; start again from the app');
      if (opened === 'expired') throw connectError('TOKEN_EXPIRED', 'This sign-in request has expired; start again from the app');
      sendOk(res, { link_token: opened.token, expires_at: iso(now + LINK_TOKEN_TTL_MS), mode: 'oauth' });
    },
  );
}

export type OAuthWidgetDeps = { db: Db; write: Writer; clock: Clock };

/** Widget API routes of the OAuth mode (behind X-LINK-TOKEN). */
export function oauthWidgetRoutes(api: RouteArea, deps: OAuthWidgetDeps): void {
  api.post(
    '/oauth/deny',
    { summary: 'OAuth mode: the user cancels → {redirect_to}, the callback with error=access_denied, state and iss' },
    async (req, res) => {
      noStore(res);
      const link = linkOf(res);
      const redirectTo = await denyAuthorization(deps.write, deps.clock.now(), link, { ip: req.ip, requestId: req.id });
      if (redirectTo) return sendOk(res, { redirect_to: redirectTo });
      if (await findRequestOfLink(deps.db, link.id)) throw connectError('CONSENT_ALREADY_GIVEN', 'This authorization request is already complete');
      throw connectError('INVALID_REQUEST', 'This session is not an OAuth authorization');
    },
  );
}
