/**
 * The connect server's configuration: read from the environment here and nowhere else.
 * A bad value stops the start with a message that names the variable.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { EVM_CHAIN_IDS, PROVIDERS } from './catalogue.ts';

const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);
const Int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const HttpUrl = z.url({ protocol: /^https?$/ });
const EXCHANGE_IDS = PROVIDERS.filter((p) => p.type === 'exchange').map((p) => p.id);
export const DEFAULT_COINGECKO_URL = 'https://api.coingecko.com/api/v3';

const Env = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  CONNECT_PORT: Int(0, 65535).default(4000),
  CONNECT_HOST: z.string().min(1).default('127.0.0.1'),
  CONNECT_DB: z.string().min(1).default('data/connect.db'),
  CONNECT_ENCRYPTION_KEY: z.string().optional(),
  CONNECT_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CONNECT_ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').optional(),
  CONNECT_TRUST_PROXY: z
    .string()
    .regex(/^(\d{1,2}|loopback|uniquelocal|linklocal|[0-9a-f.:/, ]+)$/i, 'a hop count or a list of CIDRs, never "true"')
    .optional(),
  CONNECT_RATE_LIMIT_PER_MINUTE: Int(1, 10_000_000).default(600),
  CONNECT_IP_RATE_LIMIT_PER_MINUTE: Int(1, 10_000_000).default(1200),
  CONNECT_AUTH_FAILURES_PER_15_MINUTES: Int(1, 1_000_000).default(30),
  CONNECT_OTP_REQUESTS_PER_HOUR: Int(1, 10_000).default(5),
  CONNECT_GUESTS_PER_IP_PER_HOUR: Int(1, 1_000_000).default(60),
  CONNECT_GUESTS_PER_CLIENT_PER_HOUR: Int(1, 10_000_000).default(1000),
  CONNECT_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  CONNECT_MAIL_FROM: z.string().min(3).default('Kryptos Connect <no-reply@localhost>'),
  CONNECT_READ_CACHE_MB: Int(0, 4096).default(32),
  CONNECT_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  CONNECT_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, : _ - only')
    .default('kc:'),
  CONNECT_WEBHOOK_PRIVATE_TARGETS: z.enum(['allow', 'deny']).optional(),
  CONNECT_AUDIT_RETENTION_DAYS: Int(1, 36_500).default(365),
  CONNECT_ADMIN_FAILURES_PER_15_MINUTES: Int(1, 1_000_000).default(10),
  CONNECT_OIDC_KEY_ROTATION_DAYS: Int(1, 3650).default(90),
  LOG_LEVEL: LogLevel.default('info'),
  // Data sources (README "Data sources"): per-chain RPCs and explorers, Solana, Bitcoin, exchanges, prices.
  EVM_LOG_CHUNK_BLOCKS: Int(1, 1_000_000).default(2000),
  SOLANA_RPC_URL: HttpUrl.optional(),
  BITCOIN_ESPLORA_URL: HttpUrl.optional(),
  COINGECKO_URL: HttpUrl.optional(),
  COINGECKO_API_KEY: z.string().min(1).optional(),
  SOURCE_TIMEOUT_MS: Int(100, 600_000).default(20_000),
  EXCHANGE_MIN_REQUEST_INTERVAL_MS: Int(0, 60_000).optional(),
});

/** Per-chain and per-exchange variables (`EVM_RPC_URL_POLYGON`, `EXCHANGE_URL_KRAKEN`, …). */
const SourceEnv = z.object(
  Object.fromEntries([
    ...EVM_CHAIN_IDS.flatMap((c) => {
      const C = c.toUpperCase();
      return [
        [`EVM_RPC_URL_${C}`, HttpUrl.optional()],
        [`EVM_EXPLORER_URL_${C}`, HttpUrl.optional()],
        [`EVM_EXPLORER_API_KEY_${C}`, z.string().min(1).optional()],
        [`EVM_TOKEN_LIST_${C}`, z.string().min(1).optional()],
      ];
    }),
    ...EXCHANGE_IDS.map((id) => [`EXCHANGE_URL_${id.toUpperCase()}`, HttpUrl.optional()]),
  ]) as Record<string, z.ZodOptional<z.ZodString>>,
);

