/**
 * What of a data source's error may reach an integration's `message`, its `sync_log`, the
 * partner APIs and webhooks: never a request URL, header, body or key material. A source
 * (ccxt, an RPC, an explorer) may echo any of those in its error, so the text is cut at the
 * first sign of a dump, URLs, header lines, JSON and long tokens are replaced, and the
 * integration's own credentials are removed wherever they appear.
 */
const URL_RE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const HEADER_RE = /\b(api[-_]?key|api[-_]?sign|authorization|x-[a-z-]+|cookie|secret(?:key)?|password|signature|nonce|otp)\b\s*[:=]\s*("[^"]*"|'[^']*'|\S+)/gi;
const JSON_RE = /[{[][^{}[\]]{0,2000}[}\]]/g;
/** Long runs of token characters: API keys, secrets, signatures, hex dumps. */
const TOKEN_RE = /[A-Za-z0-9+/=_-]{20,}/g;
const DUMP_RE = /\b(GET|POST|PUT|DELETE|PATCH)\s+\S+|\b(headers?|body|payload|request)\s*[:=]/i;

export function sanitizeSourceError(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  const dump = DUMP_RE.exec(out);
  if (dump && dump.index > 0) out = out.slice(0, dump.index);
  out = out.replace(URL_RE, '[url]').replace(HEADER_RE, '$1=[redacted]').replace(JSON_RE, '').replace(TOKEN_RE, '[redacted]');
  return out.replace(/\s+/g, ' ').trim().slice(0, 300) || 'The data source reported an error';
}
