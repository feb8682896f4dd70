/**
 * The OAuth 2.0 / OpenID Connect provider (server/oauth): authorization requests handed to
 * the hosted page (`creq_`, 2 minutes, single use), authorization codes (`ccode_`, 5 minutes,
 * single use, bound to client, redirect_uri and PKCE challenge) and the RS256 signing keys of
 * id_tokens (private keys sealed like every secret we must replay).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('oauth_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('digest', 'text', (c) => c.notNull().unique()) // of the creq_ handle
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('sandbox', 'integer', (c) => c.notNull())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text')
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    .addColumn('link_token_id', 'text', (c) => c.unique()) // set when the hosted page opens it
    .addColumn('outcome', 'text') // code | denied
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('opened_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .execute();

  await db.schema
    .createTable('oauth_codes')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('public_token', 'text', (c) => c.notNull()) // sealed: what the code is exchanged for
    .addColumn('grant_id', 'text') // the grant its redemption produced
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();

  await db.schema
    .createTable('oauth_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_jwk', 'text', (c) => c.notNull()) // sealed
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('retired_at', 'bigint') // stopped signing; still published for a while
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('oauth_keys').execute();
  await db.schema.dropTable('oauth_codes').execute();
  await db.schema.dropTable('oauth_requests').execute();
}
