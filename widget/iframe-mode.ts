/**
 * `<kryptos-connect mode="iframe">` (loaded lazily): the screens run in an iframe of the connect
 * server (`/connect/frame`), so the host page's scripts can read neither what the user types nor
 * the link token. The host page only ever holds a short-lived single-use frame handle from its
 * backend; it is posted to the frame (target origin: the connect server), which redeems it itself.
 * Messages back are accepted only from that frame's window and the connect server's origin, and
 * re-dispatched as the usual `connect-success` (at most once), `connect-error` and `connect-event`.
 */
import { emit, type ConnectError, type ConnectEventDetail, type ConnectSuccessDetail } from './events.ts';

export interface FrameOptions {
  /** The connect server origin (`api-base`). */
  connectOrigin: string;
  /** Resolves to `{handle, client_id}` from the partner's backend. */
  getHandle: () => Promise<FrameHandle>;
  /** Non-secret display options passed to the frame (`theme`, `language`, …). */
  options: Record<string, string>;
}

export interface FrameHandle {
  handle: string;
  client_id: string;
}

const delivered = new Set<string>();

/** POSTs `{}` to the partner's endpoint (same-origin cookies, the CSRF header) for `{handle, client_id}`. */
export function frameHandleFromUrl(url: string): () => Promise<FrameHandle> {
  return async () => {
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'kryptos-connect' },
      body: '{}',
    });
    const json = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    const body = (json && typeof json.data === 'object' && json.data !== null ? json.data : json) as Partial<FrameHandle> | null;
    if (!response.ok || typeof body?.handle !== 'string' || typeof body.client_id !== 'string') {
      throw Object.assign(new Error(`frame-handle-url answered ${response.status}`), {
        code: typeof json?.code === 'string' ? json.code : 'LINK_TOKEN_FAILED',
      });
    }
    return { handle: body.handle, client_id: body.client_id };
  };
}

/** Opens the frame over the page; resolves when it closes. */
export async function openFrame(host: HTMLElement, root: ShadowRoot, o: FrameOptions): Promise<void> {
  let given: FrameHandle;
  try {
    given = await o.getHandle();
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    emit<ConnectError>(host, 'connect-error', Object.assign(err, { code: (err as { code?: string }).code ?? 'LINK_TOKEN_FAILED' }));
    return;
  }
  const origin = new URL(o.connectOrigin, document.baseURI).origin;
  const frame = document.createElement('iframe');
  const src = new URL('/connect/frame', origin);
  src.searchParams.set('client_id', given.client_id);
  src.searchParams.set('origin', location.origin);
  frame.src = src.href;
  frame.title = 'Kryptos Connect';
  frame.setAttribute('allow', 'clipboard-write');
  frame.style.cssText = 'position:fixed;inset:0;width:100vw;height:100dvh;border:0;z-index:2147483647;background:transparent;color-scheme:normal';
  let succeeded = false;
  let posted = false;
  return new Promise<void>((resolve) => {
    const done = () => {
      window.removeEventListener('message', onMessage);
      frame.remove();
      resolve();
    };
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== origin || event.source !== frame.contentWindow) return;
      const data = event.data as { source?: string; type?: string; detail?: unknown } | null;
      if (!data || data.source !== 'kryptos-connect-frame') return;
      switch (data.type) {
        case 'ready':
          // Once: the handle is single use, and only the frame at the connect server's origin can receive it.
          if (!posted) frame.contentWindow?.postMessage({ source: 'kryptos-connect-host', type: 'start', handle: given.handle, options: o.options }, origin);
          posted = true;
          return;
        case 'success': {
          const detail = data.detail as ConnectSuccessDetail;
          const token = detail && typeof detail.public_token === 'string' ? detail.public_token : null;
          if (succeeded || (token && delivered.has(token))) return;
          succeeded = true;
          if (token) delivered.add(token);
          emit<ConnectSuccessDetail>(host, 'connect-success', token ? { public_token: token } : null);
          return;
        }
        case 'error': {
          const d = (data.detail ?? {}) as { name?: string; code?: string; message?: string };
          const err = Object.assign(new Error(String(d.message ?? 'Kryptos Connect failed')), {
            name: String(d.name ?? 'Error'),
            code: String(d.code ?? 'UNKNOWN_ERROR'),
          });
          emit<ConnectError>(host, 'connect-error', err);
          return;
        }
        case 'event':
          emit<ConnectEventDetail>(host, 'connect-event', data.detail as ConnectEventDetail);
          return;
        case 'closed':
          done();
          return;
        default:
      }
    };
    window.addEventListener('message', onMessage);
    root.appendChild(frame);
  });
}
