/** The `widget_events` table: where users left the flow (partner analytics). */
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { WidgetEventsTable } from '../db/tables.ts';

export async function insertWidgetEvent(trx: Db, row: Insertable<WidgetEventsTable>): Promise<void> {
  await trx.insertInto('widget_events').values(row).execute();
}
