/**
 * Everything the server is built from, made once by `start.ts` in dependency order and never
 * changed afterwards. Areas and workers do not receive this object's type: each declares the
 * few members it uses (`SessionDeps`, `SyncDeps`, …) and is handed them.
 */
import type { EventEmitter } from 'node:events';
import type { Db } from './db/database.ts';
import type { Config } from './config.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { Mailer } from './mailer.ts';
import type { Sealer } from './crypto.ts';
import type { Writer } from './db/group-commit.ts';
import type { ReadCache } from './db/read-cache.ts';
import type { SyncEngine } from './sync/runner.ts';
import type { PriceSource } from './sync/source.ts';
import type { ReportWorker } from './reports/reports.worker.ts';
import type { WebhookDispatcher } from './webhooks/dispatcher.ts';
import type { TaxPasses } from './tax/pass.ts';
import type { Limits } from './http/rate-limit.ts';
import type { Metrics } from './metrics/metrics.ts';

export type ChainDetector = (address: string) => Promise<string[]>;

/** What happens in one part of the server that another part acts on. */
export type ServerEvents = EventEmitter<{
  /** Integrations were added (the sync engine queues their first sync). */
  'integrations-added': [integrationIds: string[]];
}>;

export type Services = {
  readonly db: Db;
  /** Every write goes through group commit: one fsync per batch, each caller answered after COMMIT. */
  readonly write: Writer;
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly mailer: Mailer;
  readonly sealer: Sealer;
  /** HMAC key for one-time codes (derived from the master key, T7). */
  readonly otpKey: Buffer;
  /** HMAC key that fingerprints integrations (duplicate detection). */
  readonly fingerprintKey: Buffer;
  /** Key that seals the data API's pagination cursors. */
  readonly cursorKey: Buffer;
  /** The data API's read cache (also the OAuth userinfo guard's). */
  readonly cache: ReadCache;
  readonly detectChains: ChainDetector;
  readonly events: ServerEvents;
  readonly onIntegrationsAdded: (integrationIds: string[]) => void;
  /** The per-workspace tax pass queue shared by sync, reports and the routes. */
  readonly taxPasses: TaxPasses;
  /** The price source (also the base currencies' rates), the sync's own. */
  readonly prices: PriceSource;
  /** The background sync runner (persisted job queue); absent when started with `sync: false`. */
  readonly sync: SyncEngine | undefined;
  /** Generates queued tax reports in the background (persisted queue). */
  readonly reports: ReportWorker;
  readonly kick: () => void;
  /** Delivers the webhook outbox (absent when started with `webhooks: false`). */
  readonly webhooks: WebhookDispatcher | undefined;
  /** Rate limits and failure budgets (memory, or Redis shared by every instance). */
  readonly limits: Limits;
  readonly metrics: Metrics;
};
