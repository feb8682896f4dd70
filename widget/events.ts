/** Public events of `<kryptos-connect>` and the internal events its steps send up to it. */
import type { ExitStep, Integration, Provider, SignedIn, Workspace } from './api.ts';

export type ConnectSuccessDetail = { public_token: string } | null;
/** `connect-redirect` detail (OAuth mode, the hosted page only): where the consent sends the browser. */
export interface ConnectRedirectDetail {
  redirect_to: string;
}
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

/** Internal: a step finished; its detail is a `StepResult`. */
export const STEP_DONE = 'kc-step-done';

/**
 * How a step finished: every outcome of every step, told apart by `kind` (the root's
 * `handleStepDone` switches over all of them; a new kind fails to compile until handled).
 */
export type StepResult =
  /** email step: a code was sent to `email`; resend allowed in `resendIn` seconds. */
  | { kind: 'code_sent'; email: string; resendIn: number }
  /** code step: "change email". */
  | { kind: 'change_email' }
  /** email step (guest) or code step (verified): who is signed in, and their workspaces. */
  | { kind: 'signed_in'; signedIn: SignedIn }
  /** workspace step: the chosen workspace. */
  | { kind: 'workspace_chosen'; workspace: Workspace }
  /** provider list: the chosen provider. */
  | { kind: 'provider_chosen'; provider: Provider }
  /** connect step, after a refusal: back to the provider list. */
  | { kind: 'choose_another' }
  /** connect step: what this call added; `fresh: false` when they were all there already. */
  | { kind: 'connected'; integrations: Integration[]; fresh: boolean }
  /** accounts step: add another account. */
  | { kind: 'add_another' }
  /** accounts step: an account was removed (its id). */
  | { kind: 'removed'; id: string }
  /** accounts step: go on (to consent, or record a resumed session's consent). */
  | { kind: 'continue' }
  /** consent step: the public token, or `null` on a resumed session. */
  | { kind: 'consented'; public_token: string | null; redirect_to?: string }
  /** success step: done. */
  | { kind: 'close' };
/** Internal: a step wants a `connect-event` reported (provider_selected, credentials_submitted, error). */
export const STEP_TRACK = 'kc-step-track';
export interface TrackDetail {
  type: ConnectEventType;
  provider?: string;
  code?: string;
}

/** Steps dispatch internal events that bubble to the root's shadow root only (not composed). */
export function emitInternal<T>(target: EventTarget, name: string, detail: T): void {
  target.dispatchEvent(new CustomEvent<T>(name, { detail, bubbles: true, composed: false }));
}

declare global {
  interface HTMLElementEventMap {
    'connect-success': CustomEvent<ConnectSuccessDetail>;
    'connect-error': CustomEvent<ConnectError>;
    'connect-event': CustomEvent<ConnectEventDetail>;
    'connect-redirect': CustomEvent<ConnectRedirectDetail>;
  }
}
