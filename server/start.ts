/**
 * Builds the server (storage, keys, limits, workers, the app) and starts listening. Used by
 * `npm run server`, `npm start` and the tests (port 0, temporary file, injectable clock).
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type pino from 'pino';
import { loadConfig, type Config } from './config.ts';
import { openStorage, type Storage } from './db/storage.ts';
import { createLogger } from './logger.ts';
import { createOutboxMailer, createSmtpMailer, noMailer, type Mailer } from './mailer.ts';
import { createSealer, deriveKey } from './crypto.ts';
import { systemClock, type Clock } from './clock.ts';
import { createApp } from './app.ts';
import type { RouteRegistry } from './http/routes.ts';
import { startAuditPruning } from './audit.ts';
import { SANDBOX_ADDRESSES } from './addresses.ts';
import type { ChainDetector, ServerEvents, Services } from './context.ts';
import { createSyncRunner, defaultBackoff, type SyncRunnerOptions } from './sync/runner.ts';
import { createSourceRegistry } from './sync/sources/registry.ts';
import { createEvmChainDetector, hasEvmRpc } from './sync/sources/evm-detector.ts';
import { createReportWorker } from './reports/reports.worker.ts';
import { createWebhookDispatcher, defaultWebhookOptions, type WebhookOptions } from './webhooks/dispatcher.ts';
import { createTaxPasses } from './tax/pass.ts';
import { memoryLimits, redisLimits } from './http/rate-limit.ts';
import { createMetrics } from './metrics/metrics.ts';

export type StartOptions = {
  env?: NodeJS.ProcessEnv;
  config?: Partial<Config>;
  clock?: Clock;
  logDestination?: pino.DestinationStream;
  detectChains?: ChainDetector;
  /** Sync runner tuning (tests: faster backoff, test sources), or false to not run syncs at all. */
  sync?: Partial<SyncRunnerOptions> | false;
  /** Webhook delivery tuning (tests: fast backoff and poll), or false to deliver nothing. */
  webhooks?: Partial<WebhookOptions> | false;
};

export type RunningServer = {
  url: string;
  server: Server;
  /** What the server was built from (read-only; tests reach the database and workers here). */
  ctx: Services;
  /** The database (tests and benchmarks inspect the engine's handle through it). */
  storage: Storage;
  routes: RouteRegistry;
  close(): Promise<void>;
};

/** Without a chain RPC configured, only the sandbox address is known to be active (on Ethereum). */
const offlineChainDetector: ChainDetector = async (address) => (address === SANDBOX_ADDRESSES.ethereum ? ['ethereum'] : []);

/**
 * Builds the server in dependency order — storage, keys, limits, tax passes, sync, reports,
 * webhooks — into one read-only `Services`, then the app from it, then listens.
 */
export async function startConnectServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = { ...loadConfig(options.env ?? process.env), ...options.config };
  const clock = options.clock ?? systemClock;
  const logger = createLogger(config.logLevel, options.logDestination);
  const storage = await openStorage(config.dbFile);
  const { db, write } = storage;
  const metrics = createMetrics({ db, clock, writerQueue: () => write.pending() });
  const limits = config.redis ? await redisLimits(config.redis, logger, metrics.refused) : memoryLimits(metrics.refused);
  let mailer: Mailer = noMailer;
  if (config.smtpUrl) mailer = createSmtpMailer(config.smtpUrl, config.mailFrom);
  else if (config.env !== 'production') mailer = createOutboxMailer(write, clock);
  const sealer = createSealer(config.encryptionKey);
  // The one per-workspace tax pass queue: the sync runner, the report worker and the routes share it.
  const taxPasses = createTaxPasses({ db, write, clock, logger });
  const registry = createSourceRegistry({ config: config.sources, db, realExchanges: config.env === 'production' });
  const prices = options.sync !== false && options.sync?.sources ? options.sync.sources.prices : registry.prices;
  const events: ServerEvents = new EventEmitter();
  const sync =
    options.sync === false
      ? undefined
      : createSyncRunner(
          { db, logger, sealer, write, taxPasses },
          {
            concurrency: 2,
            maxAttempts: 5,
            backoffMs: defaultBackoff,
            pollMs: 1000,
            leaseMs: 60_000,
            clock,
            sources: registry,
            ...options.sync,
          },
        );
  if (sync)
    events.on(
      'integrations-added',
      (ids) => void sync.queue(ids, 'latest').catch((error: unknown) => logger.error({ err: String(error) }, 'sync: could not queue')),
    );
  const reports = createReportWorker({ db, write, clock, logger, taxPasses });
  const webhooks =
    options.webhooks === false
      ? undefined
      : createWebhookDispatcher({ db, write, clock, logger, sealer, config }, { ...defaultWebhookOptions, ...options.webhooks });
  const services: Services = Object.freeze({
    db,
    write,
    config,
    clock,
    logger,
    mailer,
    sealer,
    taxPasses,
    prices,
    events,
    sync,
    reports,
    webhooks,
    limits,
    otpKey: deriveKey(config.encryptionKey, 'otp'),
    fingerprintKey: deriveKey(config.encryptionKey, 'integration-fingerprint'),
    cursorKey: deriveKey(config.encryptionKey, 'cursor'),
    cache: storage.readCache({ sizedBudgetBytes: config.readCacheMb * 1024 * 1024 }),
    detectChains:
      options.detectChains ?? (hasEvmRpc(config.sources) ? createEvmChainDetector(config.sources, { fallback: offlineChainDetector }) : offlineChainDetector),
    onIntegrationsAdded: (ids: string[]) => void events.emit('integrations-added', ids),
    kick: () => reports.kick(),
    metrics,
  });
  await sync?.start();
  await reports.start();
  await webhooks?.start();
  const stopAuditPruning = startAuditPruning(
    write,
    () => clock.now(),
    config.auditRetentionDays,
    (error) => logger.warn({ err: String(error) }, 'audit: prune failed'),
  );
  const { app, routes } = createApp(services);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    ctx: services,
    storage,
    routes,
    close() {
      // Draining: stop accepting, let in-flight requests finish (2 s at most), then the workers, then the database.
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        await sync?.stop();
        await reports.stop();
        await webhooks?.stop();
        stopAuditPruning();
        await limits.close();
        await storage.close();
      })();
      return closing;
    },
  };
}
