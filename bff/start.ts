/**
 * Builds the BFF's context and starts listening. Used by `npm run bff`, `npm start` and the
 * tests (port 0, a temporary database, an injectable log destination and partner sign-in).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import type pino from 'pino';
import { loadBffConfig, type BffConfig } from './config.ts';
import { openBffDatabase } from './db.ts';
import { createLogger } from './logger.ts';
import { createSealer } from './crypto.ts';
import { createTokenStore } from './token-store.ts';
import { createConnectClient } from './connect-client.ts';
import { createSessions, sessionOf } from './session.middleware.ts';
import { createBffApp } from './app.ts';
import type { BffContext, GetPartnerUserId } from './context.ts';

export type BffOptions = {
  env?: NodeJS.ProcessEnv;
  config?: Partial<BffConfig>;
  logDestination?: pino.DestinationStream;
  /**
   * The partner's sign-in, plugged in here (see `GetPartnerUserId`). Without it the BFF uses
   * its own cookie session and mounts the demo sign-in (`POST /api/demo/login {username}`).
   */
  getPartnerUserId?: GetPartnerUserId;
  /** Serve the demo pages (default: `demo/` when the demo sign-in is on). `false` serves none. */
  demoDir?: string | false;
  /** Where the built widget is (default `dist/`). */
  widgetDir?: string;
  now?: () => number;
};

export type RunningBff = { url: string; server: Server; ctx: BffContext; close(): Promise<void> };

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

export function createBff(options: BffOptions = {}) {
  const config = { ...loadBffConfig(options.env ?? process.env), ...options.config };
  const now = options.now ?? Date.now;
  const logger = createLogger(config.logLevel, options.logDestination);
  const { db, sqlite } = openBffDatabase(config.dbFile);
  const sessions = createSessions(db, config.sessionSecret, config.sessionTtlMs, now);
  const demoLogin = !options.getPartnerUserId;
  const ctx: BffContext = {
    config,
    db,
    logger,
    now,
    sessions,
    store: createTokenStore(db, createSealer(config.encryptionKey, config.previousEncryptionKey)),
    connect: createConnectClient({
      connectUrl: config.connectUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      timeoutMs: config.upstreamTimeoutMs,
    }),
    getPartnerUserId: options.getPartnerUserId ?? ((req) => sessionOf(req)?.userId),
    widgetDir: options.widgetDir ?? root('dist'),
    demoDir: options.demoDir === false ? undefined : (options.demoDir ?? (demoLogin ? root('demo') : undefined)),
  };
  return { app: createBffApp(ctx, { demoLogin }), ctx, sqlite };
}

export async function startBff(options: BffOptions = {}): Promise<RunningBff> {
  const { app, ctx } = createBff(options);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(ctx.config.port, ctx.config.host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 5000;
  const { port } = server.address() as AddressInfo;
  const url = `http://${ctx.config.host.includes(':') ? `[${ctx.config.host}]` : ctx.config.host}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    server,
    ctx,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        await ctx.db.destroy();
      })();
      return closing;
    },
  };
}
