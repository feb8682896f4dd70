/**
 * The hosted Connect page's shell and its static files: the real `<kryptos-connect>` screens,
 * full-screen, at the connect server's own origin, under a CSP with no inline script or style.
 *
 * - `GET /connect` (declared in hosted.routes.ts) sends {@link sendHostedPage}: an HTML shell
 *   that loads `/connect/assets/hosted.js` and `/connect/assets/hosted.css`, nothing inline.
 * - `/connect/assets/kryptos-connect*.js` is the widget bundle `npm run build` writes to dist/
 *   (the lazily loaded language chunks resolve beside it); a missing build answers a clear 503.
 * - `hosted.js` (below) is the page's bootstrap: it reads `?request=creq_…`, takes it out of the
 *   address bar and history at once, POSTs it once to `/connect/session` for a link token kept
 *   in a closure (never in storage, a URL or an attribute), reads the client's name and logo from
 *   `GET /widget/session` as the inline widget shows them, opens the widget with that token, and
 *   follows the `redirect_to` of the consent (`connect-redirect`) or of `POST /widget/oauth/deny`
 *   when the user closes the flow.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Response } from 'express';
import type { RouteArea } from '../http/routes.ts';
import { connectError } from '../errors.ts';
import { escapeHtml } from '../http/html.ts';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
const BUNDLE = 'kryptos-connect.js';
/** The bundle and its chunks (`kryptos-connect-fr-1a2b3c.js`), with their source maps. */
const DIST_FILE = /^kryptos-connect(?:-[A-Za-z0-9_-]+)?\.js(?:\.map)?$/;

/** The hosted page's CSP: its own scripts and styles only, never framed (clickjacking), forms to nowhere. */
export const HOSTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; font-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const widgetBuilt = (): boolean => existsSync(DIST + BUNDLE);

const NOT_BUILT =
  'The Connect widget is not built on this server (dist/kryptos-connect.js is missing). Run `npm run build` and restart; `npm start` builds it.';

