/**
 * Tokens, digests and encryption at rest (docs/security-model.md T1, T3–T5, T7, T32).
 *
 * A token is `<prefix><43 base62 chars of 32 random bytes><6 base62 chars of CRC32>`:
 * 256 bits from the OS CSPRNG, a prefix that secret scanners can match, and a checksum
 * that lets us refuse garbage before touching the database.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = 43;
const CHECKSUM_LENGTH = 6;

export const TOKEN_PREFIXES = {
  clientSecret: 'cs_',
  linkToken: 'link_',
  publicToken: 'public_',
  accessToken: 'cat_',
  grant: 'cgrant_',
  oauthRequest: 'creq_',
  authorizationCode: 'ccode_',
} as const;
export type TokenPrefix = (typeof TOKEN_PREFIXES)[keyof typeof TOKEN_PREFIXES];

function base62(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value % 62n)] + out;
    value /= 62n;
  }
  return out;
}

function checksum(text: string): string {
  return base62(BigInt(crc32(text)), CHECKSUM_LENGTH);
}

/** A fresh token with `prefix`, 256 random bits and a CRC32 checksum. */
export function randomToken(prefix: TokenPrefix): string {
  const body = base62(BigInt('0x' + randomBytes(32).toString('hex')), BODY_LENGTH);
  return prefix + body + checksum(prefix + body);
}

/** True when `token` has the prefix, the length and a matching checksum — no database needed. */
export function isWellFormedToken(token: unknown, prefix: TokenPrefix): token is string {
  if (typeof token !== 'string' || token.length !== prefix.length + BODY_LENGTH + CHECKSUM_LENGTH) return false;
  if (!token.startsWith(prefix)) return false;
  const rest = token.slice(prefix.length);
  for (const ch of rest) if (!ALPHABET.includes(ch)) return false;
  return checksum(token.slice(0, -CHECKSUM_LENGTH)) === token.slice(-CHECKSUM_LENGTH);
}

/** An opaque id such as `client_<32 hex>` or `ws_<24 hex>`: identifiers, not credentials. */
export function randomId(prefix: string, bytes = 12): string {
  return prefix + randomBytes(bytes).toString('hex');
}

/** SHA-256 hex digest: how every token and client secret is stored and looked up. */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time equality of two hex digests of the same length. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** Masks a credential for logs and audit records: prefix and the last four characters. */
export function mask(value: string): string {
  const prefix = /^[a-z]+_/.exec(value)?.[0] ?? '';
  return `${prefix}…${value.slice(-4)}`;
}

/** One key per purpose, derived from the master key (T7). */
export function deriveKey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `kryptos-connect/${purpose}`, 32));
}

export function hmac(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('hex');
}

/**
 * AES-256-GCM sealing for secrets we must replay (users' exchange API keys). A fresh
 * 96-bit nonce per write; `aad` binds the ciphertext to its row and purpose so it cannot
 * be moved; stored as `keyId:nonce:ciphertext:tag` (base64url) so keys can rotate.
 */
export type Sealer = {
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
};

export function createSealer(master: Buffer): Sealer {
  const key = deriveKey(master, 'seal/v1');
  const keyId = createHash('sha256').update(key).digest('hex').slice(0, 8);
  return {
    seal(plaintext, aad) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(aad));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [keyId, nonce, ct, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join(':');
    },
    open(sealed, aad) {
      const [id, nonce, ct, tag] = sealed.split(':');
      if (id !== keyId || nonce === undefined || ct === undefined || tag === undefined) throw new Error('Unknown key or malformed ciphertext');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'));
      decipher.setAAD(Buffer.from(aad));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
