/** Client rows: lookups by id, and the writes the developer portal (CLI / admin API) makes. */
import type { Db } from '../db/database.ts';
import type { Client } from '../db/tables.ts';

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
