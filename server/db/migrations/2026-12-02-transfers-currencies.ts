/**
 * Own-wallet transfers and base currencies (issue 11):
 * - `transfer_pairs`: the pairings of an outgoing and an incoming transaction between the
 *   workspace's own wallets — by a shared `transferId`, by halves naming each other's wallet,
 *   detected automatically, or made through the API — with their status (`paired`,
 *   `detected`, `confirmed`, `undone`); an undone pairing is remembered so detection never
 *   makes it again.
 * - workspace settings of the detection: on/off, the window in hours, the tolerance in percent.
 * - `fx_rates`: units of a currency per US dollar, per UTC day, from the price source, and
 *   the currency a tax run computed in (`tax_runs.currency`).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('transfer_pairs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('out_transaction_id', 'text', (c) => c.notNull())
    .addColumn('in_transaction_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('transfer_pairs_halves')
    .on('transfer_pairs')
    .columns(['workspace_id', 'out_transaction_id', 'in_transaction_id'])
    .unique()
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('transfer_detection', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('transfer_window_hours', 'integer', (c) => c.notNull().defaultTo(24))
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('transfer_tolerance_percent', 'text', (c) => c.notNull().defaultTo(sql`'1'`))
    .execute();
  await db.schema
    .createTable('fx_rates')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('rate', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('fx_rates_pk', ['currency', 'day'])
    .execute();
  await db.schema
    .alterTable('tax_runs')
    .addColumn('currency', 'text', (c) => c.notNull().defaultTo('USD'))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('tax_runs').dropColumn('currency').execute();
  await db.schema.dropTable('fx_rates').execute();
  await db.schema.alterTable('workspaces').dropColumn('transfer_tolerance_percent').execute();
  await db.schema.alterTable('workspaces').dropColumn('transfer_window_hours').execute();
  await db.schema.alterTable('workspaces').dropColumn('transfer_detection').execute();
  await db.schema.dropTable('transfer_pairs').execute();
}
