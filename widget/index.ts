/**
 * Public entry of the `<kryptos-connect>` web component. Importing it defines the element (guarded).
 * @module
 */
export { KryptosConnect } from './kryptos-connect.ts';
export { WidgetApiError, createWidgetApi } from './api.ts';
export type { WidgetApi, Session, Provider, Integration, Scope } from './api.ts';
export type { LinkTokenProvider, LinkTokenResponse } from './link-token.ts';
export type { ConnectSuccessDetail, ConnectRedirectDetail, ConnectEventDetail, ConnectEventType, ConnectError } from './events.ts';
export type { Prefill } from './steps/connect-step.ts';
