/**
 * What the tax pass (pass.ts) reads and writes: the workspace's settings, lot selections and
 * transactions, stored daily prices, own-wallet transfer pairs, and the stored results
 * (`tax_disposals`, `tax_income`, `tax_lots`, `ledger_lines`, `asset_cost_basis`, `tax_runs`).
 */
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { AssetCostBasisTable, LedgerLinesTable, TaxDisposalsTable, TaxIncomeTable, TaxLotsTable, TaxRunsTable, TransferPairsTable } from '../db/tables.ts';

export async function workspaceTaxSettings(db: Db, workspaceId: string) {
  return db
    .selectFrom('workspaces')
    .select(['cost_basis_method', 'long_term_days', 'tax_year_start', 'holding_period', 'tax_timezone', 'lot_tracking', 'base_currency'])
    .where('id', '=', workspaceId)
    .executeTakeFirst();
}

/** How many lot selections the workspace has and when the last one changed. */
export async function lotSelectionVersion(db: Db, workspaceId: string) {
  return db
    .selectFrom('tax_lot_selections')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('last')])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
}

export async function lotSelections(db: Db, workspaceId: string) {
  return db.selectFrom('tax_lot_selections').select(['transaction_id', 'asset_id', 'lots']).where('workspace_id', '=', workspaceId).execute();
}

export async function taxRun(db: Db, workspaceId: string) {
  return db.selectFrom('tax_runs').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

/** The workspace's transactions in wallets not removed. */
export async function countLiveTransactions(db: Db, workspaceId: string): Promise<number> {
  const r = await db
    .selectFrom('transactions as t')
    .innerJoin('integrations as i', 'i.id', 't.integration_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('t.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The workspace's transactions in wallets not removed, oldest first. */
export async function liveTransactions(db: Db, workspaceId: string) {
  return db
    .selectFrom('transactions as t')
    .innerJoin('integrations as i', 'i.id', 't.integration_id')
    .select([
      'i.category',
      't.id',
      't.integration_id',
      't.timestamp',
      't.type',
      't.label',
      't.legs',
      't.raw',
      't.failed',
      't.is_spam',
      't.total_cost_basis',
      't.total_gains',
      't.missing_price',
      't.missing_purchase',
    ])
    .where('t.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .orderBy('t.timestamp')
    .orderBy('t.id')
    .execute();
}

export type LiveTransactionRow = Awaited<ReturnType<typeof liveTransactions>>[number];

/** Every stored daily price of these assets (at most 500 ids at once). */
export async function assetDayPrices(db: Db, assetIds: string[]) {
  return db.selectFrom('asset_prices').select(['asset_id', 'day', 'price']).where('asset_id', 'in', assetIds).execute();
}

export type TransactionTotals = {
  id: string;
  total_cost_basis: string | null;
  total_gains: string | null;
  missing_price: number;
  missing_purchase: number;
  legs?: string;
};

export async function updateTransactionTotals(trx: Db, updates: TransactionTotals[]): Promise<void> {
  for (const { id, ...set } of updates) await trx.updateTable('transactions').set(set).where('id', '=', id).execute();
}

export const RESULT_TABLES = ['tax_disposals', 'tax_income', 'tax_lots', 'ledger_lines', 'asset_cost_basis'] as const;

export async function deleteResults(trx: Db, workspaceId: string): Promise<void> {
  for (const table of RESULT_TABLES) await trx.deleteFrom(table).where('workspace_id', '=', workspaceId).execute();
}

export type ResultRows = {
  tax_disposals: Insertable<TaxDisposalsTable>[];
  tax_income: Insertable<TaxIncomeTable>[];
  tax_lots: Insertable<TaxLotsTable>[];
  ledger_lines: Insertable<LedgerLinesTable>[];
  asset_cost_basis: Insertable<AssetCostBasisTable>[];
};

/** Inserts rows of one result table (a chunk: the caller keeps statements small). */
export async function insertResults<T extends keyof ResultRows>(trx: Db, table: T, rows: ResultRows[T]): Promise<void> {
  if (rows.length)
    await trx
      .insertInto(table)
      .values(rows as never)
      .execute();
}

export async function saveTaxRun(trx: Db, workspaceId: string, run: Omit<Insertable<TaxRunsTable>, 'workspace_id'>): Promise<void> {
  await trx
    .insertInto('tax_runs')
    .values({ workspace_id: workspaceId, ...run })
    .onConflict((oc) => oc.column('workspace_id').doUpdateSet(run))
    .execute();
}

// Own-wallet transfers (transfers.ts).

export async function transferSettings(db: Db, workspaceId: string) {
  return db
    .selectFrom('workspaces')
    .select(['transfer_detection', 'transfer_window_hours', 'transfer_tolerance_percent'])
    .where('id', '=', workspaceId)
    .executeTakeFirst();
}

export async function transferPairs(db: Db, workspaceId: string) {
  return db.selectFrom('transfer_pairs').selectAll().where('workspace_id', '=', workspaceId).execute();
}

export async function liveWalletIds(db: Db, workspaceId: string): Promise<string[]> {
  return (await db.selectFrom('integrations').select('id').where('workspace_id', '=', workspaceId).where('deleted_at', 'is', null).execute()).map((r) => r.id);
}

export async function deleteTransferPair(trx: Db, id: string): Promise<void> {
  await trx.deleteFrom('transfer_pairs').where('id', '=', id).execute();
}

export async function insertTransferPair(trx: Db, row: Insertable<TransferPairsTable>): Promise<void> {
  await trx.insertInto('transfer_pairs').values(row).execute();
}
