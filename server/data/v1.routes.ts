/** Data API v1 (contract section 8): userinfo and integrations. More resources join in the data issue. */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { route } from '../openapi.ts';
import { findProvider } from '../catalogue.ts';
import { findUser, findWorkspace } from '../users/users.service.ts';
import { listIntegrations } from '../integrations/integrations.service.ts';
import { grantOf, requireBearer, requireScope } from './bearer.middleware.ts';
import { dataError } from '../errors.ts';

export const DEFAULT_TRANSACTION_LIMIT = 100_000;

export const IntegrationsQuery = z.object({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
  searchedKey: z.string().max(200).optional(),
});

export function v1Routes(ctx: AppContext): Router {
  const router = Router();
  const { db, clock } = ctx;
  router.use(requireBearer(ctx));

  route({ method: 'get', path: '/api/v1/userinfo', tag: 'Data v1', summary: 'The user, with claims by scope (openid, profile, email)', auth: 'bearer' });
  router.get('/v1/userinfo', requireScope('users:read'), async (_req, res) => {
    const g = grantOf(res);
    const user = await findUser(db, g.userId);
    if (!user) throw dataError('not_found', 'User not found');
    const grant = await db.selectFrom('grants').select(['transaction_limit', 'enable_limiter']).where('id', '=', g.grantId).executeTakeFirstOrThrow();
    const workspace = await findWorkspace(db, g.workspaceId);
    const limit = grant.enable_limiter === 0 ? null : (grant.transaction_limit ?? workspace?.transaction_limit ?? DEFAULT_TRANSACTION_LIMIT);
    const userInfo: Record<string, unknown> = {};
    if (g.scopes.has('openid')) userInfo.sub = user.id;
    if (g.scopes.has('profile')) {
      userInfo.name = user.name ?? (user.email ? user.email.split('@')[0] : 'Guest');
      userInfo.preferred_username = user.email ? user.email.split('@')[0] : null;
      userInfo.language = user.language;
      userInfo.transaction_limit = limit;
    }
    if (g.scopes.has('email')) {
      userInfo.email = user.email;
      userInfo.email_verified = user.email !== null;
    }
    res.json({ message: 'User information retrieved successfully', userInfo, scopes: [...g.scopes] });
  });

  route({ method: 'get', path: '/api/v1/integrations', tag: 'Data v1', summary: "The user's connected accounts with sync status", query: IntegrationsQuery, auth: 'bearer' });
  router.get('/v1/integrations', requireScope('integrations:read'), async (req, res) => {
    const q = IntegrationsQuery.parse(req.query);
    const g = grantOf(res);
    const needle = q.searchedKey?.toLowerCase();
    const rows = (await listIntegrations(db, g.workspaceId)).filter((i) => {
      if (!needle) return true;
      const p = findProvider(i.provider);
      return [i.alias, i.address, i.id, p?.publicName, p?.type === 'exchange' ? p.id : null].some((v) => v?.toLowerCase().includes(needle));
    });
    const start = (q.page - 1) * q.pageSize;
    const page = rows.slice(start, start + q.pageSize);
    res.json({
      message: 'User integrations retrieved successfully',
      data: page.map((i) => {
        const p = findProvider(i.provider);
        return {
          provider: i.provider, providerPublicName: p?.publicName ?? i.provider, publicAddress: i.address, walletId: i.id,
          logoUrl: p?.logo ?? null, isContract: false, alias: i.alias, status: i.status, ...(i.message ? { message: i.message } : {}),
          addedOn: i.created_at, lastSyncedAt: i.last_synced_at, category: i.category, type: 'api', chain: i.chain, totalTransactions: 0,
        };
      }),
      pagination: { page: q.page, pageSize: q.pageSize, totalCount: rows.length, hasNextPage: start + q.pageSize < rows.length, hasPreviousPage: q.page > 1 },
      user_id: g.userId,
      timestamp: clock.now(),
    });
  });

  return router;
}
