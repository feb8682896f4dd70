/**
 * `/kryptos/widget/*` → `${CONNECT_URL}/widget/*`: the widget's calls (docs/widget-api.md)
 * over a fixed allow-list of (method, path) — never a general proxy (docs/security-model.md T31).
 *
 * - The upstream URL is built from the allow-listed path only: no query string, no host, no
 *   encoded or dot segments (an id must match a strict pattern) can reach it.
 * - Only `X-LINK-TOKEN`, `Content-Type: application/json` and the JSON body travel up; the
 *   cookie, the Origin and every other header stay here. Only the status, the JSON body and
 *   `Retry-After` travel back. Redirects are not followed; calls time out.
 * - CSRF: every proxied call must carry `X-LINK-TOKEN`. It is the credential the connect
 *   server checks anyway, and as a custom header it cannot be sent cross-site without a CORS
 *   preflight the BFF never approves. The widget does not send `X-Requested-With` on these
 *   calls, and the proxy uses no cookie authority, so this is the fitting lock here.
 * - Bodies are never logged.
 */
import { Router, type Request } from 'express';
import type { BffContext } from './context.ts';
import { bffError } from './errors.ts';

type Rule = { method: 'GET' | 'POST' | 'DELETE'; path: RegExp };

export const WIDGET_ROUTES: readonly Rule[] = Object.freeze([
  { method: 'GET', path: /^session$/ },
  { method: 'GET', path: /^providers$/ },
  { method: 'GET', path: /^integrations$/ },
  { method: 'POST', path: /^auth\/email\/request$/ },
  { method: 'POST', path: /^auth\/email\/verify$/ },
  { method: 'POST', path: /^auth\/guest$/ },
  { method: 'POST', path: /^workspaces\/select$/ },
  { method: 'POST', path: /^address\/chains$/ },
  { method: 'POST', path: /^integrations$/ },
  { method: 'POST', path: /^consent$/ },
  { method: 'POST', path: /^session\/continue$/ },
  { method: 'POST', path: /^exit$/ },
  { method: 'DELETE', path: /^integrations\/[A-Za-z0-9_-]{1,64}$/ },
]);

const LINK_TOKEN = /^link_[A-Za-z0-9]{1,120}$/;

/** The allow-listed relative path for this request, or a 404/405. */
function allowedPath(req: Request): string {
  const q = req.originalUrl.indexOf('?');
  const raw = (q === -1 ? req.originalUrl : req.originalUrl.slice(0, q)).slice('/kryptos/widget/'.length);
  const rules = WIDGET_ROUTES.filter((r) => r.path.test(raw));
  if (!rules.length || !req.originalUrl.startsWith('/kryptos/widget/')) throw bffError(404, 'NOT_FOUND', 'Not a widget route');
  if (!rules.some((r) => r.method === req.method)) throw bffError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on this widget route`);
  return raw;
}

export function widgetProxyRoutes(ctx: BffContext): Router {
  const router = Router();

  router.all('/kryptos/widget/{*rest}', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const path = allowedPath(req);
    const linkToken = req.get('x-link-token');
    if (!linkToken) throw bffError(403, 'LINK_TOKEN_REQUIRED', 'Widget calls must carry the X-LINK-TOKEN header');
    if (!LINK_TOKEN.test(linkToken)) throw bffError(401, 'LINK_TOKEN_REQUIRED', 'Malformed link token');
    const body = req.method === 'POST' ? JSON.stringify(req.body ?? {}) : undefined;
    const upstream = await ctx.connect.widget(req.method, path, linkToken, body);
    if (upstream.retryAfter) res.set('Retry-After', upstream.retryAfter);
    if (!upstream.contentType?.startsWith('application/json')) throw bffError(502, 'UPSTREAM_ERROR', 'Unexpected answer from the connect server');
    res.status(upstream.status).type('application/json').send(upstream.body);
  });

  return router;
}
