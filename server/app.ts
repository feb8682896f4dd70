/**
 * The route table of the connect server: middleware order, API families and their error
 * renderers. Everything it needs is in `ctx`.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AppContext } from './context.ts';
import { digest } from './crypto.ts';
import { connectError, dataError } from './errors.ts';
import { requestContext, refuseCredentialsInUrl, requireJson } from './http/request.middleware.ts';
import { securityHeaders, crossOriginResource } from './http/security-headers.ts';
import { renderConnectError, renderDataError } from './http/errors.middleware.ts';
import { limiter, ipKey, createFailureCounter } from './http/rate-limit.ts';
import { widgetOriginCheck, widgetPreflight, publicCors } from './http/cors.ts';
import { requireClient } from './connect/client-auth.middleware.ts';
import { authenticateClient } from './clients/clients.service.ts';
import { requireLinkToken } from './connect/link-tokens.ts';
import { partnerRoutes } from './connect/partner.routes.ts';
import { developerRoutes } from './developer/developer.routes.ts';
import { sessionRoutes } from './widget-api/session.routes.ts';
import { authRoutes } from './widget-api/auth.routes.ts';
import { integrationRoutes } from './widget-api/integrations.routes.ts';
import { adminRoutes } from './admin/admin.routes.ts';
import { v1Routes } from './data/v1.routes.ts';
import { PROVIDERS, findProvider, providerLogoSvg, publicProvider } from './catalogue.ts';
import { providerIcon } from './provider-icons.ts';
import { legalRoutes } from './legal.ts';
import { DOCS_CSS, docsPage, legacyRoutes, openApiDocument } from './openapi.ts';
import { RouteRegistry, routeArea } from './http/routes.ts';
import { oauthRoutes } from './oauth/oauth.routes.ts';
import { hostedPageRoutes, oauthWidgetRoutes } from './oauth/hosted.routes.ts';
import { hostedAssetRoutes } from './oauth/hosted-page.ts';
import { frameRoutes } from './oauth/frame.routes.ts';

const BODY_LIMIT = '32kb';
/** Limits are keyed by the matched route (`/webhooks/:id`), never by the raw path a caller spells. */
const routeKey = (req: Request) => `${req.method} ${(req.route as { path?: string } | undefined)?.path ?? 'unmatched'}`;
const MINUTE = 60_000;

