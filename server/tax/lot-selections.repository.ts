/** `tax_lot_selections`: the acquisitions a disposal names for an asset (specific identification). */
import type { Db } from '../db/database.ts';
import type { TaxLotSelectionsTable } from '../db/tables.ts';

export async function upsertLotSelection(trx: Db, row: TaxLotSelectionsTable): Promise<void> {
  await trx
    .insertInto('tax_lot_selections')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'transaction_id', 'asset_id']).doUpdateSet({ lots: row.lots, updated_at: row.updated_at }))
    .execute();
}

/** Forgets one selection; answers whether there was one. */
export async function deleteLotSelection(trx: Db, workspaceId: string, transactionId: string, assetId: string): Promise<boolean> {
  const r = await trx
    .deleteFrom('tax_lot_selections')
    .where('workspace_id', '=', workspaceId)
    .where('transaction_id', '=', transactionId)
    .where('asset_id', '=', assetId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) !== 0;
}

export async function listLotSelections(db: Db, workspaceId: string) {
  return db.selectFrom('tax_lot_selections').selectAll().where('workspace_id', '=', workspaceId).orderBy('updated_at').orderBy('transaction_id').execute();
}
