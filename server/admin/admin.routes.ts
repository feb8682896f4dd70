/**
 * The developer portal over HTTP: the same client operations as the CLI, guarded by the
 * admin token from CONNECT_ADMIN_TOKEN (Authorization: Bearer …). Without that variable the
 * admin API is off (404).
 */
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { digest, digestsEqual } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { route } from '../openapi.ts';
import { createFailureCounter, ipKey } from '../http/rate-limit.ts';
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
export function requireAdmin(ctx: AppContext): RequestHandler {
  const expected = ctx.config.adminToken ? digest(ctx.config.adminToken) : undefined;
  const limit = ctx.config.adminFailuresPer15Minutes;
  const failures = createFailureCounter({ windowMs: 15 * 60_000, limit, message: 'Too many failed admin authentications from this address; retry later' });
  return async (req, _res, next) => {
    if (!expected) throw connectError('NOT_FOUND', 'Not found');
    const ip = ipKey(req);
    await failures.guard(ip);
    const header = req.get('authorization') ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (!digestsEqual(digest(presented), expected)) {
      const count = await failures.fail(ip);
      if (count === 1 || count === limit) {
        await ctx.write((trx) => recordAudit(trx, ctx.clock.now(), {
          clientId: null, event: count === 1 ? 'admin.auth_failed' : 'admin.auth_locked', outcome: 'failure', ip: req.ip, requestId: req.id,
          details: count === 1 ? {} : { failures: count, window_minutes: 15 },
        }));
      }
      throw connectError('UNAUTHORIZED', 'Admin token required (Authorization: Bearer <CONNECT_ADMIN_TOKEN>)');
    }
    next();
  };
}

export function adminRoutes(ctx: AppContext): Router {
  const router = Router({ strict: true, caseSensitive: true });
  const { db, clock } = ctx;
  router.use(requireAdmin(ctx), (_req, res, next) => {
    noStore(res);
    next();
  });

  route({ method: 'post', path: '/admin/clients', tag: 'Admin', summary: 'Create a client (sandbox by default); the secret is shown once', body: ClientFields, auth: 'admin' });
  router.post('/clients', async (req, res) => sendOk(res, await createClient(db, clock.now(), ClientFields.parse(req.body)), 201));

  route({ method: 'get', path: '/admin/clients', tag: 'Admin', summary: 'List clients', auth: 'admin' });
  router.get('/clients', async (_req, res) => sendOk(res, { clients: (await listActiveClients(db)).map(clientView) }));

  route({ method: 'get', path: '/admin/clients/:id', tag: 'Admin', summary: 'Show a client', auth: 'admin' });
  router.get('/clients/:id', async (req, res) => sendOk(res, clientView(await getClient(db, req.params.id))));

  route({ method: 'patch', path: '/admin/clients/:id', tag: 'Admin', summary: 'Update a client (name, origins, redirect URIs, scopes, logo, privacy policy and terms links, sandbox)', body: ClientUpdate, auth: 'admin' });
  router.patch('/clients/:id', async (req, res) => sendOk(res, clientView(await updateClient(db, clock.now(), req.params.id, ClientUpdate.parse(req.body)))));

  route({ method: 'post', path: '/admin/clients/:id/rotate-secret', tag: 'Admin', summary: 'New secret; the old one works for grace_minutes (0 = revoked now)', body: RotateBody, auth: 'admin' });
  router.post('/clients/:id/rotate-secret', async (req, res) => {
    const { grace_minutes } = RotateBody.parse(req.body ?? {});
    sendOk(res, await rotateClientSecret(db, clock.now(), req.params.id, grace_minutes));
  });

  route({ method: 'delete', path: '/admin/clients/:id', tag: 'Admin', summary: 'Delete a client and revoke all its grants', auth: 'admin' });
  router.delete('/clients/:id', async (req, res) => sendOk(res, await deleteClient(db, clock.now(), req.params.id)));

  route({ method: 'get', path: '/admin/clients/:id/audit', tag: 'Admin', summary: "The client's audit trail of security events", query: AuditQuery, auth: 'admin' });
  router.get('/clients/:id/audit', async (req, res) => {
    const { limit } = AuditQuery.parse(req.query);
    await getClient(db, req.params.id);
    sendOk(res, { events: await listAudit(db, req.params.id, limit) });
  });

  route({ method: 'put', path: '/admin/clients/:id/webhook', tag: 'Admin', summary: 'Set the webhook URL; the signing secret (whsec_…) is created and shown once when the client has none', body: WebhookBody, auth: 'admin' });
  router.put('/clients/:id/webhook', async (req, res) => {
    const { url } = WebhookBody.parse(req.body);
    sendOk(res, await ctx.write((trx) => setWebhook(trx, ctx.sealer, clock.now(), req.params.id, url, ctx.config.webhookPrivateTargets)));
    ctx.webhooks?.kick();
  });

  route({ method: 'get', path: '/admin/clients/:id/webhook', tag: 'Admin', summary: "The client's webhook URL and events (never the secret)", auth: 'admin' });
  router.get('/clients/:id/webhook', async (req, res) => sendOk(res, await showWebhook(db, req.params.id)));

  route({ method: 'post', path: '/admin/clients/:id/webhook/rotate-secret', tag: 'Admin', summary: 'A new webhook signing secret, shown once, used for every delivery from now on', auth: 'admin' });
  router.post('/clients/:id/webhook/rotate-secret', async (req, res) => sendOk(res, await ctx.write((trx) => rotateWebhookSecret(trx, ctx.sealer, clock.now(), req.params.id))));

  route({ method: 'delete', path: '/admin/clients/:id/webhook', tag: 'Admin', summary: 'Remove the webhook (pending deliveries are dropped)', auth: 'admin' });
  router.delete('/clients/:id/webhook', async (req, res) => sendOk(res, await ctx.write((trx) => removeWebhook(trx, clock.now(), req.params.id))));

  route({ method: 'get', path: '/admin/clients/:id/webhook/deliveries', tag: 'Admin', summary: 'Recent webhook deliveries with status and every attempt', query: DeliveriesQuery, auth: 'admin' });
  router.get('/clients/:id/webhook/deliveries', async (req, res) => {
    const { limit } = DeliveriesQuery.parse(req.query);
    await getClient(db, req.params.id);
    const deliveries = await listDeliveries(db, req.params.id, limit);
    const attempts = await listAttempts(db, deliveries.map((d) => d.id));
    sendOk(res, { deliveries: deliveries.map((d) => ({ ...d, attempt_log: attempts.filter((a) => a.delivery_id === d.id).map(({ delivery_id: _, ...a }) => a) })) });
  });

  route({ method: 'get', path: '/admin/outbox', tag: 'Admin', summary: 'Development mailer outbox (sign-in codes sent when no SMTP is configured)', query: OutboxQuery, auth: 'admin' });
  router.get('/outbox', async (req, res) => {
    const { to, limit } = OutboxQuery.parse(req.query);
    if (ctx.mailer.kind !== 'outbox') throw connectError('NOT_FOUND', 'The outbox exists only with the development mailer');
    const mails = await readOutbox(db, to, limit);
    sendOk(res, { mails: mails.map((m) => ({ id: m.id, to: m.to_address, subject: m.subject, body: m.body, created_at: new Date(m.created_at).toISOString() })) });
  });

  return router;
}
