/**
 * Hardening II: a resumed session's email step-up (`link_tokens.signed_in_at`), which link
 * token added an integration (`integrations.added_by_link_token_id`, so a resumed session
 * sees and undoes only its own additions before step-up), sign-in budgets in tables
 * (`rate_counters`, `sign_in_failures`), and workspace names that never derive from an email.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('link_tokens').addColumn('signed_in_at', 'integer').execute();
  await db.schema.alterTable('integrations').addColumn('added_by_link_token_id', 'text').execute();
  await db.schema
    .createTable('rate_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'integer', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('sign_in_failures')
    .addColumn('email', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_start', 'integer', (c) => c.notNull())
    .addColumn('lockouts', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'integer')
    .execute();
  // Old names were "<local part>'s workspace": they revealed the email through check-session.
  await sql`update workspaces set name = 'My workspace' where name like '%''s workspace'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sign_in_failures').execute();
  await db.schema.dropTable('rate_counters').execute();
  await db.schema.alterTable('integrations').dropColumn('added_by_link_token_id').execute();
  await db.schema.alterTable('link_tokens').dropColumn('signed_in_at').execute();
}
