/**
 * Iframe mode of `<kryptos-connect mode="iframe">`: the screens run in `/connect/frame`, a page
 * of this origin that only the client's registered origins may frame, so the host page's
 * scripts can read neither what the user types nor the link token.
 *
 * 1. The partner's BFF creates a link token as always, then trades it with its client
 *    credentials for a frame handle: `POST /connect/frame/handle {link_token}` → `{handle}`
 *    (`fh_…`, 60 seconds, single use, bound to the client). Only the handle reaches the host page.
 * 2. The host element opens `/connect/frame?client_id=…&origin=<its origin>`. The page's CSP is
 *    `frame-ancestors <origin>`, the origin checked against the client's registered ones.
 * 3. The host posts the handle into the frame (postMessage, target origin = this server); the
 *    frame accepts it only from its parent and that origin, and redeems it itself:
 *    `POST /connect/frame/session {handle, client_id}` (same-origin only) → `{link_token, expires_at}`.
 * 4. Results go back by postMessage to exactly that origin (`widget/iframe-mode.ts` checks the
 *    sender's origin and window).
 *
 * Handles live in this process's memory: they last a minute and are used once.
 */
import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { digest, isWellFormedToken } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { clientOf } from '../http/locals.ts';
import type { RouteArea } from '../http/routes.ts';
import { ipKey, type Limits } from '../http/rate-limit.ts';
import { findActiveClient } from '../clients/clients.repository.ts';
import { findLinkTokenByDigest } from '../connect/link-tokens.repository.ts';
import { widgetBuilt } from './hosted-page.ts';
import { escapeHtml } from '../http/html.ts';
import { sameOrigin } from '../http/cors.ts';

const HANDLE_TTL_MS = 60_000;
const MAX_HANDLES = 50_000;
const HandleBody = z.strictObject({ link_token: z.string().min(1).max(128) });
const RedeemBody = z.strictObject({ handle: z.string().min(1).max(128), client_id: z.string().min(1).max(64) });
/** A registered origin is safe inside a CSP header: scheme, host, optional port, nothing else. */
const CLEAN_ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?$/;

type Held = { linkToken: string; clientId: string; expiresAt: number };

