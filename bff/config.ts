/**
 * The BFF's configuration: read from the environment here and nowhere else. A bad value
 * stops the start with a message that names the variable.
 *
 * There is deliberately no "cookie secure" switch: the session cookie is `__Host-`, which
 * browsers only accept with `Secure`. Chromium and Firefox treat http://localhost and
 * http://127.0.0.1 as secure contexts, so development works without TLS; any other host
 * must be served over HTTPS (docs/security-model.md T26, T30).
 */
import { z } from 'zod';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const Int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** The contract's default scopes for a new client (reference section 3.2). */
export const DEFAULT_SCOPES =
  'openid profile offline_access email portfolios:read transactions:read integrations:read tax:read accounting:read reports:read workspace:read users:read';

const ConnectUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL such as http://127.0.0.1:4000' }).refine((u) => {
  const url = new URL(u);
  return !url.search && !url.hash && !url.username && !url.password;
}, 'must be scheme://host[:port][/path] without query, fragment or credentials');

const Base64Key = z.string().refine((v) => {
  const key = Buffer.from(v.trim(), 'base64');
  return key.length === 32 && key.toString('base64') === v.trim();
}, 'must be 32 bytes encoded in base64 (generate one with: openssl rand -base64 32)');

const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  CONNECT_URL: ConnectUrl,
  KRYPTOS_CLIENT_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be the client id from the developer portal (client_…)'),
  KRYPTOS_CLIENT_SECRET: z.string().min(16, 'must be the client secret from the developer portal (cs_…)').max(128),
  BFF_ENCRYPTION_KEY: Base64Key,
  /** During a key rotation: the previous key, still used to read rows written before (docs/security-model.md T32). */
  BFF_PREVIOUS_ENCRYPTION_KEY: Base64Key.optional(),
  BFF_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters (generate one with: openssl rand -base64 48)'),
  BFF_PORT: Int(0, 65535).default(3000),
  BFF_HOST: z.string().min(1).default('127.0.0.1'),
  BFF_DB: z.string().min(1).default('data/bff.db'),
  BFF_SCOPES: z
    .string()
    .trim()
    .regex(/^[a-z_:]+( [a-z_:]+)*$/, 'must be space-separated scopes such as "openid portfolios:read"')
    .default(DEFAULT_SCOPES),
  BFF_TRUST_PROXY: z
    .string()
    .regex(/^\d{1,2}$/, 'must be a hop count (0–99), never "true"')
    .optional(),
  BFF_UPSTREAM_TIMEOUT_MS: Int(100, 120_000).default(10_000),
  BFF_SESSION_TTL_HOURS: Int(1, 24 * 90).default(24 * 7),
  BFF_RATE_LIMIT_PER_MINUTE: Int(1, 10_000_000).default(600),
  LOG_LEVEL: LogLevel.default('info'),
  /** The webhook signing secret the connect server showed for this client (whsec_…); without it the receiver is off. */
  BFF_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9_-]{20,200}$/, 'must be the webhook signing secret from the connect server (whsec_…)')
    .optional(),
});

export type BffConfig = {
  env: 'development' | 'production' | 'test';
  connectUrl: string;
  clientId: string;
  clientSecret: string;
  encryptionKey: Buffer;
  previousEncryptionKey: Buffer | undefined;
  sessionSecret: string;
  port: number;
  host: string;
  dbFile: string;
  scopes: string;
  trustProxy: number | false;
  upstreamTimeoutMs: number;
  sessionTtlMs: number;
  rateLimitPerMinute: number;
  logLevel: z.infer<typeof LogLevel>;
  webhookSecret: string | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadBffConfig(env: NodeJS.ProcessEnv = process.env): BffConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `${i.path.join('.')}: ${i.path.length ? i.message.replace(/^Invalid input: expected string, received undefined$/, 'is required') : i.message}`,
    );
    throw new ConfigError(`Invalid BFF configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    env: e.NODE_ENV,
    connectUrl: e.CONNECT_URL.replace(/\/+$/, ''),
    clientId: e.KRYPTOS_CLIENT_ID,
    clientSecret: e.KRYPTOS_CLIENT_SECRET,
    encryptionKey: Buffer.from(e.BFF_ENCRYPTION_KEY.trim(), 'base64'),
    previousEncryptionKey: e.BFF_PREVIOUS_ENCRYPTION_KEY ? Buffer.from(e.BFF_PREVIOUS_ENCRYPTION_KEY.trim(), 'base64') : undefined,
    sessionSecret: e.BFF_SESSION_SECRET,
    port: e.BFF_PORT,
    host: e.BFF_HOST,
    dbFile: e.BFF_DB,
    scopes: e.BFF_SCOPES,
    trustProxy: e.BFF_TRUST_PROXY === undefined ? false : Number(e.BFF_TRUST_PROXY),
    upstreamTimeoutMs: e.BFF_UPSTREAM_TIMEOUT_MS,
    sessionTtlMs: e.BFF_SESSION_TTL_HOURS * 3_600_000,
    rateLimitPerMinute: e.BFF_RATE_LIMIT_PER_MINUTE,
    logLevel: e.LOG_LEVEL,
    webhookSecret: e.BFF_WEBHOOK_SECRET,
  };
}
