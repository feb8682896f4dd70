/** The `public_tokens` table: single-use tokens minted at consent, consumed by the exchange. */
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { PublicTokensTable } from '../db/tables.ts';

export async function insertPublicTokenRow(trx: Db, row: Insertable<PublicTokensTable>): Promise<void> {
  await trx.insertInto('public_tokens').values(row).execute();
}

/** Consumes the token for `client` (its own, in its environment, unexpired, unused), recording the grant it becomes. */
export async function consumePublicToken(trx: Db, tokenDigest: string, client: { id: string; sandbox: number }, now: number, grantId: string) {
  return trx
    .updateTable('public_tokens')
    .set({ consumed_at: now, grant_id: grantId })
    .where('digest', '=', tokenDigest)
    .where('client_id', '=', client.id)
    .where('sandbox', '=', client.sandbox)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['user_id', 'workspace_id', 'scopes', 'sandbox', 'link_token_id', 'user_reference'])
    .executeTakeFirst();
}

/** Why a token could not be consumed: whose it is, and whether it was used or expired. */
export async function findPublicTokenState(db: Db, tokenDigest: string) {
  return db
    .selectFrom('public_tokens')
    .select(['client_id', 'sandbox', 'consumed_at', 'expires_at', 'grant_id'])
    .where('digest', '=', tokenDigest)
    .executeTakeFirst();
}
