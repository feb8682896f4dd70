/**
 * The authorization code's life (RFC 6749 4.1, RFC 7636, RFC 9700): an authorization request
 * handed to the hosted page by a short single-use handle, the code minted at consent (bound to
 * client, redirect_uri and PKCE challenge, 5 minutes, single use), and its redemption, which
 * exchanges the public token the consent produced — the same grant and `cat_` as the
 * public-token flow. A code presented twice revokes what its first redemption produced.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Client, LinkToken } from '../db/tables.ts';
import { digest, isWellFormedToken, randomId, randomToken, type Sealer } from '../crypto.ts';
import { recordAudit } from '../audit.ts';
import { exchangePublicToken, type Exchanged } from '../connect/exchange.service.ts';
import { revokeGrant } from '../connect/grants.repository.ts';
import { createLinkToken } from '../connect/link-tokens.ts';
import { findActiveClient } from '../clients/clients.repository.ts';
import { endLinkToken } from '../connect/link-tokens.repository.ts';
import {
  claimCode,
  completeRequest,
  findCodeWithIssuer,
  findRequestByDigest,
  markRequestOpened,
  findOpenRequestOfLink,
  insertAuthorizationRequest,
  insertCode,
  markCodeReused,
  setCodeGrant,
} from './oauth.repository.ts';

export const REQUEST_TTL_MS = 2 * 60_000;
export const CODE_TTL_MS = 5 * 60_000;
/** consumed_at of a code presented more than once. */
const REUSED = -1;

type Meta = { ip?: string; requestId?: string };

/** What redeeming a code needs. */
export type RedeemDeps = { db: Db; write: Writer; sealer: Sealer };

export type NewRequest = {
  client: Client;
  issuer: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce: string | null;
  codeChallenge: string;
};

/** Stores an authorization request; returns its `creq_` handle for the hosted page's URL. */
export async function createAuthorizationRequest(write: Writer, now: number, r: NewRequest): Promise<string> {
  const handle = randomToken('creq_');
  await write((trx) =>
    insertAuthorizationRequest(trx, {
      id: randomId('oar_', 12),
      digest: digest(handle),
      client_id: r.client.id,
      sandbox: r.client.sandbox,
      issuer: r.issuer,
      redirect_uri: r.redirectUri,
      scopes: r.scopes.join(' '),
      state: r.state,
      nonce: r.nonce,
      code_challenge: r.codeChallenge,
      link_token_id: null,
      outcome: null,
      created_at: now,
      expires_at: now + REQUEST_TTL_MS,
      opened_at: null,
      completed_at: null,
    }),
  );
  return handle;
}

/**
 * The hosted page trades its handle (once, within REQUEST_TTL_MS) for a link token of the
 * request's client; answers it, or why not.
 */
export async function openAuthorizationRequest(write: Writer, now: number, handle: string, meta: Meta = {}) {
  return write(async (trx) => {
    const request = await findRequestByDigest(trx, digest(handle));
    if (!request) return 'invalid' as const;
    if (request.opened_at !== null) return 'used' as const;
    if (request.expires_at <= now) return 'expired' as const;
    const client = await findActiveClient(trx, request.client_id);
    if (!client || client.sandbox !== request.sandbox) return 'invalid' as const;
    const link = await createLinkToken(trx, now, client, request.scopes.split(' '), null, undefined);
    await markRequestOpened(trx, request.id, now, link.row.id);
    await recordAudit(trx, now, {
      clientId: client.id,
      event: 'link_token.issued',
      ip: meta.ip,
      requestId: meta.requestId,
      details: { link_token_id: link.row.id, oauth_request_id: request.id, scopes: link.row.scopes },
    });
    return link;
  });
}

