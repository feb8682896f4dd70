/**
 * One error type for the whole server and one status per code. The Connect family renders
 * `{success:false, error, code}`; the data family (`/api/*`) renders `{error, message, details}`.
 */
export const CONNECT_ERROR_STATUS = {
  INVALID_REQUEST: 400,
  INVALID_SCOPE: 400,
  CREDENTIALS_IN_URL: 400,
  SANDBOX_PROVIDER_NOT_ALLOWED: 400,
  SANDBOX_ADDRESS_NOT_ALLOWED: 400,
  INVALID_ADDRESS: 400,
  UNKNOWN_PROVIDER: 400,
  MISSING_CREDENTIALS: 400,
  OTP_NOT_REQUESTED: 400,
  EMAIL_MISMATCH: 400,
  INVALID_OTP: 400,
  OTP_EXPIRED: 400,
  NOT_ANON_USER: 400,
  INVALID_CLIENT: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  UNAUTHORIZED: 401,
  INVALID_GRANT: 403,
  INSUFFICIENT_PERMISSIONS: 403,
  EMAIL_SIGN_IN_REQUIRED: 403,
  ACCOUNT_MISMATCH: 403,
  ACCESS_DENIED: 403,
  GRANT_NOT_FOUND: 403,
  ORIGIN_NOT_ALLOWED: 403,
  SANDBOX_ONLY: 403,
  NOT_FOUND: 404,
  WORKSPACE_NOT_FOUND: 404,
  INTEGRATION_NOT_FOUND: 404,
  CLIENT_NOT_FOUND: 404,
  CSV_SOURCE_MISSING: 404,
  TOKEN_ALREADY_USED: 409,
  ALREADY_CONNECTED: 409,
  ALREADY_SIGNED_IN: 409,
  SIGN_IN_REQUIRED: 409,
  CONSENT_ALREADY_GIVEN: 409,
  NO_INTEGRATIONS: 409,
  CSV_RESYNC_LATEST_UNSUPPORTED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  OTP_TOO_MANY_ATTEMPTS: 429,
  SIGN_IN_LOCKED: 429,
  INTERNAL_ERROR: 500,
  EMAIL_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
} as const;
export type ConnectErrorCode = keyof typeof CONNECT_ERROR_STATUS;

export const DATA_ERROR_STATUS = {
  invalid_parameters: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  wallet_not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limit_exceeded: 429,
  internal_server_error: 500,
  service_unavailable: 503,
} as const;
export type DataErrorCode = keyof typeof DATA_ERROR_STATUS;

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown[];
  /** Extra fields merged into the error body (for example `retry_after` or `existing`). */
  readonly extra?: Record<string, unknown>;
  constructor(status: number, code: string, message: string, options: { details?: unknown[]; extra?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.extra = options.extra;
  }
}

/** An error of the Connect family (partner, widget, admin APIs): `{success:false, error, code}`. */
export class ConnectError extends HttpError {
  readonly family = 'connect';
}

/** An error of the data family (`/api/*`): `{error, message, details}`. */
export class DataError extends HttpError {
  readonly family = 'data';
}

export function connectError(code: ConnectErrorCode, message: string, extra?: Record<string, unknown>): ConnectError {
  return new ConnectError(CONNECT_ERROR_STATUS[code], code, message, { extra });
}

export function dataError(code: DataErrorCode, message: string, details?: unknown[], extra?: Record<string, unknown>): DataError {
  return new DataError(DATA_ERROR_STATUS[code], code, message, { details, extra });
}
