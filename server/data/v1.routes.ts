/**
 * The user and their accounts (contract 8.2, 8.8): `GET /v1/userinfo` and
 * `GET /v1/integrations`. Mounted by app.ts in the data area (`/api/v1`, behind the per-IP
 * limiter and the Bearer guard); each route checks its scope.
 */
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import type { RouteArea } from '../http/routes.ts';
import { grantOf } from '../http/locals.ts';
import { requireScope } from '../http/bearer.middleware.ts';
import { findProvider } from '../catalogue.ts';
import { findUser } from '../users/users.service.ts';
import { listIntegrations } from '../integrations/integrations.repository.ts';
import { integrationItem } from '../integrations/integrations.view.ts';
import { effectiveTransactionLimit } from '../sync/limits.ts';
import { dataError } from '../errors.ts';

export const IntegrationsQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
  searchedKey: z.string().max(200).optional(),
});

export type V1Deps = { db: Db; clock: Clock };

export function v1Routes(api: RouteArea, { db, clock }: V1Deps): void {
  api.get('/userinfo', { summary: 'The user, with claims by scope (openid, profile, email) (users:read)' }, requireScope('users:read'), async (_req, res) => {
    const g = grantOf(res);
    const user = await findUser(db, g.userId);
    if (!user) throw dataError('not_found', 'User not found');
    const limit = await effectiveTransactionLimit(db, g.workspaceId, clock.now());
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

  api.get(
    '/integrations',
    { summary: "The user's connected accounts with sync status (integrations:read)", query: IntegrationsQuery },
    requireScope('integrations:read'),
    async (req, res) => {
      const q = IntegrationsQuery.parse(req.query);
      const g = grantOf(res);
      const needle = q.searchedKey?.trim().toLowerCase();
      const rows = (await listIntegrations(db, g.workspaceId)).filter((i) => {
        if (!needle) return true;
        const p = findProvider(i.provider);
        return [i.alias, i.address, i.id, i.provider, i.chain, p?.publicName, p?.name].some((v) => v?.toLowerCase().includes(needle));
      });
      const start = (q.page - 1) * q.pageSize;
      const page = rows.slice(start, start + q.pageSize);
      res.json({
        message: 'User integrations retrieved successfully',
        data: page.map(integrationItem),
        pagination: { page: q.page, pageSize: q.pageSize, totalCount: rows.length, hasNextPage: start + q.pageSize < rows.length, hasPreviousPage: q.page > 1 },
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );
}
