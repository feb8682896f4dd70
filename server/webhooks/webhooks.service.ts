/**
 * A client's webhook: its URL and signing secret, managed from the CLI and the admin API.
 * The secret (`whsec_` + 256 random bits) is shown once, on creation or rotation, and kept
 * sealed (AES-256-GCM, AAD bound to the client) because every delivery must be signed with
 * it. Only http(s) URLs without credentials; plain http only for sandbox clients or a
 * loopback host (the contract asks for HTTPS endpoints).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Sealer } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { getClient } from '../clients/clients.service.ts';
import { anyWebhook, retireBacklog } from './outbox.repository.ts';
import { assertPublicWebhookUrl } from './targets.ts';
import { dropPendingDeliveries, saveClientWebhook } from './webhooks.repository.ts';

export const WebhookUrl = z
  .url({ protocol: /^https?$/ })
  .max(500)
  .refine((u) => {
    if (!URL.canParse(u)) return false;
    const url = new URL(u);
    return !url.username && !url.password && !url.hash;
  }, 'A webhook URL is http(s)://host[:port]/path without credentials or fragment');

export const WebhookBody = z.strictObject({ url: WebhookUrl });

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);
const secretAad = (clientId: string) => `clients:${clientId}:webhook_secret`;

export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;

export function openWebhookSecret(sealer: Sealer, clientId: string, sealed: string): string {
  return sealer.open(sealed, secretAad(clientId));
}

export function webhookView(c: { id: string; webhook_url: string | null; webhook_secret: string | null; webhook_secret_created_at: number | null }) {
  return {
    client_id: c.id,
    url: c.webhook_url,
    has_secret: c.webhook_secret !== null,
    secret_created_at: c.webhook_secret_created_at ? new Date(c.webhook_secret_created_at).toISOString() : null,
    events: [
      'integration.created',
      'integration.updated',
      'integration.failed',
      'integration.deleted',
      'costbasis.completed',
      'transfer_detection.detected',
      'transfer_detection.confirmed',
      'transfer_detection.undone',
    ],
  };
}

/** Sets the URL; creates a secret when the client has none (returned once as `secret`). Call inside a write (`trx`), with its audit row. */
export async function setWebhook(trx: Db, sealer: Sealer, now: number, clientId: string, url: string, privateTargets: 'allow' | 'deny' = 'allow') {
  const parsed = WebhookUrl.parse(url);
  const client = await getClient(trx, clientId);
  if (privateTargets === 'deny') assertPublicWebhookUrl(parsed);
  if (new URL(parsed).protocol === 'http:' && client.sandbox !== 1 && !LOOPBACK.has(new URL(parsed).hostname)) {
    throw connectError('INVALID_REQUEST', 'A production client needs an https:// webhook URL');
  }
  const secret = client.webhook_secret ? undefined : newWebhookSecret();
  if (!(await anyWebhook(trx))) await retireBacklog(trx, now);
  await saveClientWebhook(trx, clientId, {
    webhook_url: parsed,
    updated_at: now,
    ...(secret ? { webhook_secret: sealer.seal(secret, secretAad(clientId)), webhook_secret_created_at: now } : {}),
  });
  await recordAudit(trx, now, { clientId, event: 'webhook.set', details: { url: parsed, secret_created: Boolean(secret) } });
  return {
    ...webhookView({
      ...client,
      webhook_url: parsed,
      webhook_secret: client.webhook_secret ?? 'new',
      webhook_secret_created_at: secret ? now : client.webhook_secret_created_at,
    }),
    ...(secret ? { secret } : {}),
  };
}

/** A new secret, effective at once for every delivery not yet sent; returned once. Call inside a write (`trx`). */
export async function rotateWebhookSecret(trx: Db, sealer: Sealer, now: number, clientId: string) {
  const client = await getClient(trx, clientId);
  const secret = newWebhookSecret();
  await saveClientWebhook(trx, clientId, { webhook_secret: sealer.seal(secret, secretAad(clientId)), webhook_secret_created_at: now, updated_at: now });
  await recordAudit(trx, now, { clientId, event: 'webhook.secret_rotated' });
  return { ...webhookView({ ...client, webhook_secret: 'new', webhook_secret_created_at: now }), secret };
}

/** Removes URL and secret; pending deliveries are dropped (marked failed). Call inside a write (`trx`). */
export async function removeWebhook(trx: Db, now: number, clientId: string) {
  const client = await getClient(trx, clientId);
  await saveClientWebhook(trx, clientId, { webhook_url: null, webhook_secret: null, webhook_secret_created_at: null, updated_at: now });
  await dropPendingDeliveries(trx, clientId);
  await recordAudit(trx, now, { clientId, event: 'webhook.removed' });
  return webhookView({ ...client, webhook_url: null, webhook_secret: null, webhook_secret_created_at: null });
}

export async function showWebhook(db: Db, clientId: string) {
  return webhookView(await getClient(db, clientId));
}
