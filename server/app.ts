/**
 * The route table of the connect server: middleware order, one area per API family, each
 * mounted as a sibling, and one error renderer per family. It is handed what `start.ts`
 * built; each area takes the members its own deps type names.
 */
import express, { type Request, type RequestHandler } from 'express';
import type { Services } from './context.ts';
import { digest } from './crypto.ts';
import { connectError, dataError } from './errors.ts';
import { requestContext, refuseCredentialsInUrl, requireJson } from './http/request.middleware.ts';
import { securityHeaders, crossOriginResource } from './http/security-headers.ts';
import { renderConnectError, renderDataError } from './http/errors.middleware.ts';
import { clientOf, linkOf, isViaBff } from './http/locals.ts';
import { ipKey } from './http/rate-limit.ts';
import { widgetOriginCheck, widgetPreflight, publicCors } from './http/cors.ts';
import { requireClient } from './connect/client-auth.middleware.ts';
import { authenticateClient } from './clients/clients.service.ts';
import { requireLinkToken } from './connect/link-tokens.ts';
import { partnerRoutes } from './connect/partner.routes.ts';
import { developerRoutes } from './developer/developer.routes.ts';
import { sessionRoutes } from './widget-api/session.routes.ts';
import { authRoutes } from './widget-api/auth.routes.ts';
import { integrationRoutes } from './widget-api/integrations.routes.ts';
import { adminRoutes, requireAdmin } from './admin/admin.routes.ts';
import { v1Routes } from './data/v1.routes.ts';
import { transactionRoutes } from './data/transactions.routes.ts';
import { portfolioRoutes } from './data/portfolio.routes.ts';
import { workspaceRoutes } from './data/workspace.routes.ts';
import { createCursorCodec } from './data/cursor.ts';
import { taxRoutes } from './tax/tax.routes.ts';
import { selectionRoutes } from './tax/selections.routes.ts';
import { transferRoutes } from './tax/transfers.routes.ts';
import { reportRoutes } from './reports/reports.routes.ts';
import { requireBearer } from './http/bearer.middleware.ts';
import { PROVIDERS, findProvider, providerLogoSvg, publicProvider } from './catalogue.ts';
import { providerIcon } from './provider-icons.ts';
import { legalRoutes } from './legal.ts';
import { DOCS_CSS, docsPage, openApiDocument } from './openapi.ts';
import { RouteRegistry, routeArea } from './http/routes.ts';
import { oauthRoutes } from './oauth/oauth.routes.ts';
import { hostedPageRoutes, oauthWidgetRoutes } from './oauth/hosted.routes.ts';
import { hostedAssetRoutes } from './oauth/hosted-page.ts';
import { frameRoutes } from './oauth/frame.routes.ts';

const BODY_LIMIT = '32kb';
/** Limits are keyed by the matched route (`/webhooks/:id`), never by the raw path a caller spells. */
const routeKey = (req: Request) => `${req.method} ${(req.route as { path?: string } | undefined)?.path ?? 'unmatched'}`;
const MINUTE = 60_000;

