/** `transfer_pairs` as the transfers API reads and changes them (the pass writes its own). */
import type { Db } from '../db/database.ts';
import type { PairRow } from './transfers.ts';

export async function listPairs(db: Db, workspaceId: string, status?: PairRow['status']): Promise<PairRow[]> {
  let qb = db.selectFrom('transfer_pairs').selectAll().where('workspace_id', '=', workspaceId);
  if (status) qb = qb.where('status', '=', status);
  return (await qb.orderBy('created_at').orderBy('id').execute()) as PairRow[];
}

export async function findPair(db: Db, workspaceId: string, id: string): Promise<PairRow | undefined> {
  return (await db.selectFrom('transfer_pairs').selectAll().where('workspace_id', '=', workspaceId).where('id', '=', id).executeTakeFirst()) as
    PairRow | undefined;
}

/** Pairings not undone that hold either of these transactions. */
export async function activePairsOf(db: Db, workspaceId: string, transactionIds: string[]) {
  return db
    .selectFrom('transfer_pairs')
    .select(['id', 'out_transaction_id', 'in_transaction_id'])
    .where('workspace_id', '=', workspaceId)
    .where('status', '!=', 'undone')
    .where((eb) => eb.or([eb('out_transaction_id', 'in', transactionIds), eb('in_transaction_id', 'in', transactionIds)]))
    .execute();
}

export async function setPairStatus(trx: Db, id: string, status: PairRow['status'], now: number): Promise<void> {
  await trx.updateTable('transfer_pairs').set({ status, updated_at: now }).where('id', '=', id).execute();
}

/** Stores a manual pairing, replacing an earlier undone record of the same two halves. */
export async function replacePair(trx: Db, workspaceId: string, pair: PairRow): Promise<void> {
  await trx
    .deleteFrom('transfer_pairs')
    .where('workspace_id', '=', workspaceId)
    .where('out_transaction_id', '=', pair.out_transaction_id)
    .where('in_transaction_id', '=', pair.in_transaction_id)
    .execute();
  await trx
    .insertInto('transfer_pairs')
    .values({ ...pair, workspace_id: workspaceId })
    .execute();
}
