/** Time comes from a clock that tests can move. */
export type Clock = { now(): number };
export const systemClock: Clock = { now: () => Date.now() };

export const MINUTE = 60_000;
export const LINK_TOKEN_TTL_MS = 30 * MINUTE;
export const PUBLIC_TOKEN_TTL_MS = 30 * MINUTE;
/** 15 years of 365 days, as the contract's `expires_in: 473040000`. */
export const ACCESS_TOKEN_TTL_S = 473_040_000;
export const ACCESS_TOKEN_TTL_MS = ACCESS_TOKEN_TTL_S * 1000;
/** A grant without `offline_access` (the consent screen's "keep access" unticked) lasts a day. */
export const SHORT_ACCESS_TOKEN_TTL_S = 86_400;
/** The lifetime of a grant with these scopes, in seconds: 15 years only with `offline_access`. */
export const grantLifetimeS = (scopes: string) => (scopes.split(' ').includes('offline_access') ? ACCESS_TOKEN_TTL_S : SHORT_ACCESS_TOKEN_TTL_S);
export const OTP_TTL_MS = 10 * MINUTE;
export const OTP_MAX_ATTEMPTS = 5;
export const OTP_RESEND_MS = 30_000;

export const iso = (ms: number) => new Date(ms).toISOString();
