/** The OAuth provider's tables: authorization requests (`oauth_requests`), codes (`oauth_codes`) and id_token signing keys (`oauth_keys`). */
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { OauthCodesTable, OauthKeysTable, OauthRequestsTable } from '../db/tables.ts';

// ---------------------------------------------------------------- requests

export async function insertAuthorizationRequest(trx: Db, row: Insertable<OauthRequestsTable>): Promise<void> {
  await trx.insertInto('oauth_requests').values(row).execute();
}

export async function findRequestByDigest(db: Db, handleDigest: string) {
  return db.selectFrom('oauth_requests').selectAll().where('digest', '=', handleDigest).executeTakeFirst();
}

/** The authorization request a link token was opened for (complete or not). */
export async function findRequestOfLink(db: Db, linkTokenId: string) {
  return db.selectFrom('oauth_requests').selectAll().where('link_token_id', '=', linkTokenId).executeTakeFirst();
}

/** The link token's authorization request while it is not complete. */
export async function findOpenRequestOfLink(db: Db, linkTokenId: string) {
  return db.selectFrom('oauth_requests').selectAll().where('link_token_id', '=', linkTokenId).where('completed_at', 'is', null).executeTakeFirst();
}

/** The hosted page opened the request (once): it now belongs to that page's link token. */
export async function markRequestOpened(trx: Db, id: string, now: number, linkTokenId: string): Promise<void> {
  await trx.updateTable('oauth_requests').set({ opened_at: now, link_token_id: linkTokenId }).where('id', '=', id).execute();
}

export async function completeRequest(trx: Db, id: string, now: number, outcome: 'code' | 'denied'): Promise<void> {
  await trx.updateTable('oauth_requests').set({ completed_at: now, outcome }).where('id', '=', id).execute();
}

// ---------------------------------------------------------------- codes

export async function insertCode(trx: Db, row: Insertable<OauthCodesTable>): Promise<void> {
  await trx.insertInto('oauth_codes').values(row).execute();
}

/** A code with the issuer of its request. */
export async function findCodeWithIssuer(db: Db, codeDigest: string) {
  return db
    .selectFrom('oauth_codes as c')
    .innerJoin('oauth_requests as r', 'r.id', 'c.request_id')
    .select(['c.client_id', 'c.redirect_uri', 'c.code_challenge', 'c.nonce', 'c.public_token', 'c.expires_at', 'c.consumed_at', 'r.issuer'])
    .where('c.digest', '=', codeDigest)
    .executeTakeFirst();
}

/** Claims an unconsumed code; true when this call did. */
export async function claimCode(trx: Db, codeDigest: string, now: number): Promise<boolean> {
  const r = await trx.updateTable('oauth_codes').set({ consumed_at: now }).where('digest', '=', codeDigest).where('consumed_at', 'is', null).executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Records the grant a redemption produced; answers the code's state after it. */
export async function setCodeGrant(trx: Db, codeDigest: string, grantId: string) {
  return trx
    .updateTable('oauth_codes')
    .set({ grant_id: grantId })
    .where('digest', '=', codeDigest)
    .returning(['grant_id', 'consumed_at'])
    .executeTakeFirstOrThrow();
}

/** Marks a code presented again (`consumedAt` is the reuse mark); answers the grant its first redemption produced. */
export async function markCodeReused(trx: Db, codeDigest: string, consumedAt: number) {
  return trx.updateTable('oauth_codes').set({ consumed_at: consumedAt }).where('digest', '=', codeDigest).returning(['grant_id']).executeTakeFirstOrThrow();
}

// ---------------------------------------------------------------- signing keys

/** Retires the signing key(s) and adds the new one. */
export async function replaceSigningKey(trx: Db, now: number, row: Insertable<OauthKeysTable>): Promise<void> {
  await trx.updateTable('oauth_keys').set({ retired_at: now }).where('retired_at', 'is', null).execute();
  await trx.insertInto('oauth_keys').values(row).execute();
}

/** Every key, newest first. */
export async function listKeyRows(db: Db) {
  return db.selectFrom('oauth_keys').selectAll().orderBy('created_at', 'desc').execute();
}

/** The newest unretired key. */
export async function findSigningKey(db: Db) {
  return db.selectFrom('oauth_keys').selectAll().where('retired_at', 'is', null).orderBy('created_at', 'desc').executeTakeFirst();
}

export async function getKey(db: Db, kid: string) {
  return db.selectFrom('oauth_keys').selectAll().where('kid', '=', kid).executeTakeFirstOrThrow();
}
