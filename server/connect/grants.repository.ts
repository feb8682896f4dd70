/** Grants (`cgrant_`) and the access tokens (`cat_`, stored as digests) that belong to them. */
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AccessTokensTable, GrantsTable } from '../db/tables.ts';

/** Why an access token is not usable: the reason check-session reports. */
async function accessTokenState(db: Db, tokenDigest: string, now: number) {
  const row = await db
    .selectFrom('access_tokens as t')
    .innerJoin('grants as g', 'g.id', 't.grant_id')
    .innerJoin('workspaces as w', 'w.id', 'g.workspace_id')
    .select([
      'g.id',
      'g.client_id',
      'g.user_id',
      'g.workspace_id',
      'g.scopes',
      'g.sandbox',
      'g.revoked_at',
      'g.expires_at',
      't.expires_at as token_expires_at',
      'w.name as workspace_name',
    ])
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

/** Revokes every live grant of a client (it was deleted); answers how many. */
export async function revokeGrantsOfClient(trx: Db, now: number, clientId: string, reason: string): Promise<number> {
  const r = await trx
    .updateTable('grants')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('client_id', '=', clientId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Revokes a grant whoever holds it (a replayed public token). */
export async function revokeGrantById(trx: Db, now: number, grantId: string, reason: string): Promise<void> {
  await trx.updateTable('grants').set({ revoked_at: now, revoked_reason: reason }).where('id', '=', grantId).where('revoked_at', 'is', null).execute();
}

export async function insertGrant(trx: Db, row: Insertable<GrantsTable>): Promise<void> {
  await trx.insertInto('grants').values(row).execute();
}

export async function insertAccessToken(trx: Db, row: Insertable<AccessTokensTable>): Promise<void> {
  await trx.insertInto('access_tokens').values(row).execute();
}

/** What decides whether a resumed session's grant is still alive. */
export async function findGrantLiveness(db: Db, grantId: string) {
  return db.selectFrom('grants').select(['revoked_at', 'expires_at', 'scopes']).where('id', '=', grantId).executeTakeFirst();
}

/** An access token with its grant (RFC 7662 introspection). */
export async function findAccessTokenWithGrant(db: Db, tokenDigest: string) {
  return db
    .selectFrom('access_tokens as t')
    .innerJoin('grants as g', 'g.id', 't.grant_id')
    .select([
      'g.id',
      'g.client_id',
      'g.user_id',
      'g.workspace_id',
      'g.scopes',
      'g.sandbox',
      'g.revoked_at',
      'g.expires_at',
      't.expires_at as token_expires_at',
      't.created_at',
    ])
    .where('t.digest', '=', tokenDigest)
    .executeTakeFirst();
}

/** Whose an access token is and which grant it belongs to. */
export async function findAccessTokenOwner(db: Db, tokenDigest: string) {
  return db.selectFrom('access_tokens').select(['grant_id', 'client_id']).where('digest', '=', tokenDigest).executeTakeFirst();
}

/** The client's live grants for one user. */
export async function liveGrantsOfUser(db: Db, clientId: string, userId: string, now: number) {
  return db
    .selectFrom('grants')
    .select(['id', 'workspace_id'])
    .where('client_id', '=', clientId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
}

/** A live grant with its transaction limit and whether its user is a guest. */
export async function findLiveGrantWithUser(db: Db, grantId: string, now: number) {
  return db
    .selectFrom('grants as g')
    .innerJoin('users as u', 'u.id', 'g.user_id')
    .select(['g.id', 'g.client_id', 'g.user_id', 'g.workspace_id', 'g.transaction_limit', 'g.enable_limiter', 'u.is_anonymous'])
    .where('g.id', '=', grantId)
    .where('g.revoked_at', 'is', null)
    .where('g.expires_at', '>', now)
    .executeTakeFirst();
}

export async function setGrantLimits(trx: Db, grantId: string, limits: { transaction_limit: number | null; enable_limiter: number }): Promise<void> {
  await trx.updateTable('grants').set(limits).where('id', '=', grantId).execute();
}
