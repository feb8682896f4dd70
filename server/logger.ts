/**
 * pino with redaction of every credential the server ever sees (T18). Request logs carry
 * method, path (no query string) and status; bodies are never logged.
 */
import pino, { type Logger } from 'pino';

/**
 * Explicit paths only: pino's wildcard redaction costs on every line. Request lines carry
 * method, path, status and timing only; these paths catch a credential logged by mistake
 * at the top level, in a `body` or in request headers.
 */
const SECRET_KEYS = ['client_secret', 'access_token', 'public_token', 'link_token', 'code', 'apiKey', 'secretKey', 'password', 'authorization', 'cookie'];
export const REDACT_PATHS = [
  ...SECRET_KEYS,
  'body',
  'req.body',
  ...['authorization', '["x-client-secret"]', '["x-link-token"]', 'cookie'].flatMap((h) => [
    `headers${h.startsWith('[') ? '' : '.'}${h}`,
    `req.headers${h.startsWith('[') ? '' : '.'}${h}`,
  ]),
];

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'connect-server' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, destination);
}
