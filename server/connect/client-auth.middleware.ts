/**
 * Client credentials (contract section 2): `X-Client-Id` + `X-Client-Secret` headers, or
 * `client_id` + `client_secret` in the JSON body — never the query string. Failures are
 * audited and counted per IP by the auth-failure limiter in front of this middleware.
 */
import type { RequestHandler } from 'express';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import { authenticateClient } from '../clients/clients.service.ts';
import { connectError } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { mask } from '../crypto.ts';
import { ipKey, type FailureCounter } from '../http/rate-limit.ts';

export type ClientGuardDeps = { db: Db; write: Writer; clock: Clock };

export function requireClient(deps: ClientGuardDeps, failures: FailureCounter): RequestHandler {
  return async (req, res, next) => {
    await failures.guard(ipKey(req));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const headerId = req.get('x-client-id');
    const headerSecret = req.get('x-client-secret');
    const id = headerId ?? body.client_id;
    const secret = headerSecret ?? body.client_secret;
    const conflicting =
      (headerId !== undefined && body.client_id !== undefined && body.client_id !== headerId) ||
      (headerSecret !== undefined && body.client_secret !== undefined && body.client_secret !== headerSecret);
    const now = deps.clock.now();
    const client = conflicting ? undefined : await authenticateClient(deps.db, now, id, secret);
    if (!client) {
      await failures.fail(ipKey(req));
      const knownId = typeof id === 'string' && /^client_[0-9a-f]{32}$/.test(id) ? id : null;
      await deps.write((trx) =>
        recordAudit(trx, now, {
          clientId: knownId,
          event: 'client.auth_failed',
          outcome: 'failure',
          ip: req.ip,
          requestId: req.id,
          details: { path: req.path, secret: typeof secret === 'string' ? mask(secret) : null },
        }),
      );
      throw connectError(
        'INVALID_CLIENT',
        id === undefined || secret === undefined ? 'Client credentials are required (X-Client-Id and X-Client-Secret)' : 'Invalid client credentials',
      );
    }
    res.locals.client = client;
    next();
  };
}
