/** The scope vocabulary of the contract (section 3.2) with the words the consent screen shows. */
import { connectError } from './errors.ts';

export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'See your name, language and transaction limit',
  email: 'See your email address',
  offline_access: 'Keep access until you revoke it (up to 15 years)',
  'users:read': 'See your Kryptos user profile',
  'users:write': 'Update your Kryptos user profile',
  'portfolios:read': 'See your portfolio: holdings, DeFi positions and NFTs',
  'portfolios:write': 'Change your portfolios',
  'transactions:read': 'See your transaction history',
  'transactions:write': 'Add transactions to your accounts',
  'balances:read': 'See balances per account and asset',
  'balances:write': 'Adjust balances',
  'integrations:read': 'See which wallets and exchanges you connected',
  'integrations:write': 'Connect more wallets and addresses for you',
  'defi:read': 'See your DeFi positions',
  'defi:write': 'Change your DeFi positions',
  'nft:read': 'See your NFTs',
  'nft:write': 'Change your NFT records',
  'tax:read': 'See your capital gains, income and tax summaries',
  'tax:write': 'Change your tax settings',
  'accounting:read': 'See your accounting ledger',
  'accounting:write': 'Change your accounting ledger',
  'reports:read': 'See and download your tax reports',
  'reports:write': 'Generate tax reports',
  'workspace:read': 'See your workspace settings and limits',
  'workspace:write': 'Change your workspace settings',
};

export const KNOWN_SCOPES = new Set(Object.keys(SCOPE_DESCRIPTIONS));
export const REQUIRED_SCOPES = new Set(['openid']);
export const DEFAULT_CLIENT_SCOPES =
  'openid profile offline_access email portfolios:read transactions:read integrations:read tax:read accounting:read reports:read workspace:read users:read';
const MAX_SCOPES = KNOWN_SCOPES.size;
const MAX_SCOPE_STRING = 1024;

/**
 * Parses a space-separated scope list and refuses unknown, duplicated, empty or oversized
 * lists, and (when `allowed` is given) anything outside it — all as `INVALID_SCOPE`.
 */
export function parseScopes(value: unknown, allowed?: Iterable<string>): string[] {
  if (typeof value !== 'string' || value.length > MAX_SCOPE_STRING) {
    throw connectError('INVALID_SCOPE', 'scopes must be a space-separated string of at most 1024 characters');
  }
  const scopes = value.split(' ').filter((s) => s !== '');
  if (scopes.length === 0) throw connectError('INVALID_SCOPE', 'At least one scope is required');
  if (scopes.length > MAX_SCOPES) throw connectError('INVALID_SCOPE', `At most ${MAX_SCOPES} scopes may be requested`);
  if (/\s/.test(value.replace(/ /g, ''))) throw connectError('INVALID_SCOPE', 'Scopes are separated by single spaces');
  const seen = new Set<string>();
  for (const scope of scopes) {
    if (!KNOWN_SCOPES.has(scope)) throw connectError('INVALID_SCOPE', `Unknown scope: ${scope.slice(0, 64)}`);
    if (seen.has(scope)) throw connectError('INVALID_SCOPE', `Duplicated scope: ${scope}`);
    seen.add(scope);
  }
  if (allowed) {
    const ok = new Set(allowed);
    const extra = scopes.filter((s) => !ok.has(s));
    if (extra.length) throw connectError('INVALID_SCOPE', `Scope not allowed for this client: ${extra.join(' ')}`);
  }
  return scopes;
}

export function describeScopes(scopes: string[]) {
  return scopes.map((scope) => ({ scope, description: SCOPE_DESCRIPTIONS[scope] ?? scope, required: REQUIRED_SCOPES.has(scope) }));
}
