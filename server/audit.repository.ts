/** The `audit_events` table: the security trail (written inside the change it records), listed per client, pruned by age. */
import type { Insertable } from 'kysely';
import type { Db } from './db/database.ts';
import type { AuditEventsTable } from './db/tables.ts';

export async function insertAuditEvent(trx: Db, row: Insertable<AuditEventsTable>): Promise<void> {
  await trx.insertInto('audit_events').values(row).execute();
}

export async function listAuditEvents(db: Db, clientId: string, limit: number) {
  return db.selectFrom('audit_events').selectAll().where('client_id', '=', clientId).orderBy('id', 'desc').limit(limit).execute();
}

/** Deletes the events created before `before`; answers how many. */
export async function deleteAuditEventsBefore(trx: Db, before: number): Promise<number> {
  const r = await trx.deleteFrom('audit_events').where('created_at', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}
