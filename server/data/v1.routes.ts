/**
 * Data APIs (contract section 8): every route behind `requireBearer` and its scope.
 * Userinfo and integrations live here; transactions, portfolio reads and the workspace
 * have their own modules, mounted below. Mounted by app.ts under `/api`.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Integration } from '../db/tables.ts';
import { route } from '../openapi.ts';
import { findProvider } from '../catalogue.ts';
import { deriveKey } from '../crypto.ts';
import { findUser, findWorkspace } from '../users/users.service.ts';
import { listIntegrations } from '../integrations/integrations.service.ts';
import { grantOf, requireBearer, requireScope } from './bearer.middleware.ts';
import { dataError } from '../errors.ts';
import { createReadCache } from '../db/read-cache.ts';
import { createCursorCodec } from './cursor.ts';
import { transactionRoutes } from './transactions.routes.ts';
import { portfolioRoutes } from './portfolio.routes.ts';
import { workspaceRoutes } from './workspace.routes.ts';
import { taxRoutes } from '../tax/tax.routes.ts';
import { reportRoutes } from '../reports/reports.routes.ts';
import { transferRoutes } from '../tax/transfers.routes.ts';

export const DEFAULT_TRANSACTION_LIMIT = 100_000;

export const IntegrationsQuery = z.strictObject({
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
  searchedKey: z.string().max(200).optional(),
});

type SyncLog = Record<string, { status: string; message?: string; limitExceeded?: boolean }>;

/** A v1 integration item (contract 8.8). */
export function integrationItem(i: Integration) {
  const p = findProvider(i.provider);
  let log: SyncLog | null = null;
  try {
    log = i.sync_log ? (JSON.parse(i.sync_log) as SyncLog) : null;
  } catch {
    log = null;
  }
  return {
    provider: i.provider, providerPublicName: p?.publicName ?? i.provider, publicAddress: i.address, walletId: i.id,
    logoUrl: p?.logo ?? null, isContract: false, alias: i.alias, status: i.status, ...(i.message ? { message: i.message } : {}),
    ...(log ? { lastSyncLog: Object.fromEntries(Object.entries(log).map(([k, v]) => [k, v.status])), lastSyncLogDetails: log } : {}),
    ...(i.limit_exceeded === 1 ? { limitExceeded: true } : {}),
    addedOn: i.created_at, lastSyncedAt: i.last_synced_at, category: i.category, type: 'api', chain: i.chain, totalTransactions: i.total_transactions,
  };
}

/** Transaction limit (contract 3.5): per-grant override → workspace default → platform default; null when the limiter is off. */
export async function effectiveTransactionLimit(ctx: AppContext, grantId: string, workspaceId: string): Promise<number | null> {
  const grant = await ctx.db.selectFrom('grants').select(['transaction_limit', 'enable_limiter']).where('id', '=', grantId).executeTakeFirstOrThrow();
  const workspace = await findWorkspace(ctx.db, workspaceId);
  return grant.enable_limiter === 0 ? null : (grant.transaction_limit ?? workspace?.transaction_limit ?? DEFAULT_TRANSACTION_LIMIT);
}

export function v1Routes(ctx: AppContext): Router {
  const router = Router({ strict: true, caseSensitive: true });
  const { db, clock } = ctx;
  const deps = { cache: createReadCache(ctx.sqlite, { sizedBudgetBytes: ctx.config.readCacheMb * 1024 * 1024 }), cursors: createCursorCodec(deriveKey(ctx.config.encryptionKey, 'cursor')) };
  router.use(requireBearer(ctx, deps.cache));

  route({ method: 'get', path: '/api/v1/userinfo', tag: 'Data v1', summary: 'The user, with claims by scope (openid, profile, email) (users:read)', auth: 'bearer' });
  router.get('/v1/userinfo', requireScope('users:read'), async (_req, res) => {
    const g = grantOf(res);
    const user = await findUser(db, g.userId);
    if (!user) throw dataError('not_found', 'User not found');
    const limit = await effectiveTransactionLimit(ctx, g.grantId, g.workspaceId);
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

  route({ method: 'get', path: '/api/v1/integrations', tag: 'Data v1', summary: "The user's connected accounts with sync status (integrations:read)", query: IntegrationsQuery, auth: 'bearer' });
  router.get('/v1/integrations', requireScope('integrations:read'), async (req, res) => {
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
  });

  router.use(transactionRoutes(ctx, deps));
  router.use(portfolioRoutes(ctx, deps));
  router.use(workspaceRoutes(ctx, deps));
  router.use(taxRoutes(ctx), reportRoutes(ctx), transferRoutes(ctx));
  return router;
}
