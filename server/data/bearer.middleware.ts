/**
 * Data API authentication (contract section 8; docs/security-model.md T9, T10, T14, T16): a `cat_` bearer
 * token checked on every request against its grant: the grant alive and unexpired, its
 * client still active and in the same environment, and — when client credentials accompany
 * the call, as v1 partners send them — those credentials matching the token's client.
 * Scopes are checked per route with `requireScope`. The lookup may come from the read
 * cache, which is dropped by ANY committed write of any process (a revoke, a client delete
 * or switch included), so a revoke is still effective on the very next request; expiry is
 * checked against the clock every time.
 */
import type { RequestHandler, Response } from 'express';
import type { AppContext } from '../context.ts';
import { digest, isWellFormedToken } from '../crypto.ts';
import { dataError } from '../errors.ts';
import { authenticateClient } from '../clients/clients.service.ts';
import type { ReadCache } from '../db/read-cache.ts';

export type GrantContext = { grantId: string; clientId: string; userId: string; workspaceId: string; scopes: Set<string>; tokenDigest: string; sandbox: boolean };

export const grantOf = (res: Response) => res.locals.grant as GrantContext;

const LAST_USED_RESOLUTION_MS = 60_000;

export function requireBearer(ctx: AppContext, cache: ReadCache): RequestHandler {
  // When each token was last stamped by this process: one write per token per minute, not
  // one per concurrent request (50 in-flight requests would otherwise each UPDATE and fsync).
  const stamped = new Map<string, number>();
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!isWellFormedToken(token, 'cat_')) throw dataError('unauthorized', 'A valid access token is required (Authorization: Bearer cat_…)');
    const now = ctx.clock.now();
    const tokenDigest = digest(token);
    // One query: token, live grant and active client (a deleted client's tokens die with it).
    const found = await cache.get(`bearer:${tokenDigest}`, () =>
      ctx.db
        .selectFrom('access_tokens as t')
        .innerJoin('grants as g', 'g.id', 't.grant_id')
        .innerJoin('clients as c', 'c.id', 'g.client_id')
        .select(['g.id', 'g.client_id', 'g.user_id', 'g.workspace_id', 'g.scopes', 'g.sandbox', 't.last_used_at', 'c.sandbox as client_sandbox', 'g.expires_at', 't.expires_at as token_expires_at'])
        .where('c.deleted_at', 'is', null)
        .where('t.digest', '=', tokenDigest)
        .where('g.revoked_at', 'is', null)
        .executeTakeFirst());
    const row = found && found.expires_at > now && found.token_expires_at > now ? found : undefined;
    if (!row) throw dataError('unauthorized', 'The access token is invalid, expired or revoked');
    if (row.client_sandbox !== row.sandbox) throw dataError('unauthorized', 'The access token is not valid in this environment');
    const id = req.get('x-client-id');
    const secret = req.get('x-client-secret');
    if (id !== undefined || secret !== undefined) {
      const presented = await authenticateClient(ctx.db, now, id, secret);
      if (!presented || presented.id !== row.client_id) throw dataError('unauthorized', 'The client credentials do not match the access token');
    }
    if ((row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) && now - (stamped.get(tokenDigest) ?? -Infinity) > LAST_USED_RESOLUTION_MS) {
      if (stamped.size >= 10_000) stamped.delete(stamped.keys().next().value!);
      stamped.set(tokenDigest, now);
      // An audit stamp (T9), not part of the answer: group-committed in the background.
      void ctx.write((trx) => trx.updateTable('access_tokens').set({ last_used_at: now }).where('digest', '=', tokenDigest).execute())
        .catch((error: unknown) => ctx.logger.warn({ err: String(error) }, 'could not stamp last_used_at'));
    }
    res.locals.grant = {
      grantId: row.id, clientId: row.client_id, userId: row.user_id, workspaceId: row.workspace_id,
      scopes: new Set(row.scopes.split(' ')), tokenDigest, sandbox: row.sandbox === 1,
    } satisfies GrantContext;
    next();
  };
}

export function requireScope(scope: string): RequestHandler {
  return (_req, res, next) => {
    if (!grantOf(res).scopes.has(scope)) throw dataError('forbidden', `Insufficient scopes: this endpoint requires ${scope}`, [{ required: scope }]);
    next();
  };
}
