/**
 * The webhook dispatcher: a background loop over the persisted outbox. It fans each new
 * event out into one delivery per active grant of a client with a webhook (needing the
 * scope that covers the event), then delivers due deliveries: POST to the client's URL with
 * the contract's headers (section 9), a 10 s timeout, no redirects; 2xx is delivered;
 * 429, 5xx, a timeout or a network error is retried with exponential backoff until
 * `attempts` (3 by the contract); any other answer fails it. Every attempt is recorded.
 * A delivery is taken with a lease (a conditional UPDATE), so after a crash or restart it is
 * sent again once the lease ends — at least once; receivers dedupe by `X-Webhook-Id`.
 */
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Sealer } from '../crypto.ts';
import { randomId } from '../crypto.ts';
import { integrationItem } from '../integrations/integrations.view.ts';
import * as outbox from './outbox.repository.ts';
import { signWebhook } from './signature.ts';
import { openWebhookSecret } from './webhooks.service.ts';
import { DELIVERY_FAILED, postWebhook } from './targets.ts';
import { DAY_MS } from '../lib/time.ts';
import { createPoller } from '../lib/poller.ts';

export type WebhookOptions = {
  /** Attempts per delivery, the first included (the contract: 3). */
  attempts: number;
  /** Delay before attempt `attempt + 1` (attempt counts from 1). */
  backoffMs: (attempt: number) => number;
  timeoutMs: number;
  pollMs: number;
  concurrency: number;
};

export const defaultWebhookOptions: WebhookOptions = { attempts: 3, backoffMs: (a) => 30_000 * 4 ** (a - 1), timeoutMs: 10_000, pollMs: 1000, concurrency: 4 };

export type WebhookDispatcher = { start(): Promise<void>; stop(): Promise<void>; kick(): void };

/** Handled events and finished deliveries (with their attempts) are kept 30 days. */
const RETAIN_MS = 30 * DAY_MS;
const PRUNE_EVERY_MS = 3_600_000;
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);
const SCOPE_FOR: Record<string, string[]> = {
  integration: ['integrations:read'],
  costbasis: ['tax:read', 'portfolios:read'],
  transfer_detection: ['transactions:read', 'tax:read'],
};

/** What the dispatcher uses (start.ts hands it these). */
export type WebhookDispatcherDeps = {
  db: Db;
  write: Writer;
  clock: Clock;
  logger: Logger;
  sealer: Sealer;
  config?: { webhookPrivateTargets: 'allow' | 'deny' };
};

