/**
 * Builds the context (database, keys, mailer, logger) and starts listening. Used by
 * `npm run server`, `npm start` and the tests (port 0, temporary file, injectable clock).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type pino from 'pino';
import { loadConfig, type Config } from './config.ts';
import { openDatabase, startWalWatchdog } from './db/database.ts';
import { createLogger } from './logger.ts';
import { createOutboxMailer, createSmtpMailer, noMailer, type Mailer } from './mailer.ts';
import { createSealer, deriveKey } from './crypto.ts';
import { systemClock, type Clock } from './clock.ts';
import { createApp } from './app.ts';
import type { RouteRegistry } from './http/routes.ts';
import { startAuditPruning } from './audit.ts';
import { createGroupCommit } from './db/group-commit.ts';
import { SANDBOX_ADDRESSES } from './addresses.ts';
import type { AppContext, ChainDetector } from './context.ts';
import { createSyncRunner, defaultBackoff, type SyncRunnerOptions } from './sync/runner.ts';
import { createSourceRegistry } from './sync/sources/registry.ts';
import { createEvmChainDetector, hasEvmRpc } from './sync/sources/evm-detector.ts';
import { createReportWorker } from './reports/reports.worker.ts';
import { createWebhookDispatcher, defaultWebhookOptions, type WebhookOptions } from './webhooks/dispatcher.ts';
import { createTaxPasses } from './tax/pass.ts';

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

export type RunningServer = { url: string; server: Server; ctx: AppContext; routes: RouteRegistry; close(): Promise<void> };

/** Without a chain RPC configured, only the sandbox address is known to be active (on Ethereum). */
const offlineChainDetector: ChainDetector = async (address) => (address === SANDBOX_ADDRESSES.ethereum ? ['ethereum'] : []);

export async function startConnectServer(options: StartOptions = {}): Promise<RunningServer> {
  const config = { ...loadConfig(options.env ?? process.env), ...options.config };
  const clock = options.clock ?? systemClock;
  const logger = createLogger(config.logLevel, options.logDestination);
  const { db, sqlite } = await openDatabase(config.dbFile);
  const stopWalWatchdog = startWalWatchdog(sqlite, config.dbFile);
  const write = createGroupCommit(db);
  let mailer: Mailer = noMailer;
  if (config.smtpUrl) mailer = createSmtpMailer(config.smtpUrl, config.mailFrom);
  else if (config.env !== 'production') mailer = createOutboxMailer(write, clock);
  // The one per-workspace tax pass queue: the sync runner, the report worker and the routes share it.
  const taxPasses = createTaxPasses({ db, write, clock, logger });
  const ctx: AppContext = {
    db, sqlite, config, clock, logger, mailer, write, taxPasses,
    sealer: createSealer(config.encryptionKey),
    otpKey: deriveKey(config.encryptionKey, 'otp'),
    fingerprintKey: deriveKey(config.encryptionKey, 'integration-fingerprint'),
    detectChains: options.detectChains ?? (hasEvmRpc(config.sources) ? createEvmChainDetector(config.sources, { fallback: offlineChainDetector }) : offlineChainDetector),
  };
  const registry = createSourceRegistry({ config: config.sources, db, realExchanges: config.env === 'production' });
  ctx.prices = options.sync !== false && options.sync?.sources ? options.sync.sources.prices : registry.prices;
  if (options.sync !== false) {
    const sync = createSyncRunner(ctx, {
      concurrency: 2, maxAttempts: 5, backoffMs: defaultBackoff, pollMs: 1000, leaseMs: 60_000, clock, sources: registry, ...options.sync,
    });
    ctx.sync = sync;
    ctx.onIntegrationsAdded = (ids) => void sync.queue(ids, 'latest').catch((error: unknown) => logger.error({ err: String(error) }, 'sync: could not queue'));
    await sync.start();
  }
  ctx.reports = createReportWorker(ctx);
  await ctx.reports.start();
  if (options.webhooks !== false) {
    ctx.webhooks = createWebhookDispatcher(ctx, { ...defaultWebhookOptions, ...options.webhooks });
    await ctx.webhooks.start();
  }
  const stopAuditPruning = startAuditPruning((fn) => ctx.write(fn), () => clock.now(), config.auditRetentionDays, (error) => logger.warn({ err: String(error) }, 'audit: prune failed'));
  const { app, routes } = createApp(ctx);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url, server, ctx, routes,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        await ctx.sync?.stop();
        await ctx.reports?.stop();
        await ctx.webhooks?.stop();
        stopWalWatchdog();
        stopAuditPruning();
        await db.destroy();
      })();
      return closing;
    },
  };
}