function framePage(res: Response, status: number, frameAncestors: string, body: string) {
  res.set({
    'Content-Security-Policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors ${frameAncestors}`,
    'Cache-Control': 'no-store',
    // CSP frame-ancestors governs; X-Frame-Options cannot name an origin.
  });
  res.removeHeader('X-Frame-Options');
  res.status(status).type('html')
    .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Kryptos Connect</title><link rel="stylesheet" href="/connect/assets/frame.css"></head><body>${body}</body></html>`);
}

export type FrameDeps = { db: Db; clock: Clock; limits: Limits; config: { rateLimits: Pick<Config['rateLimits'], 'perIpPerMinute'> } };

/** The iframe mode's routes on `area`; `clientGuard` authenticates the partner (failures counted). */
export function frameRoutes(area: RouteArea, deps: FrameDeps, clientGuard: RequestHandler[]): void {
  const held = new Map<string, Held>();
  const sweep = (now: number) => {
    for (const [k, v] of held) if (v.expiresAt <= now) held.delete(k);
  };

  area.post(
    '/connect/frame/handle',
    {
      summary: 'Iframe mode: trade a link token (client credentials) for a 60-second single-use frame handle {handle, expires_at}',
      body: HandleBody,
      auth: 'client',
    },
    ...clientGuard,
    async (req, res) => {
      noStore(res);
      const now = deps.clock.now();
      const client = clientOf(res);
      const { link_token } = HandleBody.parse(req.body);
      // Only this client's own, live link token can be put behind a handle.
      const link = isWellFormedToken(link_token, 'link_') ? await findLinkTokenByDigest(deps.db, digest(link_token)) : undefined;
      if (!link || link.client_id !== client.id) throw connectError('INVALID_TOKEN', 'Unknown link token');
      if (link.expires_at <= now) throw connectError('TOKEN_EXPIRED', 'The link token has expired; request a new one');
      sweep(now);
      if (held.size >= MAX_HANDLES) throw connectError('RATE_LIMITED', 'Too many pending frame handles; retry later');
      const handle = `fh_${randomBytes(32).toString('base64url')}`;
      held.set(digest(handle), { linkToken: link_token, clientId: client.id, expiresAt: now + HANDLE_TTL_MS });
      sendOk(res, { handle, expires_at: new Date(now + HANDLE_TTL_MS).toISOString() });
    },
  );

  area.post(
    '/connect/frame/session',
    { summary: 'Iframe mode: the frame redeems its handle (same origin only, once) → {link_token, expires_at}', body: RedeemBody },
    deps.limits.limiter({ name: 'frame-session-ip', windowMs: 60_000, limit: deps.config.rateLimits.perIpPerMinute, key: (req) => `fs:${ipKey(req)}` }),
    (req, res) => {
      noStore(res);
      if (!sameOrigin(req.get('origin'), req.get('host'))) throw connectError('ORIGIN_NOT_ALLOWED', 'Only the Connect frame may redeem a frame handle');
      const { handle, client_id } = RedeemBody.parse(req.body);
      const key = digest(handle);
      const entry = held.get(key);
      held.delete(key);
      if (!entry || entry.clientId !== client_id) throw connectError('INVALID_TOKEN', 'Unknown frame handle');
      if (entry.expiresAt <= deps.clock.now()) throw connectError('TOKEN_EXPIRED', 'This frame handle has expired');
      sendOk(res, { link_token: entry.linkToken });
    },
  );

  area.get(
    '/connect/frame',
    { summary: 'Iframe mode: the Connect screens, framable only by the given registered origin of the client (?client_id=…&origin=…)' },
    async (req, res) => {
      const clientId = typeof req.query.client_id === 'string' ? req.query.client_id.slice(0, 64) : '';
      const origin = typeof req.query.origin === 'string' ? req.query.origin.slice(0, 300) : '';
      const client = clientId ? await findActiveClient(deps.db, clientId) : undefined;
      const origins = client ? (JSON.parse(client.origins) as string[]) : [];
      if (!client || !CLEAN_ORIGIN.test(origin) || !origins.includes(origin)) {
        return framePage(res, 403, "'none'", '<main class="status"><p>This app may not embed Kryptos Connect from this address.</p></main>');
      }
      if (!widgetBuilt())
        return framePage(res, 503, "'none'", '<main class="status"><p>The Connect widget is not built on this server (npm run build).</p></main>');
      framePage(
        res,
        200,
        origin,
        `<kryptos-connect></kryptos-connect><main class="status" id="kc-status" hidden><p id="kc-status-text"></p></main>
<script type="module" src="/connect/assets/frame.js" data-origin="${escapeHtml(origin)}"></script>`,
      );
    },
  );

  area.get('/connect/assets/frame.css', { summary: 'The frame page stylesheet', hidden: true }, (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('text/css').send(FRAME_CSS);
  });
  area.get('/connect/assets/frame.js', { summary: 'The frame page bootstrap', hidden: true }, (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('text/javascript').send(FRAME_JS);
  });
}

const FRAME_CSS = `html,body{margin:0;background:transparent;font-family:system-ui,sans-serif}
kryptos-connect::part(button){display:none}
.status{margin:20vh auto;max-width:24rem;padding:1rem;background:#fff;border-radius:8px;text-align:center}`;

/** The frame's bootstrap: handle from the parent (checked), redeemed here, results to the parent only. */
const FRAME_JS = `import '/connect/assets/kryptos-connect.js';

const script = document.querySelector('script[data-origin]');
const parentOrigin = script.dataset.origin;
const params = new URLSearchParams(location.search);
const clientId = params.get('client_id');
const kc = document.querySelector('kryptos-connect');
const toParent = (message) => window.parent.postMessage({ source: 'kryptos-connect-frame', ...message }, parentOrigin);
const status = (text) => { document.getElementById('kc-status-text').textContent = text; document.getElementById('kc-status').hidden = false; };
let started = false;

window.addEventListener('message', async (event) => {
  if (started || event.source !== window.parent || event.origin !== parentOrigin) return;
  const data = event.data;
  if (!data || data.source !== 'kryptos-connect-host' || data.type !== 'start' || typeof data.handle !== 'string') return;
  started = true;
  const options = data.options && typeof data.options === 'object' ? data.options : {};
  for (const name of ['theme', 'language', 'auth-methods', 'integration-name', 'app-name', 'app-logo', 'size']) {
    if (typeof options[name] === 'string') kc.setAttribute(name, options[name]);
  }
  const response = await fetch('/connect/frame/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ handle: data.handle, client_id: clientId }), cache: 'no-store', credentials: 'same-origin',
  });
  const json = await response.json().catch(() => null);
  if (!response.ok || !json || !json.success) {
    toParent({ type: 'error', detail: { name: 'Error', code: (json && json.code) || 'LINK_TOKEN_FAILED', message: (json && json.error) || 'The frame handle was refused' } });
    toParent({ type: 'closed' });
    return;
  }
  const token = json.data.link_token;
  kc.apiBase = location.origin;
  kc.generateLinkToken = async () => ({ link_token: token });
  kc.addEventListener('connect-success', (e) => toParent({ type: 'success', detail: e.detail }));
  kc.addEventListener('connect-error', (e) => toParent({ type: 'error', detail: { name: e.detail && e.detail.name, code: e.detail && e.detail.code, message: e.detail && e.detail.message } }));
  kc.addEventListener('connect-event', (e) => toParent({ type: 'event', detail: e.detail }));
  await kc.open();
  kc.shadowRoot.querySelector('dialog').addEventListener('close', () => setTimeout(() => toParent({ type: 'closed' })));
});
toParent({ type: 'ready' });
`;
