/**
 * The cookie session and the CSRF defence (docs/security-model.md T30).
 *
 * Cookie `__Host-kc_session`: `Secure`, `HttpOnly`, `SameSite=Strict`, `Path=/`, no
 * `Domain`. Its value is an opaque 256-bit id plus an HMAC (BFF_SESSION_SECRET); the
 * server keeps the id's digest and the partner user in the `sessions` table, so a cookie
 * can be revoked and a forged one is refused before the database is asked.
 *
 * CSRF: every state-changing call to `/api/*` must carry `X-Requested-With: kryptos-connect`.
 * A cross-site page cannot add a custom header without a CORS preflight, which the BFF never
 * approves (it sends no CORS headers), and SameSite=Strict keeps the cookie off cross-site
 * requests anyway: two independent locks.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { BffDb } from './db.ts';
import { createCookieSigner } from './crypto.ts';
import { createSession, deleteSession, findSessionUser } from './sessions.repository.ts';
import { bffError } from './errors.ts';

export const SESSION_COOKIE = '__Host-kc_session';
export const CSRF_HEADER = 'x-requested-with';
export const CSRF_VALUE = 'kryptos-connect';

export type BffSession = { id: string; userId: string };

const sessions = new WeakMap<Request, BffSession>();

/** The request's BFF session (set by `loadSession`), if any. */
export function sessionOf(req: Request): BffSession | undefined {
  return sessions.get(req);
}

function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function createSessions(db: BffDb, secret: string, ttlMs: number, now: () => number) {
  const signer = createCookieSigner(secret);

  const loadSession: RequestHandler = async (req, _res, next) => {
    const raw = readCookie(req, SESSION_COOKIE);
    const id = raw && raw.length < 200 ? signer.verify(raw) : undefined;
    const userId = id ? await findSessionUser(db, now(), id) : undefined;
    if (id && userId) sessions.set(req, { id, userId });
    next();
  };

  function setCookie(res: Response, value: string, maxAgeSeconds: number) {
    res.append('Set-Cookie', `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAgeSeconds}; Secure; HttpOnly; SameSite=Strict`);
  }

  return {
    loadSession,
    /** Signs `userId` in with a fresh session id (no fixation: any previous session is dropped). */
    async signIn(req: Request, res: Response, userId: string) {
      const previous = sessionOf(req);
      if (previous) await deleteSession(db, previous.id);
      const id = await createSession(db, now(), userId, ttlMs);
      setCookie(res, signer.sign(id), Math.floor(ttlMs / 1000));
    },
    async signOut(req: Request, res: Response) {
      const current = sessionOf(req);
      if (current) await deleteSession(db, current.id);
      setCookie(res, '', 0);
    },
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** 403 for a state-changing call without the fixed custom header. */
export const requireCsrfHeader: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method) || req.get(CSRF_HEADER) === CSRF_VALUE) return next();
  next(bffError(403, 'CSRF_HEADER_REQUIRED', `State-changing calls must send the header X-Requested-With: ${CSRF_VALUE}`));
};
