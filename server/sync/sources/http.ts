/**
 * Outgoing HTTP for the sources: JSON with a timeout, retries with backoff on 429/5xx and
 * network failures (honouring `Retry-After`), and URLs redacted before they reach an error
 * message or a log (Etherscan-style APIs put the key in the query string).
 */
export type HttpOptions = {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** First backoff step; doubles each retry (default 250 ms). */
  backoffMs?: number;
  /** Longest `Retry-After` honoured before giving up on this request (default 60 s). */
  maxRetryAfterMs?: number;
  headers?: Record<string, string>;
  method?: 'GET' | 'POST';
  body?: unknown;
};

/** An HTTP answer the source could not use: `status` 0 for network errors and timeouts. */
export class SourceHttpError extends Error {
  override name = 'SourceHttpError';
  readonly status: number;
  readonly body: string;
  constructor(message: string, status: number, body = '') {
    super(message);
    this.status = status;
    this.body = body;
  }
}

const SECRET_PARAM = /^(api[-_]?key|apikey|key|token|access[-_]?token|secret|x[-_]cg[-_](pro|demo)[-_]api[-_]key)$/i;

/** The URL with credential-looking query values and any userinfo replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) u.username = u.password = '***';
    for (const k of [...u.searchParams.keys()]) if (SECRET_PARAM.test(k)) u.searchParams.set(k, '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return '<invalid url>';
  }
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or null. */
export function retryAfterMs(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.ceil(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

const retryable = (status: number) => status === 0 || status === 408 || status === 429 || status >= 500;

/** GETs or POSTs JSON; returns the parsed body of a 2xx answer, retrying what may pass. */
export async function requestJson<T>(url: string, options: HttpOptions): Promise<T> {
  const retries = options.retries ?? 4;
  const base = options.backoffMs ?? 250;
  const safeUrl = redactUrl(url);
  for (let attempt = 0; ; attempt++) {
    options.signal?.throwIfAborted();
    let status = 0;
    let text = '';
    let wait: number | null = null;
    let problem: string;
    try {
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const res = await fetch(url, {
        method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
        headers: { accept: 'application/json', ...(options.body === undefined ? {} : { 'content-type': 'application/json' }), ...options.headers },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
      });
      status = res.status;
      text = await res.text();
      if (res.ok) {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new SourceHttpError(`${safeUrl} answered ${status} with a body that is not JSON`, status, text.slice(0, 200));
        }
      }
      wait = retryAfterMs(res.headers.get('retry-after'));
      problem = `${safeUrl} answered ${status}${status === 429 ? ' Too Many Requests' : ''}`;
    } catch (error) {
      if (error instanceof SourceHttpError) throw error;
      if (options.signal?.aborted) throw options.signal.reason;
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      problem = timedOut
        ? `${safeUrl} did not answer within ${options.timeoutMs} ms`
        : `${safeUrl} could not be reached (${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : String(error)})`;
    }
    if (!retryable(status) || attempt >= retries || (wait !== null && wait > (options.maxRetryAfterMs ?? 60_000))) {
      throw new SourceHttpError(attempt ? `${problem} (after ${attempt + 1} attempts)` : problem, status, text.slice(0, 500));
    }
    await sleep(wait ?? base * 2 ** attempt, options.signal);
  }
}

export type JsonRpcError = { code: number; message: string; data?: unknown };

export class JsonRpcCallError extends Error {
  override name = 'JsonRpcCallError';
  readonly code: number;
  constructor(method: string, error: JsonRpcError) {
    super(`${method}: ${error.message} (code ${error.code})`);
    this.code = error.code;
  }
}

/** One JSON-RPC 2.0 call over `requestJson` (HTTP-level retries included). */
export async function jsonRpc<T>(url: string, method: string, params: unknown[], options: HttpOptions): Promise<T> {
  const reply = await requestJson<{ result?: T; error?: JsonRpcError }>(url, { ...options, body: { jsonrpc: '2.0', id: 1, method, params } });
  if (reply.error) throw new JsonRpcCallError(method, reply.error);
  return reply.result as T;
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
