/**
 * Address rules per chain family: EVM (EIP-55 checksum via viem; all-lowercase or
 * all-uppercase is accepted as "no checksum"), Solana (base58 of a 32-byte key) and
 * Bitcoin (bech32 / bech32m segwit, base58check P2PKH / P2SH).
 */
import { getAddress } from 'viem';
import { base58, bech32, bech32m, createBase58check } from '@scure/base';
import { sha256 } from '@noble/hashes/sha256';
import type { AddressKind } from './catalogue.ts';

export const SANDBOX_ADDRESSES = {
  ethereum: '0x47c2e31e9ce22437bcf6313d2b9e98245a7bfcfa',
  solana: '2r8Hm938GzCQ2gXTP2deDarkn52ezYf1UUaEzMpkwrk1',
} as const;

/** `INVALID_ADDRESS` envelope extras: `checksum_ok: false` when only the EIP-55 capitalisation is wrong. */
export const invalidAddressExtra = (check: { badChecksum?: true }) => (check.badChecksum ? { checksum_ok: false } : undefined);

export type AddressCheck =
  { valid: true; kind: AddressKind; normalized: string; checksummed: boolean } | { valid: false; kind: AddressKind | null; reason: string; badChecksum?: true };

const base58check = createBase58check(sha256);

function checkEvm(address: string): AddressCheck {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return { valid: false, kind: 'evm', reason: 'An EVM address is 0x followed by 40 hexadecimal characters' };
  const body = address.slice(2);
  const uniform = body === body.toLowerCase() || body === body.toUpperCase();
  const checksummed = getAddress(address.toLowerCase());
  if (!uniform && checksummed !== address)
    return { valid: false, kind: 'evm', reason: 'The address checksum (EIP-55 capitalisation) does not match; check for a typo', badChecksum: true };
  return { valid: true, kind: 'evm', normalized: address.toLowerCase(), checksummed: !uniform };
}

function checkSolana(address: string): AddressCheck {
  try {
    if (!/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(address) || base58.decode(address).length !== 32) throw new Error('length');
    return { valid: true, kind: 'solana', normalized: address, checksummed: false };
  } catch {
    return { valid: false, kind: 'solana', reason: 'A Solana address is the base58 form of a 32-byte public key' };
  }
}

function checkBitcoin(address: string): AddressCheck {
  const invalid: AddressCheck = { valid: false, kind: 'bitcoin', reason: 'Not a valid Bitcoin address (bech32 bc1… or base58 1…/3…)' };
  if (/^bc1/i.test(address)) {
    const lower = address.toLowerCase();
    if (lower !== address && address.toUpperCase() !== address) return invalid;
    for (const codec of [bech32, bech32m]) {
      try {
        const { prefix, words } = codec.decode(lower as `${string}1${string}`);
        const version = words[0];
        if (prefix !== 'bc' || version === undefined) continue;
        if ((version === 0) !== (codec === bech32)) continue;
        const program = codec.fromWords(words.slice(1));
        if (version === 0 && program.length !== 20 && program.length !== 32) continue;
        if (program.length < 2 || program.length > 40) continue;
        return { valid: true, kind: 'bitcoin', normalized: lower, checksummed: true };
      } catch {
        /* try the other encoding */
      }
    }
    return invalid;
  }
  try {
    const payload = base58check.decode(address);
    if (payload.length === 21 && (payload[0] === 0x00 || payload[0] === 0x05)) return { valid: true, kind: 'bitcoin', normalized: address, checksummed: true };
  } catch {
    /* fall through */
  }
  return invalid;
}

export function kindOf(address: string): AddressKind | null {
  if (/^0x/i.test(address)) return 'evm';
  if (/^(bc1|[13])/i.test(address) && !/^[1-9A-HJ-NP-Za-km-z]{43,44}$/.test(address)) return 'bitcoin';
  if (/^[1-9A-HJ-NP-Za-km-z]{32,44}$/.test(address)) return 'solana';
  return null;
}

/** Validates `address` for one of `kinds` (the provider's), guessing the family from its form. */
export function checkAddress(address: string, kinds: AddressKind[] = ['evm', 'solana', 'bitcoin']): AddressCheck {
  const trimmed = address.trim();
  const kind = kindOf(trimmed);
  const order: AddressKind[] = kind ? [kind, ...kinds.filter((k) => k !== kind)] : kinds;
  let first: AddressCheck | undefined;
  for (const k of order) {
    if (!kinds.includes(k)) continue;
    const result = k === 'evm' ? checkEvm(trimmed) : k === 'solana' ? checkSolana(trimmed) : checkBitcoin(trimmed);
    if (result.valid) return result;
    first ??= result;
  }
  if (first) return first;
  return { valid: false, kind, reason: kind ? `This provider does not accept ${kind} addresses` : 'Not a recognised address' };
}

export function isSandboxAddress(provider: string, normalized: string): boolean {
  if (provider === 'ethereum') return normalized === SANDBOX_ADDRESSES.ethereum;
  if (provider === 'solana') return normalized === SANDBOX_ADDRESSES.solana;
  return false;
}
