// Numbers, money, dates and labels as a person reads them: Intl formatting in the page's language,
// long quantities shortened with the exact value kept in a tooltip, contract codes turned into words.
import { el } from './dom.js';

const locale = navigator.language || 'en';
const exactNumber = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 });
const shortNumber = new Intl.NumberFormat(locale, { maximumSignificantDigits: 6 });
const compactNumber = new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 2 });
const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * A token quantity (a decimal string, exact): at most 6 significant digits, a million and more in
 * compact form (1.2M); the exact value in the tooltip whenever the shown one is rounded. Never wraps.
 */
export function quantity(value, prefix = '') {
  const n = Number(value);
  if (value === null || value === undefined || value === '' || !Number.isFinite(n)) return el('span', { class: 'num' }, '—');
  const shown = Math.abs(n) >= 1e6 ? compactNumber.format(n) : shortNumber.format(n);
  const exact = exactNumber.format(n) === shown ? null : String(value);
  return el('span', { class: 'num', title: exact ? `${prefix}${exact}` : null }, `${prefix}${shown}`);
}

/** Money in its currency (2 decimals; a billion and more compact), exact amount in the tooltip. */
export function money(amount, currency = 'USD') {
  const n = Number(amount);
  if (amount === null || amount === undefined || !Number.isFinite(n)) return el('span', { class: 'num' }, '—');
  const code = /^[A-Z]{3}$/.test(String(currency ?? '')) ? currency : 'USD';
  const full = new Intl.NumberFormat(locale, { style: 'currency', currency: code }).format(n);
  const shown = Math.abs(n) >= 1e9 ? new Intl.NumberFormat(locale, { style: 'currency', currency: code, notation: 'compact' }).format(n) : full;
  return el('span', { class: 'num', title: shown === full ? null : full }, shown);
}

export const when = (value) => (value ? dateTime.format(new Date(value)) : '—');

/** What each scope lets the app read or do, in words (the consent screen's vocabulary). */
const SCOPES = {
  openid: 'your identity',
  profile: 'your profile',
  email: 'your email address',
  offline_access: 'lasting access',
  'users:read': 'your Kryptos profile',
  'workspace:read': 'your workspace settings',
  'portfolios:read': 'your portfolio',
  'transactions:read': 'your transactions',
  'balances:read': 'your balances',
  'integrations:read': 'your connected accounts',
  'defi:read': 'your DeFi positions',
  'nft:read': 'your NFTs',
  'tax:read': 'your tax figures',
  'accounting:read': 'your accounting ledger',
  'reports:read': 'your tax reports',
  'reports:write': 'generating tax reports',
  'transactions:write': 'adding transactions',
  'integrations:write': 'adding accounts',
  'workspace:write': 'changing workspace settings',
  'users:write': 'updating your profile',
};
export const scopeName = (scope) => SCOPES[scope] ?? scope;
export const scopeList = (scopes) => new Intl.ListFormat('en', { type: 'conjunction' }).format(scopes.map(scopeName));

/** Sync statuses of the data API in words, with the badge style of each. */
export const STATUS = {
  COMPLETED: { label: 'Synced', style: 'ok' },
  ONGOING: { label: 'Syncing', style: 'busy' },
  active: { label: 'Waiting to sync', style: 'busy' },
  'PARTIALLY SYNCED': { label: 'Partly synced', style: 'warn' },
  FAILED: { label: 'Sync failed', style: 'bad' },
};
export const isSyncing = (status) => status === 'ONGOING' || status === 'active';

export function shorten(address) {
  return address.length > 14 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address;
}
