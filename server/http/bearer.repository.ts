/** What the Bearer guard reads and stamps: an access token with its grant and client. */
import type { Db } from '../db/database.ts';

/** One query: token, live (unrevoked) grant and active client (a deleted client's tokens die with it). */
export async function findBearerGrant(db: Db, tokenDigest: string) {
  return db
    .selectFrom('access_tokens as t')
    .innerJoin('grants as g', 'g.id', 't.grant_id')
    .innerJoin('clients as c', 'c.id', 'g.client_id')
    .select([
      'g.id',
      'g.client_id',
      'g.user_id',
      'g.workspace_id',
      'g.scopes',
      'g.sandbox',
      't.last_used_at',
      'c.sandbox as client_sandbox',
      'g.expires_at',
      't.expires_at as token_expires_at',
    ])
    .where('c.deleted_at', 'is', null)
    .where('t.digest', '=', tokenDigest)
    .where('g.revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function stampAccessTokenUse(trx: Db, tokenDigest: string, now: number): Promise<void> {
  await trx.updateTable('access_tokens').set({ last_used_at: now }).where('digest', '=', tokenDigest).execute();
}
