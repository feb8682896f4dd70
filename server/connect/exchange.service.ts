/**
 * Public token → grant + access token (contract 4.3, docs/security-model.md T8). One conditional UPDATE
 * consumes the public token; the grant and the `cat_` are written in the same immediate
 * transaction, with no network I/O. A second exchange answers TOKEN_ALREADY_USED and
 * revokes the grant the first produced (decision 3). A token presented by another client
 * is refused and not burnt.
 */
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import { recordAudit } from '../audit.ts';
import type { Client } from '../db/tables.ts';
import { digest, isWellFormedToken, mask, randomToken } from '../crypto.ts';
import { PUBLIC_TOKEN_TTL_MS, grantLifetimeS } from '../clock.ts';
import { connectError } from '../errors.ts';
import { consumePublicToken, findPublicTokenState, insertPublicTokenRow } from './public-tokens.repository.ts';
import { insertAccessToken, insertGrant, revokeGrantById } from './grants.repository.ts';

export type Exchanged = {
  access_token: string;
  grant_id: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  workspace_id: string;
  user_id: string;
  user_reference: string | null;
};

export type ExchangeFailure = 'invalid' | 'expired' | 'reused';

type Meta = { ip?: string; requestId?: string };

/** Exchanges (or refuses) a public token, with its audit record in the same commit. */
export async function exchangePublicToken(
  write: Writer,
  now: number,
  client: Client,
  publicToken: string,
  meta: Meta = {},
): Promise<Exchanged | { failure: ExchangeFailure; revokedGrant?: string }> {
  const audit = { clientId: client.id, ip: meta.ip, requestId: meta.requestId };
  if (!isWellFormedToken(publicToken, 'public_')) {
    await write((trx) => recordAudit(trx, now, { ...audit, event: 'token.exchange_failed', outcome: 'failure', details: { reason: 'malformed' } }));
    return { failure: 'invalid' };
  }
  const tokenDigest = digest(publicToken);
  const accessToken = randomToken('cat_');
  const grantId = randomToken('cgrant_');
  return write(async (trx) => {
    const consumed = await consumePublicToken(trx, tokenDigest, client, now, grantId);
    if (!consumed) {
      const row = await findPublicTokenState(trx, tokenDigest);
      const fail = async (failure: ExchangeFailure, revokedGrant?: string) => {
        const event = failure === 'reused' ? 'token.reuse_detected' : 'token.exchange_failed';
        await recordAudit(trx, now, {
          ...audit,
          event,
          outcome: 'failure',
          details: { reason: failure, token: mask(publicToken), revoked_grant: revokedGrant ?? null },
        });
        return { failure, revokedGrant };
      };
      if (!row || row.client_id !== client.id || row.sandbox !== client.sandbox) return fail('invalid');
      if (row.consumed_at !== null) {
        if (row.grant_id) await revokeGrantById(trx, now, row.grant_id, 'public_token_reuse');
        return fail('reused', row.grant_id ?? undefined);
      }
      return fail('expired');
    }
    const lifetimeS = grantLifetimeS(consumed.scopes);
    await insertGrant(trx, {
      id: grantId,
      client_id: client.id,
      user_id: consumed.user_id,
      workspace_id: consumed.workspace_id,
      scopes: consumed.scopes,
      sandbox: consumed.sandbox,
      link_token_id: consumed.link_token_id,
      transaction_limit: null,
      enable_limiter: 1,
      created_at: now,
      expires_at: now + lifetimeS * 1000,
      revoked_at: null,
      revoked_reason: null,
    });
    await insertAccessToken(trx, {
      digest: digest(accessToken),
      grant_id: grantId,
      client_id: client.id,
      created_at: now,
      expires_at: now + lifetimeS * 1000,
      last_used_at: null,
    });
    await recordAudit(trx, now, { ...audit, event: 'token.exchanged', details: { grant_id: grantId, workspace_id: consumed.workspace_id } });
    return {
      access_token: accessToken,
      grant_id: grantId,
      token_type: 'Bearer' as const,
      expires_in: lifetimeS,
      scope: consumed.scopes,
      workspace_id: consumed.workspace_id,
      user_id: consumed.user_id,
      user_reference: consumed.user_reference,
    };
  });
}

export function exchangeError(failure: ExchangeFailure) {
  if (failure === 'reused') return connectError('TOKEN_ALREADY_USED', 'This public token was already exchanged; the grant it produced has been revoked');
  if (failure === 'expired') return connectError('TOKEN_EXPIRED', 'The public token has expired; the user must go through Connect again');
  return connectError('INVALID_TOKEN', 'Invalid public token');
}

/** Mints a public token for a consent (called inside the consent's `write`). */
export async function insertPublicToken(
  trx: Db,
  now: number,
  p: { clientId: string; linkTokenId: string; userId: string; workspaceId: string; scopes: string[]; sandbox: number; userReference: string | null },
): Promise<string> {
  const token = randomToken('public_');
  await insertPublicTokenRow(trx, {
    digest: digest(token),
    client_id: p.clientId,
    link_token_id: p.linkTokenId,
    user_id: p.userId,
    workspace_id: p.workspaceId,
    scopes: p.scopes.join(' '),
    sandbox: p.sandbox,
    user_reference: p.userReference,
    grant_id: null,
    created_at: now,
    expires_at: now + PUBLIC_TOKEN_TTL_MS,
    consumed_at: null,
  });
  return token;
}
