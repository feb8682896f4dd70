/**
 * The developer endpoints of the contract (4.6, 4.7), authenticated by client credentials:
 * re-sync an integration of a user who granted the client access, and set a guest user's
 * transaction-import limit on a grant (a real change re-syncs the workspace from start).
 */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import { connectError, ConnectError } from '../errors.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { clientOf } from '../http/locals.ts';
import type { RouteArea } from '../http/routes.ts';
import { queueSync } from '../sync/jobs.repository.ts';
import { findLiveGrantWithUser, liveGrantsOfUser, setGrantLimits } from '../connect/grants.repository.ts';
import { findIntegrationIn, liveIntegrationIds } from './developer.repository.ts';

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

export type DeveloperDeps = {
  db: Db;
  write: Writer;
  clock: Clock;
  /** Read at call time: the sync engine is attached after the app is built. */
  readonly sync?: { kick(): void };
};

export function developerRoutes(api: RouteArea, deps: DeveloperDeps, guard: { client: RequestHandler[] }): void {
  const { db, clock } = deps;

  api.post(
    '/developer/integrations/:walletId/resync',
    {
      summary: 'Re-sync an integration: latest (incremental) or from_start (wipe and re-pull)',
      body: ResyncBody,
    },
    ...guard.client,
    async (req, res) => {
      noStore(res);
      const body = ResyncBody.parse(req.body);
      const c = clientOf(res);
      const now = clock.now();
      const walletId = String(req.params.walletId).slice(0, 64);
      // Grants first, so a client learns nothing about integrations it has no grant to.
      const grants = await liveGrantsOfUser(db, c.id, body.user_id, now);
      if (grants.length === 0) throw connectError('GRANT_NOT_FOUND', 'No active grant of this client for this user');
      const integration = await findIntegrationIn(
        db,
        walletId,
        grants.map((g) => g.workspace_id),
      );
      if (!integration) throw connectError('INTEGRATION_NOT_FOUND', 'No such integration in the workspaces this user shared with the client');
      const jobId = await deps.write((trx) => queueSync(trx, now, integration.id, body.mode));
      deps.sync?.kick();
      sendOk(res, { mode: body.mode, integration_type: 'wallet', wallet_id: integration.id, status: 'queued', job_id: jobId }, 202);
    },
  );

  api.patch(
    '/developer/grants/:grantId/transaction-limit',
    {
      summary: "Set a guest user's transaction import limit on a grant",
      body: TransactionLimitBody,
    },
    ...guard.client,
    async (req, res) => {
      noStore(res);
      const body = TransactionLimitBody.parse(req.body);
      const c = clientOf(res);
      const now = clock.now();
      const grantId = String(req.params.grantId).slice(0, 128);
      const grant = await findLiveGrantWithUser(db, grantId, now);
      // The contract answers 404 here but 403 for the same code on resync (4.6 vs 4.7).
      if (!grant) throw new ConnectError(404, 'GRANT_NOT_FOUND', 'No such grant');
      if (grant.client_id !== c.id) throw connectError('ACCESS_DENIED', 'This grant belongs to another client');
      if (grant.is_anonymous !== 1) throw connectError('NOT_ANON_USER', 'Transaction limits apply to guest users only');
      const next = {
        transaction_limit: body.transactionLimit ?? grant.transaction_limit,
        enable_limiter: body.enableLimiter === undefined ? grant.enable_limiter : body.enableLimiter ? 1 : 0,
      };
      const changed = next.transaction_limit !== grant.transaction_limit || next.enable_limiter !== grant.enable_limiter;
      const resync = await deps.write(async (trx) => {
        if (!changed) return null;
        await setGrantLimits(trx, grant.id, next);
        const integrations = await liveIntegrationIds(trx, grant.workspace_id);
        const triggered = [];
        for (const i of integrations.slice(0, MAX_RESYNC)) triggered.push({ integration_id: i.id, sync_id: await queueSync(trx, now, i.id, 'from_start') });
        return { triggered, failed: [] as string[], skipped: Math.max(0, integrations.length - MAX_RESYNC) };
      });
      if (resync) deps.sync?.kick();
      sendOk(res, {
        grant_id: grant.id,
        user_id: grant.user_id,
        transaction_limit: next.transaction_limit,
        enable_limiter: next.enable_limiter === 1,
        previous_transaction_limit: grant.transaction_limit,
        previous_enable_limiter: grant.enable_limiter === 1,
        resync,
      });
    },
  );
}
