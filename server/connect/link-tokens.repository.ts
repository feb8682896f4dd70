/** The `link_tokens` table: a widget session from its creation to consent (single-use steps are conditional UPDATEs whose row count decides). */
import type { Db } from '../db/database.ts';
import type { Insertable } from 'kysely';
import type { LinkToken, LinkTokensTable } from '../db/tables.ts';

export async function insertLinkToken(trx: Db, row: Insertable<LinkTokensTable>): Promise<void> {
  await trx.insertInto('link_tokens').values(row).execute();
}

export async function findLinkTokenByDigest(db: Db, tokenDigest: string): Promise<LinkToken | undefined> {
  return db.selectFrom('link_tokens').selectAll().where('digest', '=', tokenDigest).executeTakeFirst();
}

export async function findLinkToken(db: Db, id: string): Promise<LinkToken | undefined> {
  return db.selectFrom('link_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Signs the session in as `userId` (with its workspace) when nobody did yet. True when this call did. */
export async function claimLinkTokenUser(
  trx: Db,
  id: string,
  userId: string,
  workspaceId: string | null,
  opts: { unconsented?: boolean } = {},
): Promise<boolean> {
  let q = trx.updateTable('link_tokens').set({ user_id: userId, workspace_id: workspaceId }).where('id', '=', id).where('user_id', 'is', null);
  if (opts.unconsented) q = q.where('consented_at', 'is', null);
  const r = await q.executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** A resumed session's step-up by email. True when this call did it. */
export async function markLinkTokenSignedIn(trx: Db, id: string, now: number): Promise<boolean> {
  const r = await trx.updateTable('link_tokens').set({ signed_in_at: now }).where('id', '=', id).where('signed_in_at', 'is', null).executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Consent: true when this call gave it (a session consents once). */
export async function markLinkTokenConsented(trx: Db, id: string, now: number): Promise<boolean> {
  const r = await trx.updateTable('link_tokens').set({ consented_at: now }).where('id', '=', id).where('consented_at', 'is', null).executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

export async function selectLinkTokenWorkspace(trx: Db, id: string, workspaceId: string): Promise<void> {
  await trx.updateTable('link_tokens').set({ workspace_id: workspaceId }).where('id', '=', id).where('consented_at', 'is', null).execute();
}

/** Ends a link token: it expires by `expiresAt` and can no longer consent (or be continued). */
export async function endLinkToken(trx: Db, id: string, now: number, expiresAt: number, opts: { unconsented?: boolean } = {}): Promise<void> {
  let q = trx.updateTable('link_tokens').set({ consented_at: now, expires_at: expiresAt }).where('id', '=', id);
  if (opts.unconsented) q = q.where('consented_at', 'is', null);
  await q.execute();
}
