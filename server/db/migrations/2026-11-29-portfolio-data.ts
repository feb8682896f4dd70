/**
 * Portfolio data: assets and daily prices, balances per integration, transactions (legs as
 * JSON, plus an asset index for filters), DeFi positions, NFTs, and the persisted sync job
 * queue. Quantities and money are decimal strings (decimal.js), never floats.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('assets')
    .addColumn('id', 'text', (c) => c.primaryKey()) // `<chain>:native` or `<chain>:<contract>` (lowercase for EVM)
    .addColumn('symbol', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('chain', 'text')
    .addColumn('contract', 'text')
    .addColumn('decimals', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull()) // native | token | nft | fiat
    .addColumn('category', 'text', (c) => c.notNull()) // crypto | stablecoin | defi | nft | fiat
    .addColumn('coingecko_id', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('is_spam', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('asset_prices')
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id'))
    .addColumn('day', 'integer', (c) => c.notNull()) // days since 1970-01-01 (UTC)
    .addColumn('price', 'text', (c) => c.notNull()) // USD, decimal string
    .addPrimaryKeyConstraint('asset_prices_pk', ['asset_id', 'day'])
    .execute();

  await db.schema
    .createTable('balances')
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id'))
    .addColumn('asset_id', 'text', (c) => c.notNull().references('assets.id'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('balances_pk', ['integration_id', 'asset_id'])
    .execute();
  await db.schema.createIndex('balances_workspace').on('balances').columns(['workspace_id', 'asset_id']).execute();

  await db.schema
    .createTable('transactions')
    .addColumn('id', 'text', (c) => c.primaryKey()) // trx_<hex>
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id'))
    .addColumn('external_id', 'text', (c) => c.notNull()) // unique per integration: re-syncs are idempotent
    .addColumn('platform_id', 'text') // tx hash / exchange trade id (v1 `transactionPlatfromId`)
    .addColumn('timestamp', 'bigint', (c) => c.notNull()) // ms
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull()) // deposit | withdrawal | trade | payment | transfer
    .addColumn('description', 'text')
    .addColumn('legs', 'text', (c) => c.notNull()) // JSON [{kind, assetId, quantity, price, account}]
    .addColumn('is_spam', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_nft', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_defi', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_manual', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('is_edited', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('missing_price', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('missing_purchase', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('import_source', 'text', (c) => c.notNull().defaultTo('API')) // API | CSV | Manual
    .addColumn('raw', 'text')
    .addColumn('total_cost_basis', 'text') // filled by the cost-basis pass (decimal USD)
    .addColumn('total_gains', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('transactions_external').on('transactions').columns(['integration_id', 'external_id']).unique().execute();
  await db.schema.createIndex('transactions_workspace_time').on('transactions').columns(['workspace_id', 'timestamp', 'id']).execute();

  await db.schema
    .createTable('transaction_assets')
    .addColumn('transaction_id', 'text', (c) => c.notNull().references('transactions.id').onDelete('cascade'))
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('transaction_assets_pk', ['transaction_id', 'asset_id'])
    .execute();
  await db.schema.createIndex('transaction_assets_lookup').on('transaction_assets').columns(['workspace_id', 'asset_id', 'timestamp']).execute();

  await db.schema
    .createTable('defi_positions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull()) // lending | staking | farming | liquidity | derivatives
    .addColumn('site_url', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('positions', 'text', (c) => c.notNull()) // JSON [{assetId, amount, side: supply|borrow|reward}]
    .addColumn('is_active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('defi_positions_workspace').on('defi_positions').columns(['workspace_id', 'protocol']).execute();

  await db.schema
    .createTable('nfts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id'))
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('chain', 'text', (c) => c.notNull())
    .addColumn('contract', 'text', (c) => c.notNull())
    .addColumn('token_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('description', 'text')
    .addColumn('content_type', 'text')
    .addColumn('nft_url', 'text')
    .addColumn('thumbnail_url', 'text')
    .addColumn('erc_type', 'text', (c) => c.notNull()) // ERC-721 | ERC-1155 | SPL
    .addColumn('amount', 'text', (c) => c.notNull())
    .addColumn('price', 'text') // USD estimate, decimal string
    .addColumn('is_spam', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('collection', 'text', (c) => c.notNull()) // JSON
    .addColumn('last_sale', 'text') // JSON
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('nfts_workspace').on('nfts').columns(['workspace_id', 'chain']).execute();
  await db.schema.createIndex('nfts_unique').on('nfts').columns(['integration_id', 'contract', 'token_id']).unique().execute();

  await db.schema
    .createTable('sync_jobs')
    .addColumn('id', 'text', (c) => c.primaryKey()) // sync_<hex>
    .addColumn('integration_id', 'text', (c) => c.notNull().references('integrations.id'))
    .addColumn('mode', 'text', (c) => c.notNull()) // latest | from_start
    .addColumn('status', 'text', (c) => c.notNull()) // queued | running | completed | partially_synced | failed
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('run_after', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sync_jobs_due').on('sync_jobs').columns(['status', 'run_after']).execute();
  await db.schema.createIndex('sync_jobs_integration').on('sync_jobs').columns(['integration_id', 'status']).execute();

  await db.schema
    .createTable('asset_cost_basis') // per workspace and asset, rewritten by the cost-basis pass after each sync
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('asset_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'text', (c) => c.notNull())
    .addColumn('cost_basis', 'text', (c) => c.notNull()) // USD of the quantity still held
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('asset_cost_basis_pk', ['workspace_id', 'asset_id'])
    .execute();

  await db.schema.alterTable('integrations').addColumn('sync_log', 'text').execute(); // JSON {Balances|Defi Balances|NFT Holdings|Transactions: {status, message?, limitExceeded?}}
  await db.schema.alterTable('integrations').addColumn('sync_cursor', 'text').execute(); // source-specific JSON, for incremental re-syncs
  await db.schema
    .alterTable('integrations')
    .addColumn('limit_exceeded', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('integrations')
    .addColumn('total_transactions', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('cost_basis_method', 'text', (c) => c.notNull().defaultTo('FIFO'))
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('tax_year_start', 'text', (c) => c.notNull().defaultTo('01-01'))
    .execute();
  await db.schema
    .alterTable('workspaces')
    .addColumn('long_term_days', 'integer', (c) => c.notNull().defaultTo(365))
    .execute();
}
