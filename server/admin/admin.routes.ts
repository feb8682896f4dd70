/**
 * The developer portal over HTTP: the same client operations as the CLI, guarded by the
 * admin token from CONNECT_ADMIN_TOKEN (Authorization: Bearer …). Without that variable the
 * admin API is off (404).
 */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Sealer } from '../crypto.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Mailer } from '../mailer.ts';
import type { RouteArea } from '../http/routes.ts';
import { digest, digestsEqual } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { ipKey, type Limits } from '../http/rate-limit.ts';
import { recordAudit, listAudit } from '../audit.ts';
import { readOutbox } from '../mailer.ts';
import { listActiveClients } from '../clients/clients.repository.ts';
import { ClientFields, ClientUpdate, clientView, createClient, deleteClient, getClient, rotateClientSecret, updateClient } from '../clients/clients.service.ts';
import { WebhookBody, removeWebhook, rotateWebhookSecret, setWebhook, showWebhook } from '../webhooks/webhooks.service.ts';
import { listAttempts, listDeliveries } from '../webhooks/outbox.repository.ts';

const RotateBody = z.strictObject({ grace_minutes: z.number().int().min(0).max(43_200).default(0) });
const AuditQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });
const OutboxQuery = z.object({ to: z.string().max(254).optional(), limit: z.coerce.number().int().min(1).max(100).default(20) });

/**
 * The admin token check. Failures are limited per IP (CONNECT_ADMIN_FAILURES_PER_15_MINUTES,
 * then 429 until the window ends) and aggregated in the audit trail: the first failure of a
 * window and the one that trips the limit are recorded (`admin.auth_locked` with the count),
 * refused requests write nothing — a flood cannot fill the disk with fsync'd rows.
 */
export type AdminGuardDeps = { write: Writer; clock: Clock; limits: Limits; config: Pick<Config, 'adminToken' | 'adminFailuresPer15Minutes'> };

export function requireAdmin(deps: AdminGuardDeps): RequestHandler {
  const expected = deps.config.adminToken ? digest(deps.config.adminToken) : undefined;
  const limit = deps.config.adminFailuresPer15Minutes;
  const failures = deps.limits.failureCounter({
    name: 'admin-auth',
    windowMs: 15 * 60_000,
    limit,
    message: 'Too many failed admin authentications from this address; retry later',
  });
  return async (req, _res, next) => {
    if (!expected) throw connectError('NOT_FOUND', 'Not found');
    const ip = ipKey(req);
    await failures.guard(ip);
    const header = req.get('authorization') ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!digestsEqual(digest(presented), expected)) {
      const count = await failures.fail(ip);
      if (count === 1 || count === limit) {
        await deps.write((trx) =>
          recordAudit(trx, deps.clock.now(), {
            clientId: null,
            event: count === 1 ? 'admin.auth_failed' : 'admin.auth_locked',
            outcome: 'failure',
            ip: req.ip,
            requestId: req.id,
            details: count === 1 ? {} : { failures: count, window_minutes: 15 },
          }),
        );
      }
      throw connectError('UNAUTHORIZED', 'Admin token required (Authorization: Bearer <CONNECT_ADMIN_TOKEN>)');
    }
    next();
  };
}

export type AdminDeps = AdminGuardDeps & {
  db: Db;
  sealer: Sealer;
  mailer: Pick<Mailer, 'kind'>;
  config: Pick<Config, 'adminToken' | 'adminFailuresPer15Minutes' | 'webhookPrivateTargets'>;
  readonly webhooks?: { kick(): void };
};

