/**
 * The BFF's errors. Its own routes answer the Connect envelope
 * `{success: false, error: <message>, code: <CODE>}` (the widget's link-token provider reads
 * `code`); the data route answers the data-API v1 shape `{error, message, details}`.
 */
export type BffErrorCode =
  | 'INVALID_REQUEST'
  | 'SIGN_IN_REQUIRED'
  | 'CSRF_HEADER_REQUIRED'
  | 'LINK_TOKEN_REQUIRED'
  | 'USER_MISMATCH'
  | 'NOT_CONNECTED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMITED'
  | 'UPSTREAM_ERROR'
  | 'UPSTREAM_TIMEOUT'
  | 'STORED_TOKEN_UNREADABLE'
  | 'INTERNAL_ERROR';

export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  readonly family: 'connect' | 'data';
  constructor(status: number, code: string, message: string, family: 'connect' | 'data' = 'connect') {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.family = family;
  }
}

export const bffError = (status: number, code: BffErrorCode, message: string) => new HttpError(status, code, message);

export type DataErrorCode =
  'invalid_parameters' | 'unauthorized' | 'not_found' | 'bad_gateway' | 'gateway_timeout' | 'rate_limit_exceeded' | 'internal_server_error';
export const dataError = (status: number, code: DataErrorCode, message: string) => new HttpError(status, code, message, 'data');

/** A failed call to the connect server, carrying its status and contract code. */
export class UpstreamError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'UpstreamError';
    this.status = status;
    this.code = code;
  }
}
