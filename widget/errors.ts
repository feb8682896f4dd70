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

export function errorMessage(strings: Strings, error: unknown, rules: SandboxRules | null): string {
  const key = KEYS[errorCode(error)] ?? 'errGeneric';
  return format(strings[key], {
    list: rules?.providers.join(', ') ?? '',
    address: Object.values(rules?.addresses ?? {}).join(', '),
  });
}
