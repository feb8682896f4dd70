/**
 * Tax engine II: the holding-period rule and tax time zone, wallet-by-wallet lots (per
 * workspace), the wallet of an open lot, the settings a pass ran with, and specific
 * identification (the lots a disposal names).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('workspaces')
    .addColumn('holding_period', 'text', (c) => c.notNull().defaultTo('calendar'))
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('tax_timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('lot_tracking', 'text', (c) => c.notNull().defaultTo('universal'))
    .execute();
  await db.schema.alterTable('tax_runs').addColumn('settings', 'text').execute();
  await db.schema.alterTable('tax_lots').addColumn('wallet_id', 'text').execute();
  await db.schema
    .createTable('tax_lot_selections') // specific identification: which acquisitions a disposal's asset comes from
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('lots', 'text', (c) => c.notNull()) // JSON [{transactionId, quantity}]
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('tax_lot_selections_pk', ['workspace_id', 'transaction_id', 'asset_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('tax_lot_selections').execute();
  await db.schema.alterTable('tax_lots').dropColumn('wallet_id').execute();
  await db.schema.alterTable('tax_runs').dropColumn('settings').execute();
  for (const c of ['lot_tracking', 'tax_timezone', 'holding_period']) await db.schema.alterTable('workspaces').dropColumn(c).execute();
}