export function createWebhookDispatcher(deps: WebhookDispatcherDeps, options: WebhookOptions): WebhookDispatcher {
  const { db, write, clock, logger, sealer } = deps;
  const denyPrivate = deps.config?.webhookPrivateTargets === 'deny';
  const inflight = new Set<Promise<void>>();
  let lastPrune = -Infinity;

  async function fanOut(): Promise<void> {
    // With no webhook configured anywhere there is nobody to deliver to, and nothing is
    // written (setWebhook retires the backlog when the first webhook appears).
    if (!(await outbox.anyWebhook(db))) return;
    if (clock.now() - lastPrune > PRUNE_EVERY_MS) {
      lastPrune = clock.now();
      await write((trx) => outbox.prune(trx, lastPrune - RETAIN_MS));
    }
    const events = await outbox.pendingEvents(db, 100);
    for (const e of events) {
      const now = clock.now();
      const grants = (await outbox.subscribers(db, e.workspace_id, now)).filter((g) => {
        const scopes = g.scopes.split(' ');
        return (SCOPE_FOR[e.event.split('.')[0]!] ?? []).some((s) => scopes.includes(s));
      });
      let base: Record<string, unknown> = {};
      if (e.integration_id) {
        const row = await outbox.eventIntegration(db, e.integration_id);
        if (row)
          base = {
            ...integrationItem({ ...row, status: e.status ?? row.status, message: e.message }),
            ...(e.event === 'integration.failed' ? { errorMessage: e.message } : {}),
          };
      } else if (e.data) base = JSON.parse(e.data) as Record<string, unknown>;
      const deliveries = grants.map((g) => {
        const id = randomId('whd_', 16);
        const body = JSON.stringify({
          id,
          event: e.event,
          timestamp: new Date(e.created_at).toISOString(),
          grant_id: g.grant_id,
          workspace_id: e.workspace_id,
          data: { uid: g.user_id, ...base },
        });
        return {
          id,
          event_seq: e.seq,
          client_id: g.client_id,
          grant_id: g.grant_id,
          workspace_id: e.workspace_id,
          event: e.event,
          url: g.webhook_url!,
          body,
          status: 'pending' as const,
          attempts: 0,
          next_attempt_at: now,
          last_status: null,
          last_error: null,
          created_at: now,
          delivered_at: null,
        };
      });
      await write((trx) => outbox.fanOutEvent(trx, e.seq, deliveries, now));
    }
  }

  async function attempt(d: outbox.DeliveryRow): Promise<void> {
    const attemptNo = d.attempts + 1;
    const client = await outbox.deliveryTarget(db, d.client_id);
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    if (!client || client.deleted_at !== null || !client.webhook_url || !client.webhook_secret) error = 'Webhook removed';
    else {
      try {
        const timestamp = new Date(clock.now()).toISOString();
        const secret = openWebhookSecret(sealer, client.id, client.webhook_secret);
        status = await postWebhook(
          client.webhook_url,
          d.body,
          {
            'Content-Type': 'application/json',
            'User-Agent': 'kryptos-connect-webhooks/1.0',
            'X-Webhook-Id': d.id,
            'X-Webhook-Event': d.event,
            'X-Webhook-Timestamp': timestamp,
            'X-Webhook-Signature': signWebhook(secret, timestamp, d.body),
          },
          options.timeoutMs,
          denyPrivate,
        );
      } catch (e) {
        // One uniform error: refused targets, closed ports and DNS failures look alike.
        error = (e as Error)?.name === 'TimeoutError' ? `Timed out after ${options.timeoutMs} ms` : DELIVERY_FAILED;
      }
    }
    const now = clock.now();
    const delivered = status !== null && status >= 200 && status < 300;
    const retryable = !delivered && error !== 'Webhook removed' && (status === null || RETRY_STATUS.has(status));
    const retry = retryable && attemptNo < options.attempts;
    const duration = Date.now() - started;
    await write((trx) =>
      outbox.recordAttempt(
        trx,
        { delivery_id: d.id, attempt: attemptNo, status, error, duration_ms: duration, created_at: now },
        {
          status: delivered ? 'delivered' : retry ? 'pending' : 'failed',
          attempts: attemptNo,
          last_status: status,
          last_error: delivered ? null : (error ?? `HTTP ${status}`),
          next_attempt_at: retry ? now + options.backoffMs(attemptNo) : now,
          ...(delivered ? { delivered_at: now } : {}),
        },
      ),
    );
    if (!delivered) logger.warn({ delivery: d.id, event: d.event, attempt: attemptNo, status, err: error, retry }, 'webhooks: delivery attempt failed');
  }

  /** Fans new events out, then starts an attempt for each due delivery there is room for. */
  async function tick(): Promise<void> {
    await fanOut();
    const free = options.concurrency - inflight.size;
    if (free <= 0) return;
    const now = clock.now();
    for (const d of await outbox.dueDeliveries(db, now, free)) {
      // The lease: long enough for one attempt; a crash leaves the delivery due again after it.
      const claimed = await write((trx) => outbox.claimDelivery(trx, d.id, now, now + options.timeoutMs + 5000));
      if (!claimed) continue;
      const p: Promise<void> = attempt(d)
        .catch((e: unknown) => logger.error({ delivery: d.id, err: String(e) }, 'webhooks: attempt crashed'))
        .finally(() => {
          inflight.delete(p);
          poller.wake();
        });
      inflight.add(p);
    }
  }

  const poller = createPoller({
    tick,
    intervalMs: options.pollMs,
    onError: (e) => {
      if (poller.running) logger.error({ err: e instanceof Error ? e.message : String(e) }, 'webhooks: dispatcher tick failed');
    },
  });

  return {
    start: () => poller.start(),
    async stop() {
      await poller.stop();
      await Promise.allSettled([...inflight]);
    },
    kick: () => poller.wake(),
  };
}
