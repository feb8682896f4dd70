/**
 * The id_token signing keys: RS256 pairs made and used with `jose`, kept in `oauth_keys` with
 * the private half sealed (AES-GCM, like exchange keys). The newest unretired key signs; once
 * it is CONNECT_OIDC_KEY_ROTATION_DAYS old a new one replaces it on the next signature (or at
 * once with `npm run connect -- oauth rotate-keys`). A retired key stays in the JWKS for
 * RETIRED_KEY_PUBLISHED_MS so relying parties can still verify what it signed and refresh
 * their cached JWKS in their own time.
 */
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Db } from '../db/database.ts';
import type { Sealer } from '../crypto.ts';
import type { Writer } from '../db/group-commit.ts';
import { findSigningKey, getKey, listKeyRows, replaceSigningKey } from './oauth.repository.ts';
import { DAY_MS } from '../lib/time.ts';

export const ID_TOKEN_ALG = 'RS256';
const DAY = DAY_MS;
export const RETIRED_KEY_PUBLISHED_MS = 7 * DAY;

type KeyRow = { kid: string; alg: string; public_jwk: string; private_jwk: string; created_at: number; retired_at: number | null };
const aad = (kid: string) => `oauth_key:${kid}`;

/** Makes a new signing key and retires the ones that signed until now. */
export async function rotateSigningKey(write: Writer, sealer: Sealer, now: number): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(ID_TOKEN_ALG, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = JSON.stringify(await exportJWK(privateKey));
  await write((trx) =>
    replaceSigningKey(trx, now, {
      kid,
      alg: ID_TOKEN_ALG,
      public_jwk: JSON.stringify({ ...publicJwk, kid, alg: ID_TOKEN_ALG, use: 'sig' }),
      private_jwk: sealer.seal(privateJwk, aad(kid)),
      created_at: now,
      retired_at: null,
    }),
  );
  return kid;
}

/** The keys the JWKS publishes: the signing key and those retired less than RETIRED_KEY_PUBLISHED_MS ago. */
export async function publishedKeys(db: Db, now: number): Promise<JWK[]> {
  const rows = await listKeyRows(db);
  return rows.filter((r) => r.retired_at === null || now - r.retired_at < RETIRED_KEY_PUBLISHED_MS).map((r) => JSON.parse(r.public_jwk) as JWK);
}

/** Every key with its state, for the CLI. */
export async function listKeys(db: Db, now: number) {
  const rows = await listKeyRows(db);
  return rows.map((r) => ({
    kid: r.kid,
    alg: r.alg,
    created_at: new Date(r.created_at).toISOString(),
    retired_at: r.retired_at === null ? null : new Date(r.retired_at).toISOString(),
    state: r.retired_at === null ? 'signing' : now - r.retired_at < RETIRED_KEY_PUBLISHED_MS ? 'published' : 'expired',
  }));
}

export type KeyStore = {
  /** Makes the first signing key, or the next one when it is due. */
  ensure(now: number): Promise<void>;
  sign(claims: Record<string, unknown>, now: number): Promise<string>;
};

export function createKeyStore(db: Db, write: Writer, sealer: Sealer, rotationDays: number): KeyStore {
  const imported = new Map<string, CryptoKey>();
  let rotating: Promise<string> | undefined;
  async function current(now: number): Promise<KeyRow> {
    const row = await findSigningKey(db);
    if (row && now - row.created_at < rotationDays * DAY) return row;
    // One rotation at a time in this process; another process rotating too only adds a published key.
    rotating ??= rotateSigningKey(write, sealer, now).finally(() => (rotating = undefined));
    const kid = await rotating;
    return getKey(db, kid);
  }
  return {
    async ensure(now) {
      await current(now);
    },
    async sign(claims, now) {
      const row = await current(now);
      let key = imported.get(row.kid);
      if (!key) {
        key = (await importJWK(JSON.parse(sealer.open(row.private_jwk, aad(row.kid))) as JWK, row.alg)) as CryptoKey;
        imported.set(row.kid, key);
      }
      return new SignJWT(claims).setProtectedHeader({ alg: row.alg, kid: row.kid, typ: 'JWT' }).sign(key);
    },
  };
}