export type EvmChainConfig = { rpcUrl?: string; explorerUrl?: string; explorerApiKey?: string; tokenListFile?: string };

/** Where the real data sources connect; unset = that source fails clearly ("No RPC configured for polygon"). */
export type SourcesConfig = {
  evm: Record<string, EvmChainConfig>;
  logChunkBlocks: number;
  solanaRpcUrl?: string;
  bitcoinEsploraUrl?: string;
  /** Override of an exchange's REST base URL, by ccxt id (tests point ccxt at 127.0.0.1; unset in production). */
  exchangeUrls: Record<string, string>;
  /** Replaces ccxt's own request throttle (0 = none); unset = ccxt's per-exchange rate limit. */
  exchangeMinIntervalMs?: number;
  /** CoinGecko-compatible price API; unset = https://api.coingecko.com/api/v3 in production, offline sandbox prices otherwise. */
  coingeckoUrl?: string;
  coingeckoApiKey?: string;
  timeoutMs: number;
};

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dbFile: string;
  encryptionKey: Buffer;
  publicUrl: string | undefined;
  adminToken: string | undefined;
  trustProxy: string | number | false;
  rateLimits: {
    perClientPerMinute: number;
    perIpPerMinute: number;
    authFailuresPer15Minutes: number;
    otpRequestsPerHour: number;
    guestsPerIpPerHour: number;
    guestsPerClientPerHour: number;
  };
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: z.infer<typeof LogLevel>;
  /** Byte budget of serialized data pages kept until the next write (0 = off). */
  readCacheMb: number;
  /** Redis for what instances share (rate limits, failure counters); unset = this process's memory. */
  redis: { url: string; prefix: string } | undefined;
  /** Webhooks to loopback/private/reserved addresses: denied in production unless set, allowed in development and tests. */
  webhookPrivateTargets: 'allow' | 'deny';
  /** Audit events older than this are pruned hourly in the background. */
  auditRetentionDays: number;
  /** Failed admin authentications per IP per 15 minutes before 429. */
  adminFailuresPer15Minutes: number;
  /** Age at which the id_token signing key is replaced (the old one stays in the JWKS a while). */
  oidcKeyRotationDays: number;
  sources: SourcesConfig;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function decodeKey(value: string, variable: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== 32 || key.toString('base64') !== value.trim()) {
    throw new ConfigError(`${variable} must be 32 bytes encoded in base64 (generate one with: openssl rand -base64 32)`);
  }
  return key;
}

