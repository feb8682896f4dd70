/**
 * `POST /api/kryptos/link-token` — what `<kryptos-connect link-token-url>` calls on click.
 * Resumes with the user's stored access token when there is one, and answers
 * `{link_token, expires_at, isAuthorized}` where `isAuthorized` is the server's
 * `has_existing_grant` — never "we sent a token" (contract 4.1: an expired or revoked token
 * silently yields a fresh-user link token).
 *
 * `POST /api/kryptos/frame-handle` — the same link token for `<kryptos-connect mode="iframe">`,
 * traded server-to-server for a 60-second single-use frame handle: `{handle, client_id}`.
 */
import { Router, type Request } from 'express';
import type { BffContext } from './context.ts';
import { requirePartnerUser } from './partner-user.ts';
import { DecryptionError } from './crypto.ts';

export function linkTokenRoutes(ctx: BffContext): Router {
  const router = Router();

  /** A link token for the signed-in user (resuming their stored grant when the server still honours it). */
  async function issue(req: Request) {
    const userId = await requirePartnerUser(ctx, req);
    let connection;
    try {
      connection = await ctx.store.find(userId);
    } catch (error) {
      // An unreadable row (tampered, or its key retired) is treated as no connection, and logged.
      if (!(error instanceof DecryptionError)) throw error;
      ctx.logger.warn({ event: 'connection.unreadable' }, 'stored connection failed to decrypt; starting a fresh flow');
    }
    const data = await ctx.connect.createLinkToken({
      scopes: ctx.config.scopes,
      user_reference: userId,
      ...(connection ? { access_token: connection.accessToken } : {}),
    });
    const isAuthorized = data.has_existing_grant === true;
    if (connection && !isAuthorized) {
      // The server no longer honours the stored token (revoked in Kryptos, expired): forget it.
      await ctx.store.remove(connection.id);
      ctx.logger.info({ event: 'connection.stale', reason: data.resume_refused }, 'stored grant no longer valid; forgotten');
    }
    return { data, isAuthorized };
  }

  router.post('/api/kryptos/link-token', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const { data, isAuthorized } = await issue(req);
    res.json({ link_token: data.link_token, expires_at: data.expires_at, isAuthorized });
  });

  // Iframe mode: the page gets only a 60-second single-use handle; the frame redeems it at the connect server.
  router.post('/api/kryptos/frame-handle', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const { data } = await issue(req);
    const { handle } = await ctx.connect.frameHandle(data.link_token);
    res.json({ handle, client_id: ctx.config.clientId });
  });

  return router;
}
