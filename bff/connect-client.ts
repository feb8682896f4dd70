/**
 * The only module that talks to the connect server, and the only holder of the client
 * secret (docs/security-model.md T33). Every call goes to `${CONNECT_URL}` + a path built here from
 * constants — never a URL or host from a request (T31) — with `redirect: 'manual'` (a
 * redirect is an error, so credentials never follow it elsewhere) and a timeout.
 */
import { UpstreamError } from './errors.ts';

export type ConnectClientOptions = { connectUrl: string; clientId: string; clientSecret: string; timeoutMs: number };

/** `has_existing_grant` is always there on this server (false unless resumed); the hosted one may omit it. */
export type LinkTokenData = {
  link_token: string;
  expires_at: string;
  has_existing_grant?: boolean;
  resume_refused?: string;
  user_id?: string;
  workspace_id?: string;
};
export type ExchangeData = {
  access_token: string;
  grant_id: string;
  token_type: string;
  expires_in: number;
  scope: string;
  workspace_id: string;
  user_id: string;
  user_reference: string | null;
};

/** A raw upstream answer, passed to the browser as is (status, JSON text, a few headers). */
export type RawResponse = { status: number; body: string; contentType: string | null; retryAfter: string | null };

export function createConnectClient(o: ConnectClientOptions) {
  const base = new URL(o.connectUrl.endsWith('/') ? o.connectUrl : `${o.connectUrl}/`);
  const clientHeaders = { 'X-Client-Id': o.clientId, 'X-Client-Secret': o.clientSecret };

  /** Resolves a fixed relative path against the connect URL and checks it stayed on that origin and prefix. */
  function target(path: string): URL {
    const url = new URL(path.replace(/^\/+/, ''), base);
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname) || url.search || url.hash) {
      throw new UpstreamError(500, 'UPSTREAM_ERROR', 'Refusing to call outside the connect server');
    }
    return url;
  }

  async function send(method: string, path: string, headers: Record<string, string>, body?: string, query?: URLSearchParams): Promise<RawResponse> {
    const url = target(path);
    if (query && [...query.keys()].length) url.search = query.toString();
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(o.timeoutMs) });
    } catch (error) {
      const timeout = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
      throw new UpstreamError(
        timeout ? 504 : 502,
        timeout ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_ERROR',
        timeout ? 'The connect server did not answer in time' : 'The connect server could not be reached',
      );
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      throw new UpstreamError(502, 'UPSTREAM_ERROR', 'The connect server answered with a redirect, which is not followed');
    }
    return {
      status: response.status,
      body: await response.text(),
      contentType: response.headers.get('content-type'),
      retryAfter: response.headers.get('retry-after'),
    };
  }

  /** Partner endpoint call: client credentials in headers, Connect envelope unwrapped. */
  async function partner<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { ...clientHeaders, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const raw = await send(method, path, headers, body === undefined ? undefined : JSON.stringify(body));
    type Envelope = { success?: boolean; data?: unknown; error?: unknown; code?: unknown };
    let json: Envelope | null;
    try {
      json = JSON.parse(raw.body) as Envelope | null;
    } catch {
      json = null;
    }
    if (raw.status >= 200 && raw.status < 300 && json?.success === true) return (json.data ?? json) as T;
    const code = typeof json?.code === 'string' ? json.code : 'UPSTREAM_ERROR';
    const message = typeof json?.error === 'string' ? json.error : `The connect server answered ${raw.status}`;
    throw new UpstreamError(raw.status >= 400 ? raw.status : 502, code, message);
  }

  return {
    createLinkToken: (b: { scopes: string; access_token?: string; user_reference: string }) => partner<LinkTokenData>('POST', 'link-token', b),
    /** Iframe mode: a 60-second single-use handle for a link token (`POST /connect/frame/handle`). */
    frameHandle: (link_token: string) => partner<{ handle: string; expires_at: string }>('POST', 'connect/frame/handle', { link_token }),
    exchange: (publicToken: string) => partner<ExchangeData>('POST', 'token/exchange', { public_token: publicToken }),
    revoke: (grantId: string) => partner<unknown>('POST', 'token/revoke', { grant_id: grantId }),

    /** `GET /api/v1/<resource>` with the user's Bearer token and the client headers (contract section 8). */
    data(resource: string, query: URLSearchParams, accessToken: string): Promise<RawResponse> {
      return send('GET', `api/v1/${resource}`, { ...clientHeaders, Authorization: `Bearer ${accessToken}`, Accept: 'application/json' }, undefined, query);
    },

    /** `POST /api/v1/reports` (reports:write): queues a tax report for the user's workspace. */
    createReport(body: { type: string; year: number }, accessToken: string): Promise<RawResponse> {
      return send(
        'POST',
        'api/v1/reports',
        { ...clientHeaders, Authorization: `Bearer ${accessToken}`, Accept: 'application/json', 'Content-Type': 'application/json' },
        JSON.stringify(body),
      );
    },

    /**
     * A widget call (`/widget/<path>`): the link token, the JSON body and the client credentials,
     * which prove to the connect server that this is the partner's BFF (limited per link token,
     * not per address, since every user shares the BFF's).
     */
    widget(method: string, path: string, linkToken: string, body: string | undefined): Promise<RawResponse> {
      const headers: Record<string, string> = { ...clientHeaders, 'X-LINK-TOKEN': linkToken, Accept: 'application/json' };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      return send(method, `widget/${path}`, headers, body);
    },

    /** A provider logo (`/integrations/logos/<id>.svg`), public. */
    logo: (file: string) => send('GET', `integrations/logos/${file}`, { Accept: 'image/svg+xml' }),
  };
}

export type ConnectClient = ReturnType<typeof createConnectClient>;
