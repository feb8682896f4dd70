/**
 * The BFF's route table: request log, security headers, rate limits, JSON bodies, the
 * cookie session and CSRF check, then the routes, then one error renderer.
 */
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { ZodError } from 'zod';
import type { BffContext } from './context.ts';
import { HttpError, UpstreamError, bffError, dataError } from './errors.ts';
import { securityHeaders } from './security-headers.ts';
import { requireCsrfHeader } from './session.middleware.ts';
import { demoAuthRoutes } from './demo-auth.routes.ts';
import { linkTokenRoutes } from './link-token.routes.ts';
import { exchangeRoutes } from './exchange.routes.ts';
import { dataRoutes } from './data.routes.ts';
import { widgetProxyRoutes } from './widget-proxy.routes.ts';
import { assetRoutes } from './assets.routes.ts';
import { webhookReceiverRoutes, webhookStatusRoutes } from './webhooks.routes.ts';
import { taxRoutes } from './tax.routes.ts';
import { oauthLoginRoutes } from './oauth-login.routes.ts';

const BODY_LIMIT = '32kb';
const MINUTE = 60_000;

export function createBffApp(ctx: BffContext, options: { demoLogin: boolean }) {
  const app = express();
  const { logger, config } = ctx;
  app.set('trust proxy', config.trustProxy);
  app.set('x-powered-by', false);
  app.set('etag', false);
  app.set('query parser', 'simple');

  const requestLog: RequestHandler = (req, res, next) => {
    const id = randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      logger.info({ reqId: id, method: req.method, path: req.path, status: res.statusCode, ms }, 'request');
    });
    next();
  };

  const limit = (windowMs: number, max: number, prefix: string) =>
    rateLimit({
      windowMs,
      limit: max,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      keyGenerator: (req) => `${prefix}:${ipKeyGenerator(req.ip ?? 'unknown')}`,
      handler: (_req, _res, next) => next(bffError(429, 'RATE_LIMITED', 'Too many requests; retry later')),
    });

  /** A body on a state-changing call must be JSON (a cross-site form cannot send it without a preflight). */
  const requireJson: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
    const length = req.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && !req.is('application/json')) return next(bffError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
    next();
  };

  app.use(requestLog, securityHeaders(config.connectUrl), limit(MINUTE, config.rateLimitPerMinute, 'all'));
  // Server-to-server, signed: before the JSON parser (it verifies the raw bytes) and the CSRF check.
  app.use(webhookReceiverRoutes(ctx));
  app.use(['/api', '/kryptos/widget'], requireJson, express.json({ limit: BODY_LIMIT, strict: true }));
  app.use(ctx.sessions.loadSession);
  app.use('/api', requireCsrfHeader);
  app.use(
    ['/api/kryptos/link-token', '/api/kryptos/frame-handle', '/api/kryptos/exchange', '/api/demo/login'],
    limit(MINUTE, Math.max(10, Math.floor(config.rateLimitPerMinute / 10)), 'sensitive'),
  );

  if (options.demoLogin) app.use(demoAuthRoutes(ctx), oauthLoginRoutes(ctx));
  app.use(linkTokenRoutes(ctx), exchangeRoutes(ctx), dataRoutes(ctx), taxRoutes(ctx), webhookStatusRoutes(ctx), widgetProxyRoutes(ctx), assetRoutes(ctx));

  app.use((req, _res, next) =>
    next(req.path.startsWith('/api/kryptos/data/') ? dataError(404, 'not_found', 'Not found') : bffError(404, 'NOT_FOUND', 'Not found')),
  );

  const render: ErrorRequestHandler = (error, req, res, _next) => {
    const family = req.path.startsWith('/api/kryptos/data/') ? 'data' : 'connect';
    const e = toHttpError(error, family);
    if (!e) {
      const err = error as Error;
      logger.error({ reqId: res.locals.requestId, err: { name: err?.name, message: err?.message, stack: err?.stack } }, 'unhandled error');
    }
    const out =
      e ??
      (family === 'data'
        ? dataError(500, 'internal_server_error', `Internal error (request ${String(res.locals.requestId)})`)
        : bffError(500, 'INTERNAL_ERROR', `Internal error (request ${String(res.locals.requestId)})`));
    if (out.status === 429 && !res.get('Retry-After')) res.set('Retry-After', '60');
    res.set('Cache-Control', 'no-store');
    if (out.family === 'data') res.status(out.status).json({ error: out.code, message: out.message, details: [] });
    else res.status(out.status).json({ success: false, error: out.message, code: out.code });
  };
  app.use(render);
  return app;
}

/** Maps a thrown value onto an HttpError, or undefined for an unexpected (logged, 500) error. */
function toHttpError(error: unknown, family: 'connect' | 'data'): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (error instanceof ZodError) {
    const first = error.issues[0];
    const message = first ? `Invalid request: ${first.path.map(String).join('.') || 'body'}: ${first.message}` : 'Invalid request';
    return family === 'data' ? dataError(400, 'invalid_parameters', message) : bffError(400, 'INVALID_REQUEST', message);
  }
  if (error instanceof UpstreamError) {
    // The connect server's own verdict (e.g. TOKEN_ALREADY_USED) is passed on; gateway failures become 502/504.
    if (family === 'data') return dataError(error.status === 504 ? 504 : 502, error.status === 504 ? 'gateway_timeout' : 'bad_gateway', error.message);
    // The app's own credentials were refused: the browser's user can do nothing about it.
    if (error.code === 'INVALID_CLIENT')
      return bffError(502, 'UPSTREAM_ERROR', "The connect server refused this app's client credentials (check KRYPTOS_CLIENT_ID / KRYPTOS_CLIENT_SECRET)");
    return new HttpError(error.status, error.code, error.message);
  }
  const e = error as { type?: string; status?: number; expose?: boolean };
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    if (e.type === 'entity.too.large') return bffError(413, 'PAYLOAD_TOO_LARGE', 'Request body too large');
    return bffError(400, 'INVALID_REQUEST', 'Malformed JSON body');
  }
  return undefined;
}
