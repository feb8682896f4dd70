/** A client's webhook columns (`clients.webhook_*`) and the deliveries a removed webhook drops. Call inside a write. */
import type { Db } from '../db/database.ts';

export async function saveClientWebhook(
  trx: Db,
  clientId: string,
  set: { webhook_url?: string | null; webhook_secret?: string | null; webhook_secret_created_at?: number | null; updated_at: number },
): Promise<void> {
  await trx.updateTable('clients').set(set).where('id', '=', clientId).execute();
}

/** Marks the client's pending deliveries failed (its webhook was removed). */
export async function dropPendingDeliveries(trx: Db, clientId: string): Promise<void> {
  await trx
    .updateTable('webhook_deliveries')
    .set({ status: 'failed', last_error: 'Webhook removed' })
    .where('client_id', '=', clientId)
    .where('status', '=', 'pending')
    .execute();
}
