/**
 * Prometheus metrics (prom-client), one registry per app: request latency per matched route,
 * rate-limit refusals, the sync queue's depth and lag, the webhook backlog and failures, the
 * writer's queue (the database "pool" of a single-writer engine) and Node's own process
 * metrics. Scraped at GET /metrics behind the admin token.
 */
import type { RequestHandler } from 'express';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import { syncQueue, webhookBacklog } from './metrics.repository.ts';

export type Metrics = {
  readonly registry: Registry;
  /** Times every request; labels it by the route pattern it matched, never by the raw path. */
  readonly timeRequests: RequestHandler;
  /** Counts a rate-limit or failure-budget refusal. */
  refused(limiter: string): void;
};

export function createMetrics(deps: { db: Db; clock: Clock; writerQueue: () => number; instance?: string }): Metrics {
  const registry = new Registry();
  if (deps.instance) registry.setDefaultLabels({ instance: deps.instance });
  collectDefaultMetrics({ register: registry, prefix: 'kc_' });
  const latency = new Histogram({
    name: 'kc_http_request_duration_seconds',
    help: 'Request latency by method, matched route and status class',
    registers: [registry],
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  });
  const refusals = new Counter({
    name: 'kc_rate_limit_refusals_total',
    help: 'Requests refused by a rate limit or failure budget',
    labelNames: ['limiter'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'kc_db_writer_queue',
    help: 'Writes waiting for the single writer (group commit)',
    registers: [registry],
    collect() {
      this.set(deps.writerQueue());
    },
  });
  new Gauge({
    name: 'kc_sync_queue_jobs',
    help: 'Sync jobs by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const q = await syncQueue(deps.db, deps.clock.now());
      this.set({ state: 'queued' }, q.queued);
      this.set({ state: 'running' }, q.running);
    },
  });
  new Gauge({
    name: 'kc_sync_queue_lag_seconds',
    help: 'How long the oldest due sync job has waited',
    registers: [registry],
    async collect() {
      const q = await syncQueue(deps.db, deps.clock.now());
      this.set(q.oldestDueAt === null ? 0 : Math.max(0, (deps.clock.now() - q.oldestDueAt) / 1000));
    },
  });
  new Gauge({
    name: 'kc_webhook_deliveries',
    help: 'Webhook deliveries pending, and failed for good',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const b = await webhookBacklog(deps.db);
      this.set({ state: 'pending' }, b.pending);
      this.set({ state: 'failed' }, b.failed);
    },
  });
  const timeRequests: RequestHandler = (req, res, next) => {
    const end = latency.startTimer();
    res.once('finish', () => {
      const pattern = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof pattern === 'string' ? `${req.baseUrl}${pattern}` : 'unmatched';
      end({ method: req.method, route, status: `${String(res.statusCode).charAt(0)}xx` });
    });
    next();
  };
  return {
    registry,
    timeRequests,
    refused: (limiter) => refusals.inc({ limiter }),
  };
}