/** The admin API behind `guard` (one `requireAdmin`, shared with /metrics: one failure budget). */
export function adminRoutes(api: RouteArea, deps: AdminDeps, guard: RequestHandler): void {
  const { db, write, clock, sealer } = deps;
  api.use(guard, (_req, res, next) => {
    noStore(res);
    next();
  });

  api.post('/clients', { summary: 'Create a client (sandbox by default); the secret is shown once', body: ClientFields }, async (req, res) =>
    sendOk(res, await createClient(write, clock.now(), ClientFields.parse(req.body)), 201),
  );

  api.get('/clients', { summary: 'List clients' }, async (_req, res) => sendOk(res, { clients: (await listActiveClients(db)).map(clientView) }));

  api.get('/clients/:id', { summary: 'Show a client' }, async (req, res) => sendOk(res, clientView(await getClient(db, String(req.params.id)))));

  api.patch(
    '/clients/:id',
    { summary: 'Update a client (name, origins, redirect URIs, scopes, logo, privacy policy and terms links, sandbox)', body: ClientUpdate },
    async (req, res) => sendOk(res, clientView(await updateClient(write, clock.now(), String(req.params.id), ClientUpdate.parse(req.body)))),
  );

  api.post(
    '/clients/:id/rotate-secret',
    { summary: 'New secret; the old one works for grace_minutes (0 = revoked now)', body: RotateBody },
    async (req, res) => {
      const { grace_minutes } = RotateBody.parse(req.body ?? {});
      sendOk(res, await rotateClientSecret(write, clock.now(), String(req.params.id), grace_minutes));
    },
  );

  api.delete('/clients/:id', { summary: 'Delete a client and revoke all its grants' }, async (req, res) =>
    sendOk(res, await deleteClient(write, clock.now(), String(req.params.id))),
  );

  api.get('/clients/:id/audit', { summary: "The client's audit trail of security events", query: AuditQuery }, async (req, res) => {
    const { limit } = AuditQuery.parse(req.query);
    const id = String(req.params.id);
    await getClient(db, id);
    sendOk(res, { events: await listAudit(db, id, limit) });
  });

  api.put(
    '/clients/:id/webhook',
    { summary: 'Set the webhook URL; the signing secret (whsec_…) is created and shown once when the client has none', body: WebhookBody },
    async (req, res) => {
      const { url } = WebhookBody.parse(req.body);
      sendOk(res, await write((trx) => setWebhook(trx, sealer, clock.now(), String(req.params.id), url, deps.config.webhookPrivateTargets)));
      deps.webhooks?.kick();
    },
  );

  api.get('/clients/:id/webhook', { summary: "The client's webhook URL and events (never the secret)" }, async (req, res) =>
    sendOk(res, await showWebhook(db, String(req.params.id))),
  );

  api.post(
    '/clients/:id/webhook/rotate-secret',
    { summary: 'A new webhook signing secret, shown once, used for every delivery from now on' },
    async (req, res) => sendOk(res, await write((trx) => rotateWebhookSecret(trx, sealer, clock.now(), String(req.params.id)))),
  );

  api.delete('/clients/:id/webhook', { summary: 'Remove the webhook (pending deliveries are dropped)' }, async (req, res) =>
    sendOk(res, await write((trx) => removeWebhook(trx, clock.now(), String(req.params.id)))),
  );

  api.get(
    '/clients/:id/webhook/deliveries',
    { summary: 'Recent webhook deliveries with status and every attempt', query: DeliveriesQuery },
    async (req, res) => {
      const { limit } = DeliveriesQuery.parse(req.query);
      const id = String(req.params.id);
      await getClient(db, id);
      const deliveries = await listDeliveries(db, id, limit);
      const attempts = await listAttempts(
        db,
        deliveries.map((d) => d.id),
      );
      sendOk(res, {
        deliveries: deliveries.map((d) => ({ ...d, attempt_log: attempts.filter((a) => a.delivery_id === d.id).map(({ delivery_id: _, ...a }) => a) })),
      });
    },
  );

  api.get('/outbox', { summary: 'Development mailer outbox (sign-in codes sent when no SMTP is configured)', query: OutboxQuery }, async (req, res) => {
    const { to, limit } = OutboxQuery.parse(req.query);
    if (deps.mailer.kind !== 'outbox') throw connectError('NOT_FOUND', 'The outbox exists only with the development mailer');
    const mails = await readOutbox(db, to, limit);
    sendOk(res, {
      mails: mails.map((m) => ({ id: m.id, to: m.to_address, subject: m.subject, body: m.body, created_at: new Date(m.created_at).toISOString() })),
    });
  });
}
