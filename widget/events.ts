/** Public events of `<kryptos-connect>` and the internal events its steps send up to it. */
import type { ExitStep } from './api.ts';

export type ConnectSuccessDetail = { public_token: string } | null;
export type ConnectEventType = 'open' | 'step_shown' | 'provider_selected' | 'credentials_submitted' | 'error' | 'exit' | 'success';
export interface ConnectEventDetail {
  type: ConnectEventType;
  session_id: string;
  step?: ExitStep;
  provider?: string;
  code?: string;
  timestamp: number;
}
/** `connect-error` detail: an `Error` with a contract `code` (`USER_CLOSED` for an `AbortError`). */
export type ConnectError = Error & { code: string };

/** Dispatches a bubbling, composed CustomEvent (crosses shadow roots so any framework can listen). */
export function emit<T>(target: EventTarget, name: string, detail: T): void {
  target.dispatchEvent(new CustomEvent<T>(name, { detail, bubbles: true, composed: true }));
}

/** Internal: a step finished; `detail` says how (each step documents its own shape). */
export const STEP_DONE = 'kc-step-done';
/** Internal: a step wants a `connect-event` reported (provider_selected, credentials_submitted, error). */
export const STEP_TRACK = 'kc-step-track';
export interface TrackDetail { type: ConnectEventType; provider?: string; code?: string }

/** Steps dispatch internal events that bubble to the root's shadow root only (not composed). */
export function emitInternal<T>(target: EventTarget, name: string, detail: T): void {
  target.dispatchEvent(new CustomEvent<T>(name, { detail, bubbles: true, composed: false }));
}

declare global {
  interface HTMLElementEventMap {
    'connect-success': CustomEvent<ConnectSuccessDetail>;
    'connect-error': CustomEvent<ConnectError>;
    'connect-event': CustomEvent<ConnectEventDetail>;
  }
}
