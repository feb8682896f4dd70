/**
 * The widget's HTTP client for `/widget/*` (docs/widget-api.md), and the only module that calls `fetch`
 * for it. Unwraps the `{success, data}` envelope, turns failures into {@link WidgetApiError}, and on
 * `TOKEN_EXPIRED` / `INVALID_TOKEN` fetches a fresh link token and retries the call once.
 */
import type { LinkTokenSource } from './link-token.ts';

export type {
  Scope,
  User,
  Workspace,
  SandboxRules,
  Session,
  CredentialName,
  CredentialField,
  Provider,
  IntegrationStatus,
  Integration,
  AddressInfo,
  NewIntegration,
  ExitStep,
  SignedIn,
} from '../contract/widget-api.ts';
import type { AddressInfo, ExitStep, Integration, NewIntegration, Provider, Session, SignedIn, Workspace } from '../contract/widget-api.ts';

/** A failed widget call: `status` 0 and code `NETWORK_ERROR` when the server could not be reached. */
export class WidgetApiError extends Error {
  readonly status: number;
  readonly code: string;
  /** `data` of the error envelope, e.g. `{existing}` for `ALREADY_CONNECTED`. */
  readonly data: unknown;
  /** Seconds to wait, from a `retry_after` field or the `Retry-After` header (`RATE_LIMITED`). */
  readonly retryAfter?: number;
  constructor(status: number, code: string, message: string, data?: unknown, retryAfter?: number) {
    super(message);
    this.name = 'WidgetApiError';
    this.status = status;
    this.code = code;
    this.data = data;
    this.retryAfter = retryAfter;
  }
}

export interface WidgetApi {
  session(): Promise<Session>;
  requestEmailCode(email: string): Promise<{ sent: boolean; expires_in: number; resend_in: number }>;
  verifyEmailCode(email: string, code: string): Promise<SignedIn>;
  continueAsGuest(): Promise<SignedIn>;
  selectWorkspace(workspaceId: string): Promise<{ workspace: Workspace }>;
  providers(): Promise<Provider[]>;
  detectChains(address: string): Promise<AddressInfo>;
  integrations(): Promise<Integration[]>;
  /** The integrations the call added, then those of the request that were already there (`existing`). */
  addIntegration(body: NewIntegration): Promise<Integration[]>;
  deleteIntegration(id: string): Promise<void>;
  /** `{redirect_to}` instead of a public token in OAuth mode (the hosted page). */
  consent(scopes: string[]): Promise<{ public_token: string | null; redirect_to?: string }>;
  exit(body: { step: ExitStep; reason: 'user_closed' | 'error' | 'timeout' | 'other'; session_id?: string }): Promise<void>;
  /** Absolute URL of a server path such as a provider `logo`, against the api base origin. */
  resolve(path: string): string;
}

export interface WidgetApiOptions {
  /** `/kryptos` (BFF proxy, the default) or a connect server origin such as `http://127.0.0.1:4000`. */
  apiBase: string;
  linkToken: LinkTokenSource;
}

const TOKEN_CODES = new Set(['TOKEN_EXPIRED', 'INVALID_TOKEN']);

/** Builds the client for one flow. */
export function createWidgetApi({ apiBase, linkToken }: WidgetApiOptions): WidgetApi {
  const base = new URL(apiBase.replace(/\/+$/, '') + '/widget/', document.baseURI);

  /** After a refresh, carries the sign-in over from the replaced token (one hand-over, server-checked). */
  async function withHandover(token: string): Promise<string> {
    const previous = linkToken.takeReplaced();
    if (previous) await sendOnce('POST', 'session/continue', { previous_link_token: previous }, token).catch(() => undefined);
    return token;
  }

  async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const token = await withHandover(await linkToken.get());
    try {
      return await sendOnce<T>(method, path, body, token);
    } catch (error) {
      if (!(error instanceof WidgetApiError) || !TOKEN_CODES.has(error.code)) throw error;
      // The link token lapsed (30 min) or was rotated: get a fresh one silently, carry the
      // sign-in over to it, and retry once.
      return sendOnce<T>(method, path, body, await withHandover(await linkToken.refresh()));
    }
  }

  async function sendOnce<T>(method: string, path: string, body: unknown, token: string): Promise<T> {
    const headers: Record<string, string> = { 'X-LINK-TOKEN': token, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (cause) {
      throw new WidgetApiError(0, 'NETWORK_ERROR', cause instanceof Error ? cause.message : 'Network error');
    }
    const json = (await response.json().catch(() => null)) as Envelope<T> | null;
    if (response.ok && json?.success) return json.data as T;
    const header = Number(response.headers.get('Retry-After'));
    const retryAfter = json?.retry_after ?? (json?.data as { retry_after?: number } | undefined)?.retry_after;
    // Extra fields of the error envelope (`attempts_left`, `existing`, `checksum_ok`, …) sit beside `error` and `code`.
    const { success: _s, error: _e, code: _c, data, ...extra } = json ?? {};
    throw new WidgetApiError(
      response.status,
      json?.code ?? `HTTP_${response.status}`,
      json?.error ?? response.statusText,
      data && typeof data === 'object' ? { ...extra, ...data } : Object.keys(extra).length ? extra : data,
      retryAfter ?? (Number.isFinite(header) && header > 0 ? header : undefined),
    );
  }

  return {
    session: () => send('GET', 'session'),
    requestEmailCode: (email) => send('POST', 'auth/email/request', { email }),
    verifyEmailCode: (email, code) => send('POST', 'auth/email/verify', { email, code }),
    continueAsGuest: () => send('POST', 'auth/guest', {}),
    selectWorkspace: (workspace_id) => send('POST', 'workspaces/select', { workspace_id }),
    providers: async () => (await send<{ providers: Provider[] }>('GET', 'providers')).providers,
    detectChains: (address) => send('POST', 'address/chains', { address }),
    integrations: async () => (await send<{ integrations: Integration[] }>('GET', 'integrations')).integrations,
    addIntegration: async (body) => {
      const { integrations, existing = [] } = await send<{ integrations: Integration[]; existing?: Integration[] }>('POST', 'integrations', body);
      return [...integrations, ...existing.filter((e) => !integrations.some((i) => i.id === e.id))];
    },
    deleteIntegration: async (id) => void (await send('DELETE', `integrations/${encodeURIComponent(id)}`)),
    consent: (scopes) => send('POST', 'consent', { scopes }),
    exit: async (body) => void (await send('POST', 'exit', body)),
    resolve: (path) => new URL(path, base.origin).href,
  };
}

interface Envelope<T> {
  success: boolean;
  data?: T;
  error?: string;
  code?: string;
  retry_after?: number;
  [extra: string]: unknown;
}

/** Wraps anything thrown into a WidgetApiError so screens can rely on `.code`. */
export function toWidgetApiError(error: unknown): WidgetApiError {
  if (error instanceof WidgetApiError) return error;
  return new WidgetApiError(0, 'UNKNOWN_ERROR', error instanceof Error ? error.message : String(error));
}