export function createApp(ctx: Services) {
  const app = express();
  const routes = new RouteRegistry();
  const { config, logger, limits: budgets } = ctx;
  const limits = config.rateLimits;
  const limiter = budgets.limiter;
  app.set('trust proxy', config.trustProxy);
  app.set('x-powered-by', false);
  app.set('etag', false);
  app.set('query parser', 'simple');
  // `/LINK-TOKEN/` is not `/link-token`: one route, one spelling (every Router is created the same way).
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  app.use(requestContext(logger), ctx.metrics.timeRequests, securityHeaders());
  // OAuth/OIDC speaks form-encoded bodies and has code_challenge in its URLs: before the JSON and URL guards.
  const oauthApi = routeArea(routes, { mount: '', tag: 'OAuth', auth: 'none' });
  const bearer = requireBearer(ctx, ctx.cache);
  oauthRoutes(oauthApi, ctx, bearer);
  app.use(oauthApi.router);
  app.use(refuseCredentialsInUrl, requireJson, express.json({ limit: BODY_LIMIT, strict: true }));
  const hostedApi = routeArea(routes, { mount: '', tag: 'OAuth', auth: 'none' });
  hostedPageRoutes(hostedApi, ctx);
  app.use(hostedApi.router);
  hostedAssetRoutes(hostedApi);

  // Public: health, catalogue and its icons, the API reference.
  const pub = routeArea(routes, { mount: '', tag: 'Public', auth: 'none' });
  const health: RequestHandler = (_req, res) => {
    res.json({ status: 'OK', service: 'connect-apis', version: '1.0.0', environment: config.env === 'production' ? 'production' : 'development' });
  };
  pub.get('/health', { summary: 'Service health' }, health);
  pub.get('/api/health', { summary: "Service health (the hosted service's second spelling)", hidden: true }, health);
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
  const document = (req: Request) => openApiDocument(config.publicUrl ?? `${req.protocol}://${req.get('host')}`, routes.documented());
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
  const authFailures = budgets.failureCounter({
    name: 'client-auth',
    windowMs: 15 * MINUTE,
    limit: limits.authFailuresPer15Minutes,
    message: 'Too many failed client authentications from this address; retry later',
  });
  const clientGuard = [
    limiter({ name: 'partner-ip', windowMs: MINUTE, limit: limits.perIpPerMinute, key: (req) => `ip:${ipKey(req)}` }),
    requireClient(ctx, authFailures),
    limiter({
      name: 'partner-client',
      windowMs: MINUTE,
      limit: limits.perClientPerMinute,
      key: (req) => `client:${req.res ? clientOf(req.res).id : ''}:${routeKey(req)}`,
    }),
  ];
  const partnerApi = routeArea(routes, { mount: '', tag: 'Partner', auth: 'client' });
  partnerRoutes(partnerApi, ctx, { client: clientGuard });
  app.use(partnerApi.router);
  const frameApi = routeArea(routes, { mount: '', tag: 'OAuth', auth: 'none' });
  frameRoutes(frameApi, ctx, clientGuard);
  app.use(frameApi.router);
  const developerApi = routeArea(routes, { mount: '', tag: 'Developer', auth: 'client' });
  developerRoutes(developerApi, ctx, { client: clientGuard });
  app.use(developerApi.router);

  // Widget API (X-LINK-TOKEN): CORS per client, per-IP and per-link-token limits.
  const linkKey = (req: Request) => `link:${digest(req.get('x-link-token') ?? '')}`;
  // Every direct caller is limited per IP, with or without an Origin. Only a caller that proves
  // it is the link token's partner BFF (its client credentials in X-Client-Id/X-Client-Secret)
  // is limited per link token instead: behind a BFF every user shares its address.
  const claimsBff = (req: Request) => req.get('x-client-id') !== undefined || req.get('x-client-secret') !== undefined;
  const viaBff = (req: Request) => isViaBff(req.res);
  const proveBff: RequestHandler = async (req, res, next) => {
    if (!claimsBff(req)) return next();
    await authFailures.guard(ipKey(req));
    const proven = await authenticateClient(ctx.db, ctx.clock.now(), req.get('x-client-id'), req.get('x-client-secret'));
    if (!proven || proven.id !== linkOf(res).client_id) {
      await authFailures.fail(ipKey(req));
      throw connectError('INVALID_CLIENT', 'Invalid client credentials for this link token');
    }
    res.locals.viaBff = true;
    next();
  };
  const widget = express.Router({ strict: true, caseSensitive: true });
  widget.use(
    limiter({ name: 'widget-ip', windowMs: MINUTE, limit: limits.perIpPerMinute, key: (req) => `wip:${ipKey(req)}`, skip: claimsBff }),
    requireLinkToken(ctx),
    proveBff,
    widgetOriginCheck,
    limiter({ name: 'widget-link', windowMs: MINUTE, limit: 300, key: linkKey }),
    (_req, res, next) => {
      res.set('Cache-Control', 'no-store');
      next();
    },
  );
  const widgetApi = routeArea(routes, { mount: '/widget', tag: 'Widget', auth: 'link' });
  sessionRoutes(widgetApi, ctx);
  authRoutes(widgetApi, ctx, {
    codesPerHour: limits.otpRequestsPerHour,
    guest: [
      limiter({
        name: 'guest-ip',
        windowMs: 60 * MINUTE,
        limit: limits.guestsPerIpPerHour,
        key: (req) => `guest:${ipKey(req)}`,
        skip: viaBff,
        message: 'Too many guest accounts from this address',
      }),
      limiter({
        name: 'guest-client',
        windowMs: 60 * MINUTE,
        limit: limits.guestsPerClientPerHour,
        key: (req) => `guest-client:${req.res ? clientOf(req.res).id : ''}`,
        message: 'Too many guest accounts for this app; try again later',
      }),
    ],
  });
  integrationRoutes(widgetApi, ctx);
  oauthWidgetRoutes(widgetApi, ctx);
  widget.use(widgetApi.router);
  app.use('/widget', widgetPreflight(ctx.db), widget);

  const admin = requireAdmin(ctx);
  const adminApi = routeArea(routes, { mount: '/admin', tag: 'Admin', auth: 'admin' });
  adminRoutes(adminApi, ctx, admin);
  app.use('/admin', adminApi.router);
  // Prometheus metrics, behind the admin token like the admin API.
  pub.get('/metrics', { summary: 'Prometheus metrics (text exposition format)', auth: 'admin', tag: 'Admin' }, admin, async (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .type(ctx.metrics.registry.contentType)
      .send(await ctx.metrics.registry.metrics());
  });

  // Data APIs (Bearer cat_): per IP, then the token, then each route's scope; the read cache
  // serves what the handlers read. Data, tax, transfers and reports are sibling areas.
  const dataDeps = { ...ctx, cursors: createCursorCodec(ctx.cursorKey), sourceTimeoutMs: config.sources.timeoutMs };
  const v1 = routeArea(routes, { mount: '/api/v1', tag: 'Data v1', auth: 'bearer' });
  const v0 = routeArea(routes, { mount: '/api/v0', tag: 'Data v0', auth: 'bearer' });
  v1Routes(v1, dataDeps);
  transactionRoutes({ v1, v0 }, dataDeps);
  portfolioRoutes(v1, dataDeps);
  workspaceRoutes(v1, dataDeps);
  const tax = routeArea(routes, { mount: '/api/v1', tag: 'Tax & accounting (ours)', auth: 'bearer' });
  taxRoutes(tax, dataDeps);
  selectionRoutes(tax, dataDeps);
  const reports = routeArea(routes, { mount: '/api/v1', tag: 'Tax & accounting (ours)', auth: 'bearer' });
  reportRoutes(reports, dataDeps);
  const transfers = routeArea(routes, { mount: '/api/v1', tag: 'Tax & accounting (ours)', auth: 'bearer' });
  transferRoutes(transfers, dataDeps);
  app.use(
    '/api',
    limiter({
      name: 'data-ip',
      windowMs: MINUTE,
      limit: limits.perIpPerMinute,
      key: (req) => `data:${ipKey(req)}`,
      family: 'data',
      message: 'Too many requests',
    }),
    bearer,
  );
  for (const area of [v1, v0, tax, reports, transfers]) app.use(area.mount, area.router);
  // Unknown paths there answer in the v1 error shape.
  app.use('/api', (req, _res, next) => next(dataError('not_found', `No route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use((req, _res, next) => next(connectError('NOT_FOUND', `No route ${req.method} ${req.path}`)));

  // One renderer per family, mounted where the family is (so body-parser errors there come in
  // its shape too); the OAuth area renders its own errors; everything else is Connect's.
  app.use('/api', renderDataError(logger));
  app.use(renderConnectError(logger));
  return { app, routes };
}
