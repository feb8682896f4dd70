/**
 * pino with redaction of every credential the BFF handles (docs/security-model.md T18): the client
 * secret, access and link tokens, public tokens, cookies. Bodies are never logged; request
 * lines carry method, path (without query string), status and duration.
 */
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-link-token"]',
  'req.headers["x-client-secret"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-link-token"]',
  'headers["x-client-secret"]',
  '*.client_secret',
  '*.clientSecret',
  '*.access_token',
  '*.accessToken',
  '*.public_token',
  '*.link_token',
  '*.cookie',
  'client_secret',
  'clientSecret',
  'access_token',
  'accessToken',
  'public_token',
  'link_token',
  'cookie',
  'body',
];

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'kryptos-bff' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