/** `uri` with `params` added to its query (the registered URI's own query is kept). */
export function redirectWith(uri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

const codeAad = (codeDigest: string) => `oauth_code:${codeDigest}`;

/**
 * Called in the consent transaction: when the link token serves an authorization request,
 * mints its code (wrapping the consent's public token, sealed) and answers where the browser
 * goes next; otherwise undefined (the inline widget's public token flow).
 */
export async function completeAuthorization(
  trx: Db,
  sealer: Sealer,
  now: number,
  link: LinkToken,
  publicToken: string,
  meta: Meta = {},
): Promise<string | undefined> {
  const request = await findOpenRequestOfLink(trx, link.id);
  if (!request) return undefined;
  const code = randomToken('ccode_');
  const codeDigest = digest(code);
  await insertCode(trx, {
    digest: codeDigest,
    request_id: request.id,
    client_id: request.client_id,
    redirect_uri: request.redirect_uri,
    code_challenge: request.code_challenge,
    nonce: request.nonce,
    user_id: link.user_id!,
    public_token: sealer.seal(publicToken, codeAad(codeDigest)),
    grant_id: null,
    created_at: now,
    expires_at: now + CODE_TTL_MS,
    consumed_at: null,
  });
  await completeRequest(trx, request.id, now, 'code');
  await recordAudit(trx, now, {
    clientId: request.client_id,
    event: 'oauth.code_issued',
    ip: meta.ip,
    requestId: meta.requestId,
    details: { request_id: request.id, link_token_id: link.id },
  });
  return redirectWith(request.redirect_uri, { code, state: request.state, iss: request.issuer });
}

/** The user cancelled on the hosted page: the flow ends and the relying party hears access_denied. */
export async function denyAuthorization(write: Writer, now: number, link: LinkToken, meta: Meta = {}): Promise<string | undefined> {
  return write(async (trx) => {
    const request = await findOpenRequestOfLink(trx, link.id);
    if (!request) return undefined;
    await completeRequest(trx, request.id, now, 'denied');
    // The link token ends with the flow: nothing more can be consented with it.
    await endLinkToken(trx, link.id, now, now, { unconsented: true });
    await recordAudit(trx, now, {
      clientId: request.client_id,
      event: 'oauth.denied',
      ip: meta.ip,
      requestId: meta.requestId,
      details: { request_id: request.id },
    });
    return redirectWith(request.redirect_uri, {
      error: 'access_denied',
      error_description: 'The user cancelled the request',
      state: request.state,
      iss: request.issuer,
    });
  });
}

/** RFC 7636 4.1: 43–128 unreserved characters. */
export const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge: base64url of a SHA-256 digest, unpadded. */
export const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

export type Redeemed = Exchanged & { nonce: string | null; issuer: string };
export type RedeemFailure = { failure: string };

/**
 * Redeems a code for `client`. Checks that need no state change come first (a code presented
 * with a wrong verifier or redirect_uri stays usable by its rightful holder until it expires);
 * then one conditional UPDATE claims it. A second claim marks the code reused and revokes the
 * grant of the first — and the first, if it is still exchanging, sees the mark and revokes it.
 */
export async function redeemCode(
  deps: RedeemDeps,
  now: number,
  client: Client,
  p: { code: string; redirectUri: string; verifier: string },
  meta: Meta = {},
): Promise<Redeemed | RedeemFailure> {
  const audit = { clientId: client.id, ip: meta.ip, requestId: meta.requestId };
  const reject = async (failure: string, event: 'oauth.code_rejected' | 'oauth.code_reuse' = 'oauth.code_rejected', details: Record<string, unknown> = {}) => {
    await deps.write((trx) => recordAudit(trx, now, { ...audit, event, outcome: 'failure', details: { reason: failure, ...details } }));
    return { failure };
  };
  if (!isWellFormedToken(p.code, 'ccode_')) return reject('The authorization code is malformed');
  const codeDigest = digest(p.code);
  const row = await findCodeWithIssuer(deps.db, codeDigest);
  // Another client's code is refused and not burnt, like another client's public token.
  if (!row || row.client_id !== client.id) return reject('Unknown authorization code');
  if (row.consumed_at !== null) return reuse(deps.write, now, client, codeDigest, reject);
  if (row.expires_at <= now) return reject('The authorization code has expired');
  if (p.redirectUri !== row.redirect_uri) return reject('redirect_uri differs from the one of the authorization request');
  if (!VERIFIER.test(p.verifier) || s256(p.verifier) !== row.code_challenge) return reject('code_verifier does not match the code_challenge');
  const claimed = await deps.write((trx) => claimCode(trx, codeDigest, now));
  if (!claimed) return reuse(deps.write, now, client, codeDigest, reject);
  const exchanged = await exchangePublicToken(deps.write, now, client, deps.sealer.open(row.public_token, codeAad(codeDigest)), meta);
  if ('failure' in exchanged) return reject(`The authorization code can no longer be redeemed (${exchanged.failure})`);
  const reused = await deps.write(async (trx) => {
    const marked = await setCodeGrant(trx, codeDigest, exchanged.grant_id);
    // A reuse seen meanwhile moved consumed_at to its own time (below): revoke what we made.
    if (marked.consumed_at === REUSED) {
      await revokeGrant(trx, now, client.id, exchanged.grant_id, 'authorization_code_reuse');
      return true;
    }
    await recordAudit(trx, now, { ...audit, event: 'oauth.code_redeemed', details: { grant_id: exchanged.grant_id } });
    return false;
  });
  if (reused) return { failure: 'The authorization code was used twice; the tokens it produced have been revoked' };
  return { ...exchanged, nonce: row.nonce, issuer: row.issuer };
}

async function reuse(
  write: Writer,
  now: number,
  client: Client,
  codeDigest: string,
  reject: (f: string, e: 'oauth.code_reuse', d: Record<string, unknown>) => Promise<RedeemFailure>,
) {
  const grantId = await write(async (trx) => {
    // REUSED tells a redemption still in flight that it must revoke what it produces.
    const row = await markCodeReused(trx, codeDigest, REUSED);
    if (row.grant_id) await revokeGrant(trx, now, client.id, row.grant_id, 'authorization_code_reuse');
    return row.grant_id;
  });
  return reject('The authorization code was already used; the tokens it produced have been revoked', 'oauth.code_reuse', { revoked_grant: grantId });
}
