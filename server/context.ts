/** What every route gets: passed in, never imported as a singleton. */
import type SQLite from 'better-sqlite3';
import type { Db } from './db/database.ts';
import type { Config } from './config.ts';
import type { Clock } from './clock.ts';
import type { Logger } from './logger.ts';
import type { Mailer } from './mailer.ts';
import type { Sealer } from './crypto.ts';
import type { Writer } from './db/group-commit.ts';
import type { SyncEngine } from './sync/runner.ts';
import type { PriceSource } from './sync/source.ts';
import type { ReportWorker } from './reports/reports.worker.ts';
import type { WebhookDispatcher } from './webhooks/dispatcher.ts';
import type { TaxPasses } from './tax/pass.ts';

export type ChainDetector = (address: string) => Promise<string[]>;

export type AppContext = {
  db: Db;
  sqlite: SQLite.Database;
  config: Config;
  clock: Clock;
  logger: Logger;
  mailer: Mailer;
  sealer: Sealer;
  /** Every write goes through group commit: one fsync per batch, each caller answered after COMMIT. */
  write: Writer;
  /** HMAC key for one-time codes (derived from the master key, T7). */
  otpKey: Buffer;
  /** HMAC key that fingerprints integrations (duplicate detection), derived once. */
  fingerprintKey: Buffer;
  detectChains: ChainDetector;
  /** The one per-workspace queue of tax passes (built in start.ts). */
  taxPasses: TaxPasses;
  /** Called after integrations are added (the sync engine queues their first sync). */
  onIntegrationsAdded?: (integrationIds: string[]) => void;
  /** The background sync runner (persisted job queue); absent when started with `sync: false`. */
  sync?: SyncEngine;
  /** Generates queued tax reports in the background (persisted queue). */
  reports?: ReportWorker;
  /** Delivers the webhook outbox (absent when started with `webhooks: false`). */
  webhooks?: WebhookDispatcher;
  /** The price source (also the base currencies' rates), the sync's own. */
  prices?: PriceSource;
};