/** Reads the development key from next to the database, creating it on first start. */
function developmentKey(dbFile: string): Buffer {
  const dir = dbFile === ':memory:' ? 'data' : dirname(dbFile);
  const file = join(dir, 'connect-encryption.key');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return decodeKey(readFileSync(file, 'utf8'), `CONNECT_ENCRYPTION_KEY (from ${file})`);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  const sourceEnv = SourceEnv.safeParse(env);
  if (!parsed.success || !sourceEnv.success) {
    const lines = [...(parsed.error?.issues ?? []), ...(sourceEnv.error?.issues ?? [])].map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  let encryptionKey: Buffer;
  if (e.CONNECT_ENCRYPTION_KEY) encryptionKey = decodeKey(e.CONNECT_ENCRYPTION_KEY, 'CONNECT_ENCRYPTION_KEY');
  else if (e.NODE_ENV === 'production') throw new ConfigError('CONNECT_ENCRYPTION_KEY is required in production');
  else encryptionKey = developmentKey(e.CONNECT_DB);
  if (e.NODE_ENV === 'production' && !e.CONNECT_PUBLIC_URL) {
    throw new ConfigError('CONNECT_PUBLIC_URL is required in production');
  }
  const trust = e.CONNECT_TRUST_PROXY;
  return {
    env: e.NODE_ENV,
    port: e.CONNECT_PORT,
    host: e.CONNECT_HOST,
    dbFile: e.CONNECT_DB,
    encryptionKey,
    publicUrl: e.CONNECT_PUBLIC_URL?.replace(/\/$/, ''),
    adminToken: e.CONNECT_ADMIN_TOKEN,
    trustProxy: trust === undefined ? false : /^\d+$/.test(trust) ? Number(trust) : trust,
    rateLimits: {
      perClientPerMinute: e.CONNECT_RATE_LIMIT_PER_MINUTE,
      perIpPerMinute: e.CONNECT_IP_RATE_LIMIT_PER_MINUTE,
      authFailuresPer15Minutes: e.CONNECT_AUTH_FAILURES_PER_15_MINUTES,
      otpRequestsPerHour: e.CONNECT_OTP_REQUESTS_PER_HOUR,
      guestsPerIpPerHour: e.CONNECT_GUESTS_PER_IP_PER_HOUR,
      guestsPerClientPerHour: e.CONNECT_GUESTS_PER_CLIENT_PER_HOUR,
    },
    smtpUrl: e.CONNECT_SMTP_URL,
    mailFrom: e.CONNECT_MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    readCacheMb: e.CONNECT_READ_CACHE_MB,
    redis: e.CONNECT_REDIS_URL ? { url: e.CONNECT_REDIS_URL, prefix: e.CONNECT_REDIS_PREFIX } : undefined,
    auditRetentionDays: e.CONNECT_AUDIT_RETENTION_DAYS,
    webhookPrivateTargets: e.CONNECT_WEBHOOK_PRIVATE_TARGETS ?? (e.NODE_ENV === 'production' ? 'deny' : 'allow'),
    adminFailuresPer15Minutes: e.CONNECT_ADMIN_FAILURES_PER_15_MINUTES,
    oidcKeyRotationDays: e.CONNECT_OIDC_KEY_ROTATION_DAYS,
    sources: sourcesConfig(e, sourceEnv.data),
  };
}

function sourcesConfig(e: z.infer<typeof Env>, s: Record<string, string | undefined>): SourcesConfig {
  const get = (name: string) => s[name];
  const evm: Record<string, EvmChainConfig> = {};
  for (const c of EVM_CHAIN_IDS) {
    const C = c.toUpperCase();
    const chain: EvmChainConfig = {
      rpcUrl: get(`EVM_RPC_URL_${C}`),
      explorerUrl: get(`EVM_EXPLORER_URL_${C}`),
      explorerApiKey: get(`EVM_EXPLORER_API_KEY_${C}`),
      tokenListFile: get(`EVM_TOKEN_LIST_${C}`),
    };
    if (chain.tokenListFile && !existsSync(chain.tokenListFile)) throw new ConfigError(`EVM_TOKEN_LIST_${C}: no such file ${chain.tokenListFile}`);
    evm[c] = chain;
  }
  const exchangeUrls: Record<string, string> = {};
  for (const id of EXCHANGE_IDS) {
    const url = get(`EXCHANGE_URL_${id.toUpperCase()}`);
    if (url) exchangeUrls[id] = url.replace(/\/$/, '');
  }
  return {
    evm,
    logChunkBlocks: e.EVM_LOG_CHUNK_BLOCKS,
    solanaRpcUrl: e.SOLANA_RPC_URL,
    bitcoinEsploraUrl: e.BITCOIN_ESPLORA_URL?.replace(/\/$/, ''),
    exchangeUrls,
    exchangeMinIntervalMs: e.EXCHANGE_MIN_REQUEST_INTERVAL_MS,
    coingeckoUrl: (e.COINGECKO_URL ?? (e.NODE_ENV === 'production' ? DEFAULT_COINGECKO_URL : undefined))?.replace(/\/$/, ''),
    coingeckoApiKey: e.COINGECKO_API_KEY,
    timeoutMs: e.SOURCE_TIMEOUT_MS,
  };
}
