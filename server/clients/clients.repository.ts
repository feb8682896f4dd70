/** Client rows: lookups by id, and the writes the developer portal (CLI / admin API) makes. */
import type { Db } from '../db/database.ts';
import type { Insertable } from 'kysely';
import type { Client, ClientsTable } from '../db/tables.ts';

export async function findActiveClient(db: Db, id: string): Promise<Client | undefined> {
  return db.selectFrom('clients').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function listActiveClients(db: Db): Promise<Client[]> {
  return db.selectFrom('clients').selectAll().where('deleted_at', 'is', null).orderBy('created_at').execute();
}

/** Every origin any active client registered: the preflight allow-list (see cors.ts). */
export async function allRegisteredOrigins(db: Db): Promise<Set<string>> {
  const rows = await db.selectFrom('clients').select('origins').where('deleted_at', 'is', null).execute();
  return new Set(rows.flatMap((r) => JSON.parse(r.origins) as string[]));
}

export async function insertClient(trx: Db, row: Insertable<ClientsTable>): Promise<void> {
  await trx.insertInto('clients').values(row).execute();
}

export async function updateClientRow(trx: Db, id: string, set: Partial<Client>): Promise<void> {
  await trx.updateTable('clients').set(set).where('id', '=', id).execute();
}