export function createApp(ctx: AppContext) {
  const app = express();
  const routes = new RouteRegistry();
  const { config, logger } = ctx;
  const limits = config.rateLimits;
  app.set('trust proxy', config.trustProxy);
  app.set('x-powered-by', false);
  app.set('etag', false);
  app.set('query parser', 'simple');
  // `/LINK-TOKEN/` is not `/link-token`: one route, one spelling (every Router is created the same way).
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.use(requestContext(logger), securityHeaders());
  // OAuth/OIDC speaks form-encoded bodies and has code_challenge in its URLs: before the JSON and URL guards.
  app.use(oauthRoutes(ctx));
  app.use(refuseCredentialsInUrl, requireJson, express.json({ limit: BODY_LIMIT, strict: true }));
  app.use(hostedPageRoutes(ctx));
  app.use(frameRoutes(ctx, routes));
  app.use(hostedAssetRoutes(routes));

  // Public: health, catalogue and its icons, the API reference.
  const pub = routeArea(routes, { mount: '', tag: 'Public', auth: 'none' });
  const health: RequestHandler = (_req, res) => {
    res.json({ status: 'OK', service: 'connect-apis', version: '1.0.0', environment: config.env === 'production' ? 'production' : 'development' });
  };
  pub.get('/health', { summary: 'Service health' }, health);
  pub.get('/api/health', { summary: 'Service health (the hosted service\'s second spelling)', hidden: true }, health);
  pub.get('/integrations/public/list', { summary: 'The provider catalogue (ids are what integration-name expects)' }, publicCors, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json({ success: true, data: PROVIDERS.map(publicProvider) });
  });
  // Brand icons (@web3icons/core) for the catalogue, a monogram for a provider without one.
  pub.get('/integrations/logos/:file', { summary: 'A provider logo (SVG)', hidden: true }, crossOriginResource, publicCors, async (req, res) => {
    const file = String(req.params.file);
    const id = /^[a-z0-9-]+\.svg$/.test(file) ? file.slice(0, -4) : '';
    const svg = findProvider(id) ? ((await providerIcon(id)) ?? providerLogoSvg(id)) : undefined;
    if (!svg) throw connectError('NOT_FOUND', 'No such logo');
    res.set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').send(svg);
  });
  legalRoutes(pub);
  const document = (req: Request) => openApiDocument(config.publicUrl ?? `${req.protocol}://${req.get('host')}`, [...routes.documented(), ...legacyRoutes()]);
  pub.get('/openapi.json', { summary: 'This OpenAPI document', hidden: true }, (req, res) => {
    res.json(document(req));
  });
  pub.get('/docs', { summary: 'The API reference (HTML)', hidden: true }, (req, res) => {
    res.type('html').send(docsPage(document(req)));
  });
  pub.get('/docs/docs.css', { summary: 'The API reference stylesheet', hidden: true }, (_req, res) => {
    res.type('text/css').send(DOCS_CSS);
  });
  app.use(pub.router);

  // Partner endpoints: per IP, then credentials (failures counted per IP), then per client and route.
  const authFailures = createFailureCounter({ windowMs: 15 * MINUTE, limit: limits.authFailuresPer15Minutes, message: 'Too many failed client authentications from this address; retry later' });
  const clientGuard = [
    limiter({ windowMs: MINUTE, limit: limits.perIpPerMinute, key: (req) => `ip:${ipKey(req)}` }),
    requireClient(ctx, authFailures),
    limiter({ windowMs: MINUTE, limit: limits.perClientPerMinute, key: (req) => `client:${(req.res?.locals.client as { id: string } | undefined)?.id}:${routeKey(req)}` }),
  ];
  app.use(partnerRoutes(ctx, { client: clientGuard }));
  app.use(developerRoutes(ctx, { client: clientGuard }));

  // Widget API (X-LINK-TOKEN): CORS per client, per-IP and per-link-token limits.
  const linkKey = (req: Request) => `link:${digest(req.get('x-link-token') ?? '')}`;
  // Every direct caller is limited per IP, with or without an Origin. Only a caller that proves
  // it is the link token's partner BFF (its client credentials in X-Client-Id/X-Client-Secret)
  // is limited per link token instead: behind a BFF every user shares its address.
  const claimsBff = (req: Request) => req.get('x-client-id') !== undefined || req.get('x-client-secret') !== undefined;
  const viaBff = (req: Request) => req.res?.locals.viaBff === true;
  const proveBff: RequestHandler = async (req, res, next) => {
    if (!claimsBff(req)) return next();
    authFailures.guard(ipKey(req));
    const proven = await authenticateClient(ctx.db, ctx.clock.now(), req.get('x-client-id'), req.get('x-client-secret'));
    if (!proven || proven.id !== (res.locals.link as { client_id: string }).client_id) {
      authFailures.fail(ipKey(req));
      throw connectError('INVALID_CLIENT', 'Invalid client credentials for this link token');
    }
    res.locals.viaBff = true;
    next();
  };
  const widget = express.Router({ strict: true, caseSensitive: true });
  widget.use(
    limiter({ windowMs: MINUTE, limit: limits.perIpPerMinute, key: (req) => `wip:${ipKey(req)}`, skip: claimsBff }),
    requireLinkToken(ctx),
    proveBff,
    widgetOriginCheck,
    limiter({ windowMs: MINUTE, limit: 300, key: linkKey }),
    (_req, res, next) => {
      res.set('Cache-Control', 'no-store');
      next();
    },
  );
  widget.use(sessionRoutes(ctx));
  widget.use(authRoutes(ctx, {
    codesPerHour: limits.otpRequestsPerHour,
    guest: [
      limiter({ windowMs: 60 * MINUTE, limit: limits.guestsPerIpPerHour, key: (req) => `guest:${ipKey(req)}`, skip: viaBff, message: 'Too many guest accounts from this address' }),
      limiter({ windowMs: 60 * MINUTE, limit: limits.guestsPerClientPerHour, key: (req) => `guest-client:${(req.res?.locals.client as { id: string }).id}`, message: 'Too many guest accounts for this app; try again later' }),
    ],
  }));
  widget.use(integrationRoutes(ctx));
  widget.use(oauthWidgetRoutes(ctx));
  app.use('/widget', widgetPreflight(ctx.db), widget);

  app.use('/admin', adminRoutes(ctx));

  // Data APIs (Bearer cat_); unknown paths there answer in the v1 error shape.
  app.use('/api', limiter({ windowMs: MINUTE, limit: limits.perIpPerMinute, key: (req) => `data:${ipKey(req)}`, family: 'data', message: 'Too many requests' }), v1Routes(ctx));
  app.use('/api', (req, _res, next) => next(dataError('not_found', `No route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use((req, _res, next) => next(connectError('NOT_FOUND', `No route ${req.method} ${req.path}`)));

  // One renderer per family, chosen by path, so even body-parser errors come in the right shape.
  const connectRenderer = renderConnectError(logger);
  const dataRenderer = renderDataError(logger);
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) =>
    (req.path.startsWith('/api/') ? dataRenderer : connectRenderer)(error, req, res, next));
  return { app, routes };
}
