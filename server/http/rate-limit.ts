/**
 * Rate limits (T2, T29): per client and per IP on partner endpoints, failed client
 * authentications per IP (createFailureCounter, below), OTP requests per email and per link token, guest creation per IP.
 * Every refusal is a 429 in the family's envelope with `retry_after` and a Retry-After header.
 * Keys use the client IP as Express computes it, so a forged X-Forwarded-For only counts
 * when `trust proxy` (CONNECT_TRUST_PROXY) says so (T34).
 */
import { rateLimit, ipKeyGenerator, MemoryStore, type Options, type Store } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import { createClient } from 'redis';
import type { Request, RequestHandler } from 'express';
import { connectError, dataError } from '../errors.ts';
import type { Logger } from '../logger.ts';

type LimitOptions = {
  /** Names the budget in a shared store (`kc:rl:<name>:<key>` in Redis); unique per limiter. */
  name?: string;
  windowMs: number;
  limit: number;
  key: (req: Request) => string | undefined;
  family?: 'connect' | 'data';
  message?: string;
  /** Requests this limiter does not count. */
  skip?: (req: Request) => boolean;
};

export const ipKey = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');

function makeLimiter(o: LimitOptions, store: Store | undefined, onRefused: ((name: string) => void) | undefined): RequestHandler {
  const options: Partial<Options> = {
    windowMs: o.windowMs,
    limit: o.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => o.key(req) ?? `ip:${ipKey(req)}`,
    ...(o.skip ? { skip: o.skip } : {}),
    // A store that cannot be reached lets requests through (a limiter must not take the API down with it).
    ...(store ? { store, passOnStoreError: true } : {}),
    handler: (req, _res, next) => {
      onRefused?.(o.name ?? 'unnamed');
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const retryAfter = Math.max(1, Math.ceil(((reset?.getTime() ?? Date.now() + o.windowMs) - Date.now()) / 1000));
      const retry = { retry_after: retryAfter };
      next(
        o.family === 'data'
          ? dataError('rate_limit_exceeded', o.message ?? 'Too many requests', undefined, retry)
          : connectError('RATE_LIMITED', o.message ?? 'Too many requests; retry later', retry),
      );
    },
  };
  return rateLimit(options);
}

/**
 * Counts only failures (T2: brute force of client secrets). express-rate-limit's
 * skipSuccessfulRequests counts every request while it is in flight, which refuses honest
 * traffic under concurrency, so failures are counted here after the fact: `guard` refuses
 * a key over its limit, `fail` records one failure. Same stores as the limiters.
 */
function makeFailureCounter(
  o: { name: string; windowMs: number; limit: number; message: string },
  store: Store,
  logger: Logger | undefined,
  onRefused: ((name: string) => void) | undefined,
) {
  store.init?.({ windowMs: o.windowMs } as Options);
  const unavailable = (error: unknown) => logger?.warn({ err: String(error) }, 'failure counter store unavailable');
  return {
    async guard(key: string): Promise<void> {
      const entry = await Promise.resolve(store.get?.(key)).catch(unavailable);
      // An unknown key reads as no entry (memory) or as NaN hits (Redis's nil): both are under the limit.
      if (!entry || !(entry.totalHits >= o.limit)) return;
      onRefused?.(o.name);
      const retryAfter = Math.max(1, Math.ceil(((entry.resetTime?.getTime() ?? Date.now() + o.windowMs) - Date.now()) / 1000));
      throw connectError('RATE_LIMITED', o.message, { retry_after: retryAfter });
    },
    /** Records one failure; answers the key's failures in the current window. */
    async fail(key: string): Promise<number> {
      const entry = await Promise.resolve(store.increment(key)).catch(unavailable);
      return entry?.totalHits ?? 0;
    },
  };
}
export type FailureCounter = ReturnType<typeof makeFailureCounter>;

/**
 * Where budgets live: this process's memory, or Redis when several instances must share one
 * budget (`CONNECT_REDIS_URL`). Built once at start; every limiter and failure counter of
 * the app comes from here, each under its own name.
 */
export type Limits = {
  readonly shared: boolean;
  limiter(o: LimitOptions & { name: string }): RequestHandler;
  failureCounter(o: { name: string; windowMs: number; limit: number; message: string }): FailureCounter;
  close(): Promise<void>;
};

export function memoryLimits(onRefused?: (name: string) => void): Limits {
  const stores: MemoryStore[] = [];
  const memory = () => {
    const store = new MemoryStore();
    stores.push(store);
    return store;
  };
  return {
    shared: false,
    limiter: (o) => makeLimiter(o, undefined, onRefused),
    failureCounter: (o) => makeFailureCounter(o, memory(), undefined, onRefused),
    close: async () => stores.forEach((s) => s.shutdown()),
  };
}

export async function redisLimits(redis: { url: string; prefix: string }, logger: Logger, onRefused?: (name: string) => void): Promise<Limits> {
  const client = createClient({ url: redis.url, socket: { connectTimeout: 5000, reconnectStrategy: (retries) => Math.min(retries * 200, 5000) } });
  let warned = false;
  client.on('error', (error: unknown) => {
    if (!warned) logger.warn({ err: String(error) }, 'redis: connection error (rate limits let requests through until it is back)');
    warned = true;
  });
  client.on('ready', () => {
    warned = false;
  });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Redis at ${redis.url.replace(/\/\/[^@/]*@/, '//')} is unreachable: ${String(error)}`, { cause: error });
  }
  const store = (name: string) => new RedisStore({ sendCommand: (...args: string[]) => client.sendCommand(args), prefix: `${redis.prefix}rl:${name}:` });
  return {
    shared: true,
    limiter: (o) => makeLimiter(o, store(o.name), onRefused),
    failureCounter: (o) => makeFailureCounter(o, store(o.name), logger, onRefused),
    close: async () => {
      await client.close().catch(() => undefined);
    },
  };
}
