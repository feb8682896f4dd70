/**
 * Bearer authentication (contract section 8; docs/security-model.md T9, T10, T14, T16), the
 * guard of the data, tax, transfers and reports areas and of OIDC userinfo. A `cat_` token is
 * checked on every request against its grant: the grant alive and unexpired, its client still
 * active and in the same environment, and — when client credentials accompany the call, as v1
 * partners send them — those credentials matching the token's client. Scopes are checked per
 * route with `requireScope`. The lookup may come from the read cache, which is dropped by ANY
 * committed write of any process (a revoke, a client delete or switch included), so a revoke
 * is effective on the very next request; expiry is checked against the clock every time.
 */
import type { RequestHandler } from 'express';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { digest, isWellFormedToken } from '../crypto.ts';
import { dataError } from '../errors.ts';
import { authenticateClient } from '../clients/clients.service.ts';
import type { ReadCache } from '../db/read-cache.ts';
import { grantOf, type GrantContext } from './locals.ts';
import { findBearerGrant, stampAccessTokenUse } from './bearer.repository.ts';

export type BearerDeps = { db: Db; write: Writer; clock: Clock; logger: Pick<Logger, 'warn'> };

const LAST_USED_RESOLUTION_MS = 60_000;

export function requireBearer(deps: BearerDeps, cache: ReadCache): RequestHandler {
  const { db, write, clock, logger } = deps;
  // When each token was last stamped by this process: one write per token per minute, not
  // one per concurrent request (50 in-flight requests would otherwise each UPDATE and fsync).
  const stamped = new Map<string, number>();
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!isWellFormedToken(token, 'cat_')) throw dataError('unauthorized', 'A valid access token is required (Authorization: Bearer cat_…)');
    const now = clock.now();
    const tokenDigest = digest(token);
    const found = await cache.get(`bearer:${tokenDigest}`, () => findBearerGrant(db, tokenDigest));
    const row = found && found.expires_at > now && found.token_expires_at > now ? found : undefined;
    if (!row) throw dataError('unauthorized', 'The access token is invalid, expired or revoked');
    if (row.client_sandbox !== row.sandbox) throw dataError('unauthorized', 'The access token is not valid in this environment');
    const id = req.get('x-client-id');
    const secret = req.get('x-client-secret');
    if (id !== undefined || secret !== undefined) {
      const presented = await authenticateClient(db, now, id, secret);
      if (!presented || presented.id !== row.client_id) throw dataError('unauthorized', 'The client credentials do not match the access token');
    }
    if (
      (row.last_used_at === null || now - row.last_used_at > LAST_USED_RESOLUTION_MS) &&
      now - (stamped.get(tokenDigest) ?? -Infinity) > LAST_USED_RESOLUTION_MS
    ) {
      if (stamped.size >= 10_000) stamped.delete(stamped.keys().next().value!);
      stamped.set(tokenDigest, now);
      // An audit stamp (T9), not part of the answer: group-committed in the background.
      void write((trx) => stampAccessTokenUse(trx, tokenDigest, now)).catch((error: unknown) =>
        logger.warn({ err: String(error) }, 'could not stamp last_used_at'),
      );
    }
    res.locals.grant = {
      grantId: row.id,
      clientId: row.client_id,
      userId: row.user_id,
      workspaceId: row.workspace_id,
      scopes: new Set(row.scopes.split(' ')),
      tokenDigest,
      sandbox: row.sandbox === 1,
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
