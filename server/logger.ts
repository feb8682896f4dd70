/**
 * pino with redaction of every credential the server ever sees (T18). Request logs carry
 * method, path (no query string) and status; bodies are never logged.
 */
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers["x-client-secret"]', 'req.headers["x-link-token"]', 'req.headers.cookie',
  'headers.authorization', 'headers["x-client-secret"]', 'headers["x-link-token"]', 'headers.cookie',
  '*.client_secret', '*.access_token', '*.public_token', '*.link_token', '*.code', '*.apiKey', '*.secretKey', '*.password',
  'client_secret', 'access_token', 'public_token', 'link_token', 'code', 'apiKey', 'secretKey', 'password', 'body',
];

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, base: { service: 'connect-server' }, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    destination,
  );
}
