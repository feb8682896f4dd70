/** The workspace's settings row and what it holds (its usage), for `/v1/workspace`. */
import type { Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { WorkspacesTable } from '../db/tables.ts';

/** Live integrations, DeFi positions, NFTs and balance rows of the workspace. */
export async function workspaceUsage(db: Db, workspaceId: string) {
  const n = (t: 'integrations' | 'defi_positions' | 'nfts' | 'balances') =>
    db
      .selectFrom(t)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('workspace_id', '=', workspaceId)
      .$if(t === 'integrations', (qb) => qb.where('deleted_at' as never, 'is', null))
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));
  const [integrations, defiPositions, nfts, balances] = await Promise.all([n('integrations'), n('defi_positions'), n('nfts'), n('balances')]);
  return { integrations, defiPositions, nfts, balances };
}

export async function updateWorkspace(trx: Db, workspaceId: string, set: Updateable<WorkspacesTable>): Promise<void> {
  await trx.updateTable('workspaces').set(set).where('id', '=', workspaceId).execute();
}
