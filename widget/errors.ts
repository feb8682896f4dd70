/** Maps contract error codes to translated, actionable messages. */
import type { SandboxRules } from './api.ts';
import { format, type StringKey, type Strings } from './i18n/en.ts';

const KEYS: Record<string, StringKey> = {
  NETWORK_ERROR: 'errNetwork',
  RATE_LIMITED: 'errRateLimited',
  INVALID_OTP: 'errInvalidOtp',
  OTP_EXPIRED: 'errOtpExpired',
  OTP_TOO_MANY_ATTEMPTS: 'errOtpTooMany',
  OTP_NOT_REQUESTED: 'errOtpNotRequested',
  EMAIL_MISMATCH: 'errOtpNotRequested',
  INVALID_ADDRESS: 'errInvalidAddress',
  MISSING_CREDENTIALS: 'errMissingCredentials',
  UNKNOWN_PROVIDER: 'errUnknownProvider',
  ALREADY_CONNECTED: 'errAlreadyConnected',
  SANDBOX_PROVIDER_NOT_ALLOWED: 'errSandboxProvider',
  SANDBOX_ADDRESS_NOT_ALLOWED: 'errSandboxAddress',
  SIGN_IN_REQUIRED: 'errSignIn',
  WORKSPACE_NOT_FOUND: 'errWorkspace',
  INSUFFICIENT_PERMISSIONS: 'errWorkspace',
  NO_INTEGRATIONS: 'errNoIntegrations',
  CONSENT_ALREADY_GIVEN: 'errConsentGiven',
  TOKEN_EXPIRED: 'errSession',
  INVALID_TOKEN: 'errSession',
};

export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'UNKNOWN_ERROR';
}

/** A field of the error's `data` (the envelope's extra fields), if it is there. */
function errorData(error: unknown, field: string): unknown {
  const data = (error as { data?: unknown } | null)?.data;
  return data && typeof data === 'object' ? (data as Record<string, unknown>)[field] : undefined;
}

/** Display names of the providers sandbox allows ("Ethereum, Solana"), never their ids. */
export function sandboxProviderNames(rules: SandboxRules | null, language: string, style: 'list' | 'and' = 'list'): string {
  const names = (rules?.providers ?? []).map((id) => rules?.provider_names?.[id] ?? id.charAt(0).toUpperCase() + id.slice(1));
  return new Intl.ListFormat(language, style === 'and' ? { type: 'conjunction' } : { type: 'unit', style: 'short' }).format(names);
}

/** `INVALID_ADDRESS` because the EIP-55 capitalisation does not match (the server says `checksum_ok: false`). */
export function isChecksumError(error: unknown): boolean {
  return errorCode(error) === 'INVALID_ADDRESS' && errorData(error, 'checksum_ok') === false;
}

export function errorMessage(strings: Strings, error: unknown, rules: SandboxRules | null, language = 'en'): string {
  const code = errorCode(error);
  // A wrong EIP-55 capitalisation is its own, more helpful message.
  if (isChecksumError(error)) return strings.addressChecksum;
  const message = format(strings[KEYS[code] ?? 'errGeneric'], {
    list: sandboxProviderNames(rules, language),
    address: Object.values(rules?.addresses ?? {}).join(', '),
  });
  const left = errorData(error, 'attempts_left');
  if (code === 'INVALID_OTP' && typeof left === 'number' && left > 0) {
    return `${message} ${format(left === 1 ? strings.attemptsLeftOne : strings.attemptsLeftOther, { n: left })}`;
  }
  return message;
}
