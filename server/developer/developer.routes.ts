/**
 * The developer endpoints of the contract (4.6, 4.7), authenticated by client credentials:
 * re-sync an integration of a user who granted the client access, and set a guest user's
 * transaction-import limit on a grant (a real change re-syncs the workspace from start).
 */
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Client } from '../db/tables.ts';
import { HttpError, connectError } from '../errors.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { route } from '../openapi.ts';
import { queueSync } from '../sync/jobs.repository.ts';

const Credentials = {
  client_id: z.string().max(64).optional(),
  client_secret: z.string().max(128).optional(),
};
export const ResyncBody = z.strictObject({
  user_id: z.string().min(1).max(128),
  mode: z.enum(['latest', 'from_start']),
  ...Credentials,
});
export type ResyncBody = z.infer<typeof ResyncBody>;
export const TransactionLimitBody = z
  .strictObject({
    transactionLimit: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    enableLimiter: z.boolean().optional(),
    ...Credentials,
  })
  .refine((b) => b.transactionLimit !== undefined || b.enableLimiter !== undefined, { message: 'Give transactionLimit and/or enableLimiter' });
export type TransactionLimitBody = z.infer<typeof TransactionLimitBody>;

/** The contract caps one limit change at 100 re-synced integrations. */
const MAX_RESYNC = 100;

const client = (res: { locals: Record<string, unknown> }) => res.locals.client as Client;

export function developerRoutes(ctx: AppContext, guard: { client: RequestHandler[] }): Router {
  const router = Router({ strict: true, caseSensitive: true });
  const { db, clock } = ctx;

  route({ method: 'post', path: '/developer/integrations/:walletId/resync', tag: 'Developer', summary: 'Re-sync an integration: latest (incremental) or from_start (wipe and re-pull)', body: ResyncBody, auth: 'client' });
  router.post('/developer/integrations/:walletId/resync', ...guard.client, async (req, res) => {
    noStore(res);
    const body = ResyncBody.parse(req.body);
    const c = client(res);
    const now = clock.now();
    const walletId = String(req.params.walletId).slice(0, 64);
    // Grants first, so a client learns nothing about integrations it has no grant to.
    const grants = await db
      .selectFrom('grants')
      .select(['id', 'workspace_id'])
      .where('client_id', '=', c.id)
      .where('user_id', '=', body.user_id)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .execute();
    if (grants.length === 0) throw connectError('GRANT_NOT_FOUND', 'No active grant of this client for this user');
    const integration = await db
      .selectFrom('integrations')
      .select(['id', 'workspace_id', 'category'])
      .where('id', '=', walletId)
      .where('workspace_id', 'in', grants.map((g) => g.workspace_id))
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!integration) throw connectError('INTEGRATION_NOT_FOUND', 'No such integration in the workspaces this user shared with the client');
    const jobId = await ctx.write((trx) => queueSync(trx, now, integration.id, body.mode));
    ctx.sync?.kick();
    sendOk(res, { mode: body.mode, integration_type: 'wallet', wallet_id: integration.id, status: 'queued', job_id: jobId }, 202);
  });

  route({ method: 'patch', path: '/developer/grants/:grantId/transaction-limit', tag: 'Developer', summary: "Set a guest user's transaction import limit on a grant", body: TransactionLimitBody, auth: 'client' });
  router.patch('/developer/grants/:grantId/transaction-limit', ...guard.client, async (req, res) => {
    noStore(res);
    const body = TransactionLimitBody.parse(req.body);
    const c = client(res);
    const now = clock.now();
    const grantId = String(req.params.grantId).slice(0, 128);
    const grant = await db
      .selectFrom('grants as g')
      .innerJoin('users as u', 'u.id', 'g.user_id')
      .select(['g.id', 'g.client_id', 'g.user_id', 'g.workspace_id', 'g.transaction_limit', 'g.enable_limiter', 'u.is_anonymous'])
      .where('g.id', '=', grantId)
      .where('g.revoked_at', 'is', null)
      .where('g.expires_at', '>', now)
      .executeTakeFirst();
    // The contract answers 404 here but 403 for the same code on resync (4.6 vs 4.7).
    if (!grant) throw new HttpError(404, 'GRANT_NOT_FOUND', 'No such grant');
    if (grant.client_id !== c.id) throw connectError('ACCESS_DENIED', 'This grant belongs to another client');
    if (grant.is_anonymous !== 1) throw connectError('NOT_ANON_USER', 'Transaction limits apply to guest users only');
    const next = {
      transaction_limit: body.transactionLimit ?? grant.transaction_limit,
      enable_limiter: body.enableLimiter === undefined ? grant.enable_limiter : body.enableLimiter ? 1 : 0,
    };
    const changed = next.transaction_limit !== grant.transaction_limit || next.enable_limiter !== grant.enable_limiter;
    const resync = await ctx.write(async (trx) => {
      if (!changed) return null;
      await trx.updateTable('grants').set(next).where('id', '=', grant.id).execute();
      const integrations = await trx.selectFrom('integrations').select('id').where('workspace_id', '=', grant.workspace_id).where('deleted_at', 'is', null).orderBy('created_at').orderBy('id').execute();
      const triggered = [];
      for (const i of integrations.slice(0, MAX_RESYNC)) triggered.push({ integration_id: i.id, sync_id: await queueSync(trx, now, i.id, 'from_start') });
      return { triggered, failed: [] as string[], skipped: Math.max(0, integrations.length - MAX_RESYNC) };
    });
    if (resync) ctx.sync?.kick();
    sendOk(res, {
      grant_id: grant.id,
      user_id: grant.user_id,
      transaction_limit: next.transaction_limit,
      enable_limiter: next.enable_limiter === 1,
      previous_transaction_limit: grant.transaction_limit,
      previous_enable_limiter: grant.enable_limiter === 1,
      resync,
    });
  });

  return router;
}
