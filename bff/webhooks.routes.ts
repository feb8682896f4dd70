/**
 * The webhook receiver (`POST /api/kryptos/webhooks`, called by the connect server, not a
 * browser): checks `X-Webhook-Signature` = hex HMAC-SHA256(BFF_WEBHOOK_SECRET,
 * `${X-Webhook-Timestamp}.${raw body}`) over the raw bytes in constant time, refuses a
 * timestamp more than 5 minutes away, and acknowledges a repeated `X-Webhook-Id` without
 * processing it again. Verified events are kept (id, event, workspace, status) so the demo
 * can refresh when a sync completes: `GET /api/kryptos/webhooks/latest` answers the newest
 * event of the signed-in user's workspace.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import type { BffContext } from './context.ts';
import { HttpError, bffError } from './errors.ts';
import { requirePartnerUser } from './partner-user.ts';

const TOLERANCE_MS = 5 * 60_000;

function signatureMatches(secret: string, timestamp: string, raw: Buffer, signature: string): boolean {
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest();
  const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

type Envelope = { id?: unknown; event?: unknown; workspace_id?: unknown; grant_id?: unknown; data?: { status?: unknown } };

/** Mounted before the JSON parser and the CSRF check: it needs the raw bytes and is not a browser call. */
export function webhookReceiverRoutes(ctx: BffContext): Router {
  const router = Router();
  router.post('/api/kryptos/webhooks', express.raw({ type: 'application/json', limit: '64kb' }), async (req, res) => {
    const secret = ctx.config.webhookSecret;
    if (!secret) throw bffError(404, 'NOT_FOUND', 'Not found');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.get('x-webhook-signature') ?? '';
    const timestamp = req.get('x-webhook-timestamp') ?? '';
    const id = req.get('x-webhook-id') ?? '';
    if (!signature || !timestamp || !/^whd_[0-9a-f]{8,64}$/.test(id)) throw new HttpError(400, 'INVALID_WEBHOOK', 'Missing or malformed webhook headers');
    if (!signatureMatches(secret, timestamp, raw, signature)) throw new HttpError(401, 'INVALID_SIGNATURE', 'The webhook signature does not verify');
    const at = Date.parse(timestamp);
    if (!Number.isFinite(at) || Math.abs(ctx.now() - at) > TOLERANCE_MS)
      throw new HttpError(401, 'STALE_WEBHOOK', 'The webhook timestamp is too old or in the future');
    let body: Envelope;
    try {
      body = JSON.parse(raw.toString('utf8')) as Envelope;
    } catch {
      throw new HttpError(400, 'INVALID_WEBHOOK', 'The webhook body is not JSON');
    }
    if (body.id !== id || typeof body.event !== 'string' || typeof body.workspace_id !== 'string')
      throw new HttpError(400, 'INVALID_WEBHOOK', 'The envelope does not match its headers');
    const inserted = await ctx.db
      .insertInto('webhook_events')
      .values({
        id,
        event: body.event.slice(0, 64),
        workspace_id: body.workspace_id.slice(0, 128),
        grant_id: typeof body.grant_id === 'string' ? body.grant_id.slice(0, 128) : null,
        status: typeof body.data?.status === 'string' ? body.data.status.slice(0, 32) : null,
        received_at: ctx.now(),
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    const duplicate = Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0;
    if (!duplicate) ctx.logger.info({ webhook: id, event: body.event }, 'webhook received');
    res.json({ received: true, duplicate });
  });
  return router;
}

/** The newest webhook event of the signed-in user's workspace (the demo polls it to refresh). */
export function webhookStatusRoutes(ctx: BffContext): Router {
  const router = Router();
  router.get('/api/kryptos/webhooks/latest', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const userId = await requirePartnerUser(ctx, req);
    const conn = await ctx.db.selectFrom('connections').select('workspace_id').where('partner_user_id', '=', userId).executeTakeFirst();
    const last =
      conn &&
      (await ctx.db
        .selectFrom('webhook_events')
        .select(['id', 'event', 'status', 'received_at'])
        .where('workspace_id', '=', conn.workspace_id)
        .orderBy('received_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst());
    res.json({
      enabled: Boolean(ctx.config.webhookSecret),
      latest: last ? { id: last.id, event: last.event, status: last.status, receivedAt: new Date(last.received_at).toISOString() } : null,
    });
  });
  return router;
}
