/**
 * The user's connection: exchange a public token (`POST /api/kryptos/exchange`), read the
 * connection (`GET`), and disconnect (`DELETE /api/kryptos/connection`: revoke at the server,
 * then forget). Tokens never leave the BFF: responses carry the grant id, scopes, workspace
 * and date only.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { BffContext } from './context.ts';
import { requirePartnerUser } from './partner-user.ts';
import { bffError } from './errors.ts';
import { connectionView } from './token-store.ts';
import { DecryptionError } from './crypto.ts';

const ExchangeBody = z.strictObject({ public_token: z.string().regex(/^public_[A-Za-z0-9]{1,120}$/, 'must be a public_… token') });

export function exchangeRoutes(ctx: BffContext): Router {
  const router = Router();
  const { store, connect, logger } = ctx;

  async function findConnection(userId: string) {
    try {
      return await store.find(userId);
    } catch (error) {
      if (error instanceof DecryptionError)
        throw bffError(500, 'STORED_TOKEN_UNREADABLE', 'The stored connection cannot be read; disconnect and connect again');
      throw error;
    }
  }

  router.post('/api/kryptos/exchange', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const userId = await requirePartnerUser(ctx, req);
    const { public_token } = ExchangeBody.parse(req.body);
    const grant = await connect.exchange(public_token);
    if (grant.user_reference !== userId) {
      // Minted for someone else (a token passed around, or a confused page): never keep it.
      await connect.revoke(grant.grant_id).catch((error: unknown) => {
        logger.error({ event: 'grant.revoke_failed', err: { name: (error as Error)?.name } }, 'could not revoke a refused grant');
      });
      logger.warn({ event: 'exchange.user_mismatch' }, 'public token belongs to another user; grant revoked');
      throw bffError(403, 'USER_MISMATCH', 'This connection was started for another user');
    }
    const replaced = await store.save(ctx.now(), {
      partnerUserId: userId,
      accessToken: grant.access_token,
      grantId: grant.grant_id,
      scopes: grant.scope,
      workspaceId: grant.workspace_id,
      kryptosUserId: grant.user_id,
    });
    if (replaced && replaced.grantId !== grant.grant_id) {
      // A fresh flow replaced an older grant: end the old one so no orphan stays valid for 15 years.
      await connect.revoke(replaced.grantId).catch(() => logger.warn({ event: 'grant.revoke_failed' }, 'could not revoke the replaced grant'));
    }
    logger.info({ event: 'connection.created' }, 'connected');
    res.json(connectionView(await findConnection(userId)));
  });

  router.get('/api/kryptos/connection', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const userId = await requirePartnerUser(ctx, req);
    res.json(connectionView(await findConnection(userId)));
  });

  router.delete('/api/kryptos/connection', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const userId = await requirePartnerUser(ctx, req);
    let connection;
    try {
      connection = await store.find(userId);
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      // Unreadable (tampered, or its key retired): the grant id is unknown, so it cannot be revoked here.
      await store.removeForUser(userId);
      logger.warn({ event: 'connection.unreadable' }, 'forgot an unreadable connection; revoke it in the developer portal if needed');
      return res.json(connectionView(undefined));
    }
    if (!connection) throw bffError(404, 'NOT_CONNECTED', 'There is no Kryptos connection to remove');
    // Revoke first: if the server cannot be reached, keep the row so the user can retry.
    await connect.revoke(connection.grantId);
    await store.remove(connection.id);
    logger.info({ event: 'connection.revoked' }, 'disconnected');
    res.json(connectionView(undefined));
  });

  return router;
}
