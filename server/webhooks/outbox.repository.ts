/**
 * The webhook outbox. Events are rows in `webhook_events`, written in the transaction of the
 * change they announce (integration events by triggers, see the 2026-11-30 migration;
 * others with `enqueueEvent`). The dispatcher fans each event out into one
 * `webhook_deliveries` row per active grant of a client with a webhook, with the exact body
 * every attempt sends, and records each attempt in `webhook_attempts`.
 */
import type { Insertable, Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Integration, WebhookAttemptsTable, WebhookDeliveriesTable } from '../db/tables.ts';

export type WebhookEventName =
  | 'integration.created'
  | 'integration.updated'
  | 'integration.failed'
  | 'integration.deleted'
  | 'costbasis.completed'
  | 'transfer_detection.detected'
  | 'transfer_detection.confirmed'
  | 'transfer_detection.undone';

/** Records an event inside the caller's transaction (`trx`), so it exists exactly when the change commits. */
export async function enqueueEvent(trx: Db, e: { workspaceId: string; event: WebhookEventName; now: number; data: Record<string, unknown> }): Promise<void> {
  await trx
    .insertInto('webhook_events')
    .values({
      workspace_id: e.workspaceId,
      event: e.event,
      integration_id: null,
      status: null,
      message: null,
      data: JSON.stringify(e.data),
      created_at: e.now,
      fanned_out_at: null,
    })
    .execute();
}

export async function anyWebhook(db: Db): Promise<boolean> {
  const row = await db
    .selectFrom('clients')
    .select('id')
    .where('webhook_url', 'is not', null)
    .where('webhook_secret', 'is not', null)
    .where('deleted_at', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/** Marks events nobody could receive as handled (called when the first webhook is configured). */
export async function retireBacklog(db: Db, now: number): Promise<void> {
  await db.updateTable('webhook_events').set({ fanned_out_at: now }).where('fanned_out_at', 'is', null).where('created_at', '<', now).execute();
}

export async function pendingEvents(db: Db, limit: number) {
  return db.selectFrom('webhook_events').selectAll().where('fanned_out_at', 'is', null).orderBy('seq').limit(limit).execute();
}

/** Active grants on the workspace whose client has a webhook URL and secret. */
export async function subscribers(db: Db, workspaceId: string, now: number) {
  return db
    .selectFrom('grants as g')
    .innerJoin('clients as c', 'c.id', 'g.client_id')
    .select(['g.id as grant_id', 'g.client_id', 'g.user_id', 'g.scopes', 'c.webhook_url'])
    .where('g.workspace_id', '=', workspaceId)
    .where('g.revoked_at', 'is', null)
    .where('g.expires_at', '>', now)
    .where('c.deleted_at', 'is', null)
    .where('c.webhook_url', 'is not', null)
    .where('c.webhook_secret', 'is not', null)
    .orderBy('g.created_at')
    .execute();
}

export type DeliveryRow = Awaited<ReturnType<typeof dueDeliveries>>[number];

export async function dueDeliveries(db: Db, now: number, limit: number) {
  return db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Takes a due delivery for one attempt (a lease until `leaseUntil`); false when another worker has it. */
export async function claimDelivery(db: Db, id: string, now: number, leaseUntil: number): Promise<boolean> {
  const r = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ next_attempt_at: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function listDeliveries(db: Db, clientId: string, limit: number) {
  return db
    .selectFrom('webhook_deliveries')
    .select([
      'id',
      'event',
      'grant_id',
      'workspace_id',
      'url',
      'status',
      'attempts',
      'next_attempt_at',
      'last_status',
      'last_error',
      'created_at',
      'delivered_at',
    ])
    .where('client_id', '=', clientId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

export async function listAttempts(db: Db, deliveryIds: string[]) {
  if (!deliveryIds.length) return [];
  return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute();
}

/** Drops handled events and finished deliveries older than `before`. */
export async function prune(db: Db, before: number): Promise<void> {
  await db
    .deleteFrom('webhook_attempts')
    .where('delivery_id', 'in', (eb) => eb.selectFrom('webhook_deliveries').select('id').where('status', '!=', 'pending').where('created_at', '<', before))
    .execute();
  await db.deleteFrom('webhook_deliveries').where('status', '!=', 'pending').where('created_at', '<', before).execute();
  await db.deleteFrom('webhook_events').where('fanned_out_at', 'is not', null).where('created_at', '<', before).execute();
}

/** The integration an integration event is about (its current row). */
export async function eventIntegration(db: Db, integrationId: string): Promise<Integration | undefined> {
  return db.selectFrom('integrations').selectAll().where('id', '=', integrationId).executeTakeFirst();
}

/** Stores an event's deliveries (once per grant) and marks the event handled. */
export async function fanOutEvent(trx: Db, seq: number, deliveries: Insertable<WebhookDeliveriesTable>[], now: number): Promise<void> {
  if (deliveries.length)
    await trx
      .insertInto('webhook_deliveries')
      .values(deliveries)
      .onConflict((oc) => oc.columns(['event_seq', 'grant_id']).doNothing())
      .execute();
  await trx.updateTable('webhook_events').set({ fanned_out_at: now }).where('seq', '=', seq).execute();
}

/** The client's webhook URL and sealed secret at delivery time. */
export async function deliveryTarget(db: Db, clientId: string) {
  return db.selectFrom('clients').select(['id', 'webhook_url', 'webhook_secret', 'deleted_at']).where('id', '=', clientId).executeTakeFirst();
}

/** Records one attempt and the delivery's new state. */
export async function recordAttempt(trx: Db, attempt: Insertable<WebhookAttemptsTable>, delivery: Updateable<WebhookDeliveriesTable>): Promise<void> {
  await trx
    .insertInto('webhook_attempts')
    .values(attempt)
    .onConflict((oc) => oc.columns(['delivery_id', 'attempt']).doNothing())
    .execute();
  await trx.updateTable('webhook_deliveries').set(delivery).where('id', '=', attempt.delivery_id).execute();
}