function shell(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/connect/assets/hosted.css">
</head><body>${body}</body></html>`;
}

/** `GET /connect`: the shell, or a 503 page when the widget bundle is missing. */
export function sendHostedPage(res: Response): void {
  res.set({ 'Content-Security-Policy': HOSTED_CSP, 'X-Frame-Options': 'DENY', 'Cache-Control': 'no-store' });
  if (!widgetBuilt()) {
    res
      .status(503)
      .type('html')
      .send(shell('Kryptos Connect is unavailable', `<main class="status"><h1>Kryptos Connect is unavailable</h1><p>${escapeHtml(NOT_BUILT)}</p></main>`));
    return;
  }
  res
    .status(200)
    .type('html')
    .send(
      shell(
        'Kryptos Connect',
        `<kryptos-connect theme="auto"></kryptos-connect>
<main class="status" id="kc-status" role="status"><p id="kc-status-text">Loading…</p><noscript><p>Kryptos Connect needs JavaScript.</p></noscript></main>
<script type="module" src="/connect/assets/hosted.js"></script>`,
      ),
    );
}

/** The page's styles: the widget's dialog full-screen, its trigger button hidden. */
export const HOSTED_CSS = `html,body{margin:0;min-height:100%;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#111}
@media (prefers-color-scheme:dark){html,body{background:#111;color:#eee}}
kryptos-connect::part(button){display:none}
kryptos-connect::part(dialog){width:100vw;max-width:100vw;height:100dvh;max-height:100dvh;margin:0;border:0;border-radius:0}
.status{max-width:32rem;margin:20vh auto 0;padding:0 1.5rem;text-align:center;line-height:1.5}
.status[hidden]{display:none}
`;

/** The page's bootstrap (served as a file: the CSP allows no inline script). */
export const HOSTED_JS = `import '/connect/assets/${BUNDLE}';

const status = document.getElementById('kc-status');
const statusText = document.getElementById('kc-status-text');
const show = (text) => { statusText.textContent = text; status.hidden = false; };
const hide = () => { status.hidden = true; };
const START_AGAIN = 'Go back to the app you came from and start again.';

// The handle is single use and no credential by itself; still, it leaves the address bar and history at once.
const handle = new URLSearchParams(location.search).get('request');
history.replaceState(null, '', location.pathname);

async function post(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers['X-LINK-TOKEN'] = token;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body), cache: 'no-store', credentials: 'same-origin' });
  const json = await response.json().catch(() => null);
  return { ok: response.ok && json && json.success === true, json };
}

async function run() {
  if (!handle) return show('This page opens from an app that asked you to connect your accounts. ' + START_AGAIN);
  const opened = await post('/connect/session', { handle });
  if (!opened.ok) return show(((opened.json && opened.json.error) || 'This sign-in request cannot be used.') + (opened.json && opened.json.error ? '' : ' ' + START_AGAIN));
  // Kept in this closure only: never in storage, a URL or an attribute.
  const token = opened.json.data.link_token;
  const expiresAt = opened.json.data.expires_at;
  const kc = document.querySelector('kryptos-connect');

  // The client's branding, as the inline widget's host shows it: name (the widget reads it too) and logo.
  try {
    const response = await fetch('/widget/session', { headers: { 'X-LINK-TOKEN': token }, cache: 'no-store', credentials: 'same-origin' });
    const json = await response.json();
    const client = json && json.success && json.data && json.data.client;
    if (client && client.name) document.title = client.name + ' — Kryptos Connect';
    if (client && typeof client.logo_url === 'string' && /^(https?:|\\/)/.test(client.logo_url)) kc.setAttribute('app-logo', client.logo_url);
  } catch {
    // The widget shows its own error when the session cannot be read.
  }

  let leaving = false;
  const leave = (url) => {
    leaving = true;
    show('Returning to the app…');
    location.replace(url);
  };
  kc.addEventListener('connect-redirect', (event) => {
    if (!leaving && event.detail && typeof event.detail.redirect_to === 'string') leave(event.detail.redirect_to);
  });
  kc.addEventListener('connect-error', async (event) => {
    if (leaving || !event.detail || event.detail.code !== 'USER_CLOSED') return;
    leaving = true;
    show('Cancelling…');
    const denied = await post('/widget/oauth/deny', {}, token).catch(() => ({ ok: false, json: null }));
    if (denied.ok && denied.json.data && denied.json.data.redirect_to) location.replace(denied.json.data.redirect_to);
    else show('You cancelled. ' + START_AGAIN);
  });
  kc.apiBase = location.origin;
  kc.generateLinkToken = async () => ({ link_token: token, expires_at: expiresAt });
  hide();
  await kc.open();
}

run().catch(() => show('Kryptos Connect could not start. ' + START_AGAIN));
`;

/** `/connect/assets/*`: the bootstrap, its styles and the widget bundle from dist/. */
export function hostedAssetRoutes(area: RouteArea): void {
  area.get('/connect/assets/hosted.js', { summary: "The hosted page's bootstrap script", hidden: true }, (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('text/javascript').send(HOSTED_JS);
  });
  area.get('/connect/assets/hosted.css', { summary: "The hosted page's stylesheet", hidden: true }, (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('text/css').send(HOSTED_CSS);
  });
  area.get('/connect/assets/:file', { summary: 'The widget bundle (dist/) for the hosted page', hidden: true }, (req, res, next) => {
    const file = String(req.params.file);
    // Not a bundle file: another area's asset (the frame page's) or nothing (the final 404).
    if (!DIST_FILE.test(file)) return next();
    if (!widgetBuilt()) {
      res.status(503).set('Cache-Control', 'no-store').type('text/plain').send(NOT_BUILT);
      return;
    }
    if (!existsSync(DIST + file)) throw connectError('NOT_FOUND', 'No such asset');
    res
      .set('Cache-Control', file === BUNDLE ? 'no-cache' : 'public, max-age=31536000, immutable')
      .type(file.endsWith('.map') ? 'application/json' : 'text/javascript')
      .send(readFileSync(DIST + file));
  });
}
