/**
 * The link token, in memory only (docs/security-model.md T17/T20): never written to an attribute, a URL or storage.
 * Fetched when the user opens the flow, reused until `expires_at`, fetched again on demand.
 */
export interface LinkTokenResponse {
  link_token: string;
  isAuthorized?: boolean;
  expires_at?: string;
}
export type LinkTokenProvider = () => Promise<LinkTokenResponse>;

export interface LinkTokenSource {
  /** The current token, fetching one if there is none or it has expired. */
  get(): Promise<string>;
  /** Drops the current token and fetches a new one (concurrent callers share the request). */
  refresh(): Promise<string>;
  /** Records the expiry the server reported (`session.expires_at`). */
  setExpiry(expiresAt: string | undefined): void;
  /** `isAuthorized` from the last token response. */
  readonly isAuthorized: boolean;
  /** The token the last refresh replaced, once (for the server-side hand-over of the sign-in). */
  takeReplaced(): string | undefined;
}

/** Safety margin so a token is not sent in its last seconds. */
const EXPIRY_SKEW_MS = 15_000;

export function createLinkTokenSource(provider: LinkTokenProvider, now: () => number = Date.now): LinkTokenSource {
  let token: string | undefined;
  let expiresAt = Infinity;
  let authorized = false;
  let pending: Promise<string> | undefined;
  let replaced: string | undefined;

  function setExpiry(iso: string | undefined) {
    const ms = iso ? Date.parse(iso) : NaN;
    expiresAt = Number.isFinite(ms) ? ms : Infinity;
  }

  function refresh(): Promise<string> {
    if (token) replaced = token;
    token = undefined;
    pending ??= (async () => {
      try {
        const response = await provider();
        if (!response || typeof response.link_token !== 'string' || !response.link_token) {
          throw Object.assign(new Error('generateLinkToken did not return {link_token}'), { code: 'INVALID_LINK_TOKEN_RESPONSE' });
        }
        authorized = response.isAuthorized === true;
        setExpiry(response.expires_at);
        token = response.link_token;
        return token;
      } finally {
        pending = undefined;
      }
    })();
    return pending;
  }

  return {
    get: () => (token && now() < expiresAt - EXPIRY_SKEW_MS ? Promise.resolve(token) : refresh()),
    refresh,
    setExpiry,
    get isAuthorized() {
      return authorized;
    },
    takeReplaced() {
      const previous = replaced;
      replaced = undefined;
      return previous;
    },
  };
}

/**
 * A provider that POSTs to the partner's own endpoint (`link-token-url`), sending its cookies and a fixed
 * custom header so a cookie-session BFF can refuse cross-site requests (docs/security-model.md T30).
 */
export function linkTokenFromUrl(url: string): LinkTokenProvider {
  return async () => {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'kryptos-connect' },
      body: '{}',
      cache: 'no-store',
    });
    const json = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    // Accept both the bare `{link_token, isAuthorized}` and a `{success, data}` envelope.
    const body = (json && typeof json.data === 'object' && json.data !== null ? json.data : json) as LinkTokenResponse | null;
    if (!response.ok || !body?.link_token) {
      throw Object.assign(new Error(`link-token-url answered ${response.status}`), {
        code: typeof json?.code === 'string' ? json.code : 'LINK_TOKEN_FAILED',
      });
    }
    return body;
  };
}
