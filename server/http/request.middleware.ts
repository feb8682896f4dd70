/**
 * Per-request plumbing: a request id, one log line per request (method, path without the
 * query string, status, duration — never bodies or credentials, T18), refusal of
 * credentials in URLs (decision 8) and of non-JSON bodies on state-changing calls (T23).
 */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { connectError } from '../errors.ts';
import type { Logger } from '../logger.ts';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    req.id = randomUUID();
    res.set('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ reqId: req.id, method: req.method, path: req.originalUrl.split('?')[0], status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

const CREDENTIAL_PARAMS =
  /(^|[_-])(secret|token|password|apikey|api_key|secretkey|code|otp)($|[_-])|^(client_secret|access_token|public_token|link_token|x-link-token|authorization)$/i;

/** Any credential-looking query parameter is refused before routing. */
export const refuseCredentialsInUrl: RequestHandler = (req, _res, next) => {
  const q = req.originalUrl.indexOf('?');
  if (q === -1) return next();
  for (const key of new URLSearchParams(req.originalUrl.slice(q + 1)).keys()) {
    if (CREDENTIAL_PARAMS.test(key)) {
      return next(connectError('CREDENTIALS_IN_URL', `Credentials must never be sent in a URL (found "${key.slice(0, 40)}"); use headers or the JSON body`));
    }
  }
  next();
};

/** State-changing requests with a body must be JSON (forces a CORS preflight from browsers). */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return next();
  const length = req.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return next();
  if (!req.is('application/json')) return next(connectError('UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json'));
  next();
};
