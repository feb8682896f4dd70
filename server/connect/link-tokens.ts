/** Link tokens (`link_`, 30 minutes): created for a partner, presented by the widget in X-LINK-TOKEN. */
import type { RequestHandler } from 'express';
import type { Db } from '../db/database.ts';
import type { Client, LinkToken } from '../db/tables.ts';
import { digest, isWellFormedToken, randomId, randomToken } from '../crypto.ts';
import { LINK_TOKEN_TTL_MS, type Clock } from '../clock.ts';
import { connectError } from '../errors.ts';
import { findActiveClient } from '../clients/clients.repository.ts';
import { clientSessionState, findGrantLiveness } from './grants.repository.ts';
import { findLinkTokenByDigest, insertLinkToken } from './link-tokens.repository.ts';

export type ResumeGrant = { grantId: string; userId: string; workspaceId: string };

/** Mints a link token (inside a `write`); answers the token, shown once, and its row. */
export async function createLinkToken(trx: Db, now: number, client: Client, scopes: string[], userReference: string | null, resume: ResumeGrant | undefined) {
  const token = randomToken('link_');
  const row: LinkToken = {
    id: randomId('lt_', 12),
    digest: digest(token),
    client_id: client.id,
    sandbox: client.sandbox,
    scopes: scopes.join(' '),
    user_reference: userReference,
    grant_id: resume?.grantId ?? null,
    user_id: resume?.userId ?? null,
    workspace_id: resume?.workspaceId ?? null,
    consented_at: null,
    created_at: now,
    expires_at: now + LINK_TOKEN_TTL_MS,
    signed_in_at: null,
  };
  await insertLinkToken(trx, row);
  return { token, row };
}

/**
 * The grant behind an access token, if it may resume a session for `client` (same client,
 * same environment, not revoked, not expired), or why not. The contract answers a refused
 * resume with a plain link token; the reason travels beside it as `resume_refused`.
 */
export async function resumableGrant(db: Db, now: number, client: Client, accessToken: string) {
  if (!isWellFormedToken(accessToken, 'cat_')) return { state: 'invalid_token' as const };
  return clientSessionState(db, digest(accessToken), client, now);
}

export type LinkTokenGuardDeps = { db: Db; clock: Clock };

/** Authenticates the widget by X-LINK-TOKEN; puts the link token and its client in res.locals. */
export function requireLinkToken({ db, clock }: LinkTokenGuardDeps): RequestHandler {
  return async (req, res, next) => {
    const token = req.get('x-link-token');
    if (!isWellFormedToken(token, 'link_')) throw connectError('INVALID_TOKEN', 'Missing or malformed link token');
    const link = await findLinkTokenByDigest(db, digest(token));
    if (!link) throw connectError('INVALID_TOKEN', 'Unknown link token');
    if (link.expires_at <= clock.now()) throw connectError('TOKEN_EXPIRED', 'The link token has expired; request a new one');
    const client = await findActiveClient(db, link.client_id);
    if (!client || client.sandbox !== link.sandbox) throw connectError('INVALID_TOKEN', 'The link token is no longer valid');
    // A resumed session lives only as long as its grant: read on every call, so a revoke
    // (or an expiry) stops the very next call, across restarts and processes.
    let grantScopes: string[] | null = null;
    if (link.grant_id) {
      const grant = await findGrantLiveness(db, link.grant_id);
      if (!grant || grant.revoked_at !== null || grant.expires_at <= clock.now())
        throw connectError('INVALID_GRANT', 'The grant behind this session was revoked or has expired; start again');
      grantScopes = grant.scopes.split(' ');
    }
    res.locals.link = link;
    res.locals.client = client;
    res.locals.grantScopes = grantScopes;
    next();
  };
}
