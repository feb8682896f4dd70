/**
 * Static files: the built widget under `/kryptos/` (from `dist/`, CORP `cross-origin` so
 * partner pages on other origins may load it, docs/security-model.md T25), the provider logos the widget
 * resolves against its API origin (`/integrations/logos/<id>.svg`, fetched from the connect
 * server), and the demo pages with their CSPs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router } from 'express';
import type { BffContext } from './context.ts';
import { bffError } from './errors.ts';
import { strictPageCsp } from './security-headers.ts';

const WIDGET_FILE = /^kryptos-connect(-[A-Za-z0-9_-]{1,64})?\.js(\.map)?$/;
const LOGO_FILE = /^[a-z0-9-]{1,64}\.svg$/;

export function assetRoutes(ctx: BffContext): Router {
  const router = Router();

  router.get('/kryptos/:file', (req, res, next) => {
    const file = String(req.params.file);
    if (!WIDGET_FILE.test(file)) return next();
    const path = join(ctx.widgetDir, file);
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    if (!existsSync(path)) {
      res.status(404).type('text/plain').send('The widget bundle is not built: run `npm run build` (creates dist/kryptos-connect.js).');
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(path, { dotfiles: 'deny' });
  });

  router.get('/integrations/logos/:file', async (req, res) => {
    const file = String(req.params.file);
    if (!LOGO_FILE.test(file)) throw bffError(404, 'NOT_FOUND', 'No such logo');
    const upstream = await ctx.connect.logo(file);
    if (upstream.status !== 200 || !upstream.contentType?.startsWith('image/svg+xml')) throw bffError(404, 'NOT_FOUND', 'No such logo');
    // An SVG opened directly must not run script: a sandboxing CSP on top of the page policy.
    res.set({ 'Cache-Control': 'public, max-age=86400', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; sandbox" });
    res.type('image/svg+xml').send(upstream.body);
  });

  if (ctx.demoDir) {
    const demoDir = ctx.demoDir;
    router.get('/strict-csp.html', (_req, res) => {
      res.set('Content-Security-Policy', strictPageCsp(ctx.config.connectUrl));
      res.sendFile(join(demoDir, 'strict-csp.html'));
    });
    router.get('/api/demo/config', (_req, res) => {
      res.json({ connectUrl: ctx.config.connectUrl, widgetBuilt: existsSync(join(ctx.widgetDir, 'kryptos-connect.js')) });
    });
    router.use(express.static(demoDir, { index: 'index.html', dotfiles: 'ignore', redirect: false, extensions: false }));
  }

  return router;
}
