/** Grants (`cgrant_`) and the access tokens (`cat_`, stored as digests) that belong to them. */
import type { Db } from '../db/database.ts';

/** Why an access token is not usable: the reason check-session reports. */
async function accessTokenState(db: Db, tokenDigest: string, now: number) {
  const row = await db
    .selectFrom('access_tokens as t')
    .innerJoin('grants as g', 'g.id', 't.grant_id')
    .innerJoin('workspaces as w', 'w.id', 'g.workspace_id')
    .select(['g.id', 'g.client_id', 'g.user_id', 'g.workspace_id', 'g.scopes', 'g.sandbox', 'g.revoked_at', 'g.expires_at', 't.expires_at as token_expires_at', 'w.name as workspace_name'])
    .where('t.digest', '=', tokenDigest)
    .executeTakeFirst();
  if (!row) return { state: 'invalid_token' as const };
  if (row.revoked_at !== null) return { state: 'token_revoked' as const, row };
  if (row.expires_at <= now || row.token_expires_at <= now) return { state: 'token_expired' as const, row };
  return { state: 'valid' as const, row };
}

/** Why an access token cannot stand for a session of `client`: the `reason` vocabulary of check-session. */
export type SessionRefusal = 'token_expired' | 'token_revoked' | 'invalid_token';

/**
 * The session an access token stands for, as `client` may see it: its own grant in its own
 * environment (T13, T16). Anything about another client's token is `invalid_token`, so the
 * answer reveals nothing about grants that are not the caller's.
 */
export async function clientSessionState(db: Db, tokenDigest: string, client: { id: string; sandbox: number }, now: number) {
  const result = await accessTokenState(db, tokenDigest, now);
  if (result.state === 'invalid_token') return result;
  if (result.row.client_id !== client.id) return { state: 'invalid_token' as const };
  if (result.state === 'valid' && result.row.sandbox !== client.sandbox) return { state: 'invalid_token' as const };
  return result;
}

/** Revokes one of the client's grants. True when something was revoked. */
export async function revokeGrant(db: Db, now: number, clientId: string, grantId: string, reason: string): Promise<boolean> {
  const r = await db
    .updateTable('grants')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('id', '=', grantId)
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

export async function listActiveGrants(db: Db, clientId: string, now: number) {
  return db
    .selectFrom('grants')
    .select(['id', 'workspace_id', 'user_id', 'scopes', 'created_at', 'expires_at'])
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .execute();
}
