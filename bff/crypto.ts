/**
 * The BFF's cryptography (docs/security-model.md T7, T30, T32): AES-256-GCM sealing of the access token
 * and grant id at rest, and the HMAC that signs session cookies. One key per purpose,
 * derived with HKDF from the configured secrets.
 *
 * A sealed value is `keyId:nonce:ciphertext:tag` (base64url parts): a fresh random 96-bit
 * nonce per write, and additional authenticated data naming the table, the row and the
 * purpose, so a ciphertext copied to another row or column fails to open. Any changed bit
 * makes `open` throw: it fails closed, never returning a partial or garbled plaintext.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export function deriveKey(master: Buffer | string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `kryptos-connect-bff/${purpose}`, 32));
}

export type Sealer = {
  /** The key id new writes use; rows sealed under another id need re-encryption before that key retires. */
  readonly keyId: string;
  seal(plaintext: string, aad: string): string;
  open(sealed: string, aad: string): string;
};

export class DecryptionError extends Error {
  override name = 'DecryptionError';
}

const keyIdOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/** `current` seals; `previous` (during a rotation) can still open what it sealed. */
export function createSealer(current: Buffer, previous?: Buffer): Sealer {
  const key = deriveKey(current, 'seal/v1');
  const keys = new Map([[keyIdOf(key), key]]);
  if (previous) {
    const old = deriveKey(previous, 'seal/v1');
    keys.set(keyIdOf(old), old);
  }
  const keyId = keyIdOf(key);
  return {
    keyId,
    seal(plaintext, aad) {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [keyId, nonce.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
    },
    open(sealed, aad) {
      const parts = sealed.split(':');
      const [id, nonce, ct, tag] = parts;
      const k = id === undefined ? undefined : keys.get(id);
      if (parts.length !== 4 || !k || nonce === undefined || ct === undefined || tag === undefined) {
        throw new DecryptionError('Unknown key or malformed ciphertext');
      }
      const iv = Buffer.from(nonce, 'base64url');
      const authTag = Buffer.from(tag, 'base64url');
      if (iv.length !== 12 || authTag.length !== 16) throw new DecryptionError('Malformed ciphertext');
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, iv, { authTagLength: 16 });
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(authTag);
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new DecryptionError('Ciphertext failed authentication');
      }
    },
  };
}

/** A random opaque id (256 bits), base64url. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Signs and verifies the session cookie value `<id>.<hmac>` (constant-time comparison). */
export function createCookieSigner(secret: string) {
  const key = deriveKey(secret, 'session-cookie');
  const mac = (id: string) => createHmac('sha256', key).update(id).digest('base64url');
  return {
    sign: (id: string) => `${id}.${mac(id)}`,
    /** The id if the signature holds, else undefined. */
    verify(value: string): string | undefined {
      const dot = value.lastIndexOf('.');
      if (dot <= 0) return undefined;
      const id = value.slice(0, dot);
      const given = Buffer.from(value.slice(dot + 1));
      const expected = Buffer.from(mac(id));
      return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
    },
  };
}
