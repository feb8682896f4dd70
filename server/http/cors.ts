/**
 * CORS for the widget API in direct mode (T23). A preflight carries no link token, so it is
 * answered for origins some active client registered; the real request is then checked
 * against the registered origins of the link token's own client, echoed exactly with
 * `Vary: Origin` — never `*`. Requests without an Origin (the BFF proxy, server to server)
 * pass through.
 */
import type { RequestHandler } from 'express';
import type { Db } from '../db/database.ts';
import { allRegisteredOrigins } from '../clients/clients.repository.ts';
import { connectError } from '../errors.ts';
import { clientOf } from './locals.ts';

const ALLOWED_HEADERS = 'Content-Type, X-LINK-TOKEN';
const ALLOWED_METHODS = 'GET, POST, DELETE';

export function widgetPreflight(db: Db): RequestHandler {
  return async (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    const registered = origin !== undefined && (await allRegisteredOrigins(db)).has(origin);
    if (req.method !== 'OPTIONS') {
      // Provisional, so a registered origin can read errors raised before the link token is
      // known (TOKEN_EXPIRED drives the widget's silent refresh); widgetOriginCheck narrows it.
      if (registered) res.set('Access-Control-Allow-Origin', origin);
      return next();
    }
    if (!registered) {
      res.status(403).json({ success: false, error: 'Origin not allowed', code: 'ORIGIN_NOT_ALLOWED' });
      return;
    }
    res.set({
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': ALLOWED_METHODS,
      'Access-Control-Allow-Headers': ALLOWED_HEADERS,
      'Access-Control-Max-Age': '600',
    });
    res.status(204).end();
  };
}

/** After the link token is known: the Origin must be one of its client's. */
export const widgetOriginCheck: RequestHandler = (req, res, next) => {
  const origin = req.get('origin');
  if (!origin) return next();
  // The hosted Connect page runs at this server's own origin: same-origin calls need no CORS.
  if (sameOrigin(origin, req.get('host'))) return next();
  const client = clientOf(res);
  const allowed = (JSON.parse(client.origins) as string[]).includes(origin);
  if (!allowed) {
    res.removeHeader('Access-Control-Allow-Origin');
    throw connectError('ORIGIN_NOT_ALLOWED', 'This origin is not registered for the client');
  }
  res.set('Access-Control-Allow-Origin', origin);
  res.set('Access-Control-Expose-Headers', 'Retry-After, X-Request-Id');
  next();
};

/** True when `origin` is this server's own (its host, as the request names it). */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  try {
    return origin !== undefined && host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Origin-less or foreign-origin errors raised before the link token is read still need CORS to be readable. */
export const publicCors: RequestHandler = (_req, res, next) => {
  res.set('Access-Control-Allow-Origin', '*');
  next();
};
