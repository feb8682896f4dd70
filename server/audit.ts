/** The audit trail of security events (docs/security-model.md), kept in the database, listable per client. */
import type { Db } from './db/database.ts';
import type { Writer } from './db/group-commit.ts';
import { deleteAuditEventsBefore, insertAuditEvent, listAuditEvents } from './audit.repository.ts';
import { DAY_MS } from './lib/time.ts';

export type AuditEvent =
  | 'client.created'
  | 'client.updated'
  | 'client.deleted'
  | 'client.secret_rotated'
  | 'client.auth_failed'
  | 'link_token.issued'
  | 'signin.code_sent'
  | 'signin.succeeded'
  | 'signin.code_failed'
  | 'signin.guest'
  | 'signin.continued'
  | 'consent.granted'
  | 'token.exchanged'
  | 'token.exchange_failed'
  | 'token.reuse_detected'
  | 'grant.revoked'
  | 'webhook.set'
  | 'webhook.secret_rotated'
  | 'webhook.removed'
  | 'sandbox.public_token'
  | 'integration.added'
  | 'integration.removed'
  | 'admin.auth_failed'
  | 'admin.auth_locked'
  | 'oauth.code_issued'
  | 'oauth.denied'
  | 'oauth.code_redeemed'
  | 'oauth.code_rejected'
  | 'oauth.code_reuse'
  | 'oauth.key_rotated';

export type AuditEntry = {
  clientId: string | null;
  event: AuditEvent;
  outcome?: 'success' | 'failure';
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
};

/** Records one event. Call inside the `write` that makes the change it records, so both commit together. */
export async function recordAudit(trx: Db, now: number, entry: AuditEntry): Promise<void> {
  await insertAuditEvent(trx, {
    client_id: entry.clientId,
    event: entry.event,
    outcome: entry.outcome ?? 'success',
    ip: entry.ip ?? null,
    request_id: entry.requestId ?? null,
    details: JSON.stringify(entry.details ?? {}),
    created_at: now,
  });
}

export async function listAudit(db: Db, clientId: string, limit = 100) {
  const rows = await listAuditEvents(db, clientId, limit);
  return rows.map((r) => ({
    id: r.id,
    event: r.event,
    outcome: r.outcome,
    ip: r.ip,
    request_id: r.request_id,
    details: JSON.parse(r.details) as unknown,
    created_at: new Date(r.created_at).toISOString(),
  }));
}

/** Deletes audit events older than `retentionDays` (README "Security": the retention setting). */
export async function pruneAudit(trx: Db, now: number, retentionDays: number): Promise<number> {
  return deleteAuditEventsBefore(trx, now - retentionDays * DAY_MS);
}

/** Prunes now and then hourly, in the background; returns a stop function. */
export function startAuditPruning(write: Writer, now: () => number, retentionDays: number, onError: (error: unknown) => void): () => void {
  const run = () => void write((trx) => pruneAudit(trx, now(), retentionDays)).catch(onError);
  run();
  const timer = setInterval(run, 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
