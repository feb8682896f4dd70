/**
 * Tax, accounting, reports and webhooks. The tax pass (server/tax/pass.ts) rewrites the
 * `tax_*` and `ledger_lines` rows of a workspace in one transaction; reports are generated
 * in the background from them. Webhook events go to a persisted outbox (`webhook_events`,
 * fanned out into `webhook_deliveries` per grant, each attempt in `webhook_attempts`).
 *
 * Integration events are written by triggers on `integrations`, in the same transaction as
 * the status change that causes them, whichever code path makes it (widget, data API,
 * sync runner): nothing can change an integration without its event. Triggers are dialect
 * SQL and so live here, in db/; PostgreSQL needs the same three as PL/pgSQL functions.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tax_runs') // one row per workspace: what the last pass computed, with which settings
    .addColumn('workspace_id', 'text', (c) => c.primaryKey())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('long_term_days', 'integer', (c) => c.notNull())
    .addColumn('tax_year_start', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // completed | stale
    .addColumn('transactions', 'integer', (c) => c.notNull())
    .addColumn('disposals', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('tax_disposals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull()) // order of the pass (time, then transaction id)
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull()) // disposal | fee
    .addColumn('quantity', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'bigint') // earliest lot used; null when no purchase was found
    .addColumn('disposed_at', 'bigint', (c) => c.notNull())
    .addColumn('tax_year', 'integer', (c) => c.notNull())
    .addColumn('term', 'text', (c) => c.notNull()) // short | long
    .addColumn('proceeds', 'text', (c) => c.notNull())
    .addColumn('cost_basis', 'text', (c) => c.notNull())
    .addColumn('gain', 'text', (c) => c.notNull())
    .addColumn('fee', 'text', (c) => c.notNull()) // fee value deducted from the proceeds
    .addColumn('lots', 'text', (c) => c.notNull()) // JSON [{lotId, transactionId, acquiredAt, quantity, costBasis}]
    .addColumn('missing_price', 'integer', (c) => c.notNull())
    .addColumn('missing_purchase', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tax_disposals_year').on('tax_disposals').columns(['workspace_id', 'tax_year', 'seq']).execute();

  await db.schema
    .createTable('tax_income')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('tax_year', 'integer', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('missing_price', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('tax_income_year').on('tax_income').columns(['workspace_id', 'tax_year', 'seq']).execute();

  await db.schema
    .createTable('tax_lots') // lots still open after the pass
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'bigint', (c) => c.notNull())
    .addColumn('quantity', 'text', (c) => c.notNull())
    .addColumn('cost_basis', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('tax_lots_pk', ['workspace_id', 'seq'])
    .execute();

  await db.schema
    .createTable('ledger_lines') // double-entry journal: one entry per transaction, several lines
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull()) // entry order
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('transaction_id', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('wallet_id', 'text')
    .addColumn('asset_id', 'text')
    .addColumn('quantity', 'text') // signed, for asset accounts
    .addColumn('debit', 'text', (c) => c.notNull())
    .addColumn('credit', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ledger_lines_pk', ['workspace_id', 'seq', 'line'])
    .execute();

  await db.schema
    .createTable('reports')
    .addColumn('id', 'text', (c) => c.primaryKey()) // rpt_<hex>
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull()) // capital_gains | income
    .addColumn('tax_year', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // queued | running | completed | failed
    .addColumn('rows', 'integer')
    .addColumn('content', 'text')
    .addColumn('error', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('completed_at', 'bigint')
    .execute();
  await db.schema.createIndex('reports_workspace').on('reports').columns(['workspace_id', 'created_at']).execute();
  await db.schema.createIndex('reports_status').on('reports').columns(['status']).execute();

  await db.schema.alterTable('clients').addColumn('webhook_secret', 'text').execute(); // sealed whsec_…, AAD clients:<id>:webhook_secret
  await db.schema.alterTable('clients').addColumn('webhook_secret_created_at', 'bigint').execute();

  await db.schema
    .createTable('webhook_events')
    .addColumn('seq', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text')
    .addColumn('status', 'text') // integration status at the time of the event
    .addColumn('message', 'text')
    .addColumn('data', 'text') // JSON for non-integration events
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('fanned_out_at', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_events_pending').on('webhook_events').columns(['fanned_out_at', 'seq']).execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey()) // whd_<hex>: the receiver's deduplication key
    .addColumn('event_seq', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull()) // the exact bytes sent on every attempt
    .addColumn('status', 'text', (c) => c.notNull()) // pending | delivered | failed
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('webhook_deliveries_client').on('webhook_deliveries').columns(['client_id', 'created_at']).execute();
  await db.schema.createIndex('webhook_deliveries_unique').on('webhook_deliveries').columns(['event_seq', 'grant_id']).unique().execute();

  await db.schema
    .createTable('webhook_attempts')
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('status', 'integer') // HTTP status, null when no answer
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
    .execute();

  await sql`CREATE TRIGGER webhook_integration_created AFTER INSERT ON integrations
    BEGIN
      INSERT INTO webhook_events (workspace_id, event, integration_id, status, message, created_at)
      VALUES (NEW.workspace_id, 'integration.created', NEW.id, NEW.status, NEW.message, NEW.created_at);
    END`.execute(db);
  await sql`CREATE TRIGGER webhook_integration_status AFTER UPDATE OF status ON integrations
    WHEN NEW.status IS NOT OLD.status AND NEW.deleted_at IS NULL
    BEGIN
      INSERT INTO webhook_events (workspace_id, event, integration_id, status, message, created_at)
      VALUES (NEW.workspace_id, CASE WHEN NEW.status = 'FAILED' THEN 'integration.failed' ELSE 'integration.updated' END, NEW.id, NEW.status, NEW.message, NEW.updated_at);
    END`.execute(db);
  await sql`CREATE TRIGGER webhook_integration_deleted AFTER UPDATE OF deleted_at ON integrations
    WHEN OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL
    BEGIN
      INSERT INTO webhook_events (workspace_id, event, integration_id, status, message, created_at)
      VALUES (NEW.workspace_id, 'integration.deleted', NEW.id, NEW.status, NEW.message, NEW.deleted_at);
    END`.execute(db);
}
