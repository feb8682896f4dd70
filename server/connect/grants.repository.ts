/** Grants (`cgrant_`) and the access tokens (`cat_`, stored as digests) that belong to them. */
import type { Db } from '../db/database.ts';

export async function findActiveGrantByAccessToken(db: Db, tokenDigest: string, now: number) {
  return db
    .selectFrom('access_tokens as t')
    .innerJoin('grants as g', 'g.id', 't.grant_id')
    .select(['g.id', 'g.client_id', 'g.user_id', 'g.workspace_id', 'g.scopes', 'g.sandbox', 'g.revoked_at', 'g.expires_at', 't.expires_at as token_expires_at'])
    .where('t.digest', '=', tokenDigest)
    .where('g.revoked_at', 'is', null)
    .where('g.expires_at', '>', now)
    .where('t.expires_at', '>', now)
    .executeTakeFirst();
}

/** Why an access token is not usable: the reason check-session reports. */
export async function accessTokenState(db: Db, tokenDigest: string, now: number) {
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
