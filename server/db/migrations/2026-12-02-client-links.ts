/**
 * Links a client shows on the consent screen: its privacy policy and terms of service
 * (`privacy_policy_url`, `terms_url`; http(s), set by the CLI and the admin API).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').addColumn('privacy_policy_url', 'text').execute();
  await db.schema.alterTable('clients').addColumn('terms_url', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clients').dropColumn('terms_url').execute();
  await db.schema.alterTable('clients').dropColumn('privacy_policy_url').execute();
}
