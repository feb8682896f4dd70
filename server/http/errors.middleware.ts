/**
 * The two error renderers: Connect (`{success:false, error, code}`) and data
 * (`{error, message, details}`). Zod errors become 400s, body-parser errors 400/413/415,
 * SQLite busy a 503 with Retry-After; anything else is logged and answered as a generic
 * 500 with the request id — never a stack trace.
 */
import type { ErrorRequestHandler, Request } from 'express';
import { ZodError } from 'zod';
import { ConnectError, HttpError, connectError, dataError } from '../errors.ts';
import { isBusyError } from '../db/database.ts';
import type { Logger } from '../logger.ts';

function zodDetails(error: ZodError) {
  return error.issues.map((i) => ({ code: i.code, path: i.path.map(String).join('.'), message: i.message }));
}

/** Maps any thrown value onto an HttpError in the given family. */
export function toHttpError(error: unknown, family: 'connect' | 'data', logger: Logger, req: Request): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ZodError) {
    const details = zodDetails(error);
    if (family === 'data') return dataError('invalid_parameters', 'Invalid request parameters', details);
    const first = details[0];
    return new ConnectError(400, 'INVALID_REQUEST', first ? `Invalid request: ${first.path || 'body'}: ${first.message}` : 'Invalid request', { details });
  }
  const e = error as { type?: string; status?: number; expose?: boolean };
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    if (e.type === 'entity.too.large')
      return family === 'data' ? dataError('payload_too_large', 'Request body too large') : connectError('PAYLOAD_TOO_LARGE', 'Request body too large');
    if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
      return family === 'data'
        ? dataError('unsupported_media_type', 'Unsupported body encoding')
        : connectError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding');
    }
    return family === 'data' ? dataError('invalid_parameters', 'Malformed request body') : connectError('INVALID_REQUEST', 'Malformed JSON body');
  }
  if (isBusyError(error)) {
    const retry = { retry_after: 1 };
    return family === 'data'
      ? dataError('service_unavailable', 'Busy, retry shortly', undefined, retry)
      : connectError('SERVICE_UNAVAILABLE', 'Busy, retry shortly', retry);
  }
  logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message, stack: (error as Error)?.stack }, reqId: req.id }, 'unhandled error');
  return family === 'data'
    ? dataError('internal_server_error', `Internal error (request ${req.id})`)
    : connectError('INTERNAL_ERROR', `Internal error (request ${req.id})`);
}

export function renderConnectError(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const e = toHttpError(error, 'connect', logger, req);
    if (e.extra?.retry_after !== undefined) res.set('Retry-After', String(e.extra.retry_after));
    res.set('Cache-Control', 'no-store');
    res.status(e.status).json({ success: false, error: e.message, code: e.code, ...(e.extra ?? {}) });
  };
}

export function renderDataError(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const e = toHttpError(error, 'data', logger, req);
    if (e.status === 401) res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
    if (e.status === 403) res.set('WWW-Authenticate', 'Bearer error="insufficient_scope"');
    if (e.extra?.retry_after !== undefined) res.set('Retry-After', String(e.extra.retry_after));
    res.status(e.status).json({ error: e.code, message: e.message, details: e.details ?? [], ...(e.extra ?? {}) });
  };
}
