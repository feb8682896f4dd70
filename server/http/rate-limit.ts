/**
 * Rate limits (T2, T29): per client and per IP on partner endpoints, failed client
 * authentications per IP (createFailureCounter, below), OTP requests per email and per link token, guest creation per IP.
 * Every refusal is a 429 in the family's envelope with `retry_after` and a Retry-After header.
 * Keys use the client IP as Express computes it, so a forged X-Forwarded-For only counts
 * when `trust proxy` (CONNECT_TRUST_PROXY) says so (T34).
 */
import { rateLimit, ipKeyGenerator, type Options } from 'express-rate-limit';
import type { Request, RequestHandler } from 'express';
import { connectError, dataError } from '../errors.ts';

type LimitOptions = {
  windowMs: number;
  limit: number;
  key: (req: Request) => string | undefined;
  family?: 'connect' | 'data';
  message?: string;
  /** Requests this limiter does not count. */
  skip?: (req: Request) => boolean;
};

export const ipKey = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');

export function limiter(o: LimitOptions): RequestHandler {
  const options: Partial<Options> = {
    windowMs: o.windowMs,
    limit: o.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => o.key(req) ?? `ip:${ipKey(req)}`,
    ...(o.skip ? { skip: o.skip } : {}),
    handler: (req, _res, next) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + o.windowMs) - Date.now()) / 1000));
      const retry = { retry_after: retryAfter };
      next(o.family === 'data' ? dataError('rate_limit_exceeded', o.message ?? 'Too many requests', undefined, retry) : connectError('RATE_LIMITED', o.message ?? 'Too many requests; retry later', retry));
    },
  };
  return rateLimit(options);
}

/**
 * Counts only failures (T2: brute force of client secrets). express-rate-limit's
 * skipSuccessfulRequests counts every request while it is in flight, which refuses honest
 * traffic under concurrency, so failures are counted here after the fact: `guard` refuses
 * a key over its limit, `fail` records one failure.
 */
export function createFailureCounter(o: { windowMs: number; limit: number; message: string }) {
  const counts = new Map<string, { count: number; resetAt: number }>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [k, v] of counts) if (v.resetAt <= now) counts.delete(k);
  }, Math.min(o.windowMs, 60_000));
  sweep.unref();
  return {
    guard(key: string): void {
      const entry = counts.get(key);
      if (!entry || entry.resetAt <= Date.now() || entry.count < o.limit) return;
      const retryAfter = Math.max(1, Math.ceil((entry.resetAt - Date.now()) / 1000));
      throw connectError('RATE_LIMITED', o.message, { retry_after: retryAfter });
    },
    /** Records one failure; answers the key's failures in the current window. */
    fail(key: string): number {
      const now = Date.now();
      const entry = counts.get(key);
      if (!entry || entry.resetAt <= now) {
        counts.set(key, { count: 1, resetAt: now + o.windowMs });
        return 1;
      }
      return ++entry.count;
    },
  };
}
export type FailureCounter = ReturnType<typeof createFailureCounter>;
