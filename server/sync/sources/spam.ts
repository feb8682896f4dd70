/**
 * Spam tokens: a shipped list (`data/spam-tokens.json`) plus simple heuristics that catch
 * most fake airdrops — a URL or a "claim"/"visit"/"reward" call to action in the symbol or
 * name, or a zero-decimal token nobody prices. Flagged assets (`isSpam`) are left out of
 * holdings totals and transaction lists unless `isSpam=true` is asked for.
 */
import { readFileSync } from 'node:fs';

const LIST = new Set<string>(
  (JSON.parse(readFileSync(new URL('./data/spam-tokens.json', import.meta.url), 'utf8')) as { assets: string[] }).assets.map((a) => a.toLowerCase()),
);

const URL_LIKE = /(https?:\/\/|www\.|t\.me\/|\.(com|io|org|net|xyz|app|finance|site|top|club|vip|gift|live|pro|cc|me|fi|to|link|claims?)\b)/i;
const CALL_TO_ACTION = /\b(claim|visit|reward|airdrop|voucher|redeem|bonus|giveaway)s?\b/i;

export type SpamCandidate = { id: string; symbol: string; name: string; decimals: number; coingeckoId: string | null };

/** Why a token looks like spam, or null. A token with a CoinGecko id is never flagged by heuristics. */
export function spamReason(token: SpamCandidate): string | null {
  if (LIST.has(token.id.toLowerCase())) return 'on the spam list';
  if (token.coingeckoId) return null;
  const text = `${token.symbol} ${token.name}`;
  if (URL_LIKE.test(text)) return 'a URL in its symbol or name';
  if (CALL_TO_ACTION.test(text)) return 'a call to action in its symbol or name';
  if (token.decimals === 0) return 'zero decimals and no price';
  if (!token.symbol.trim() || token.symbol.length > 24) return 'no usable symbol';
  return null;
}

export const isSpamToken = (token: SpamCandidate) => spamReason(token) !== null;
