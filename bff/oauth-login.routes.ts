/**
 * The demo's "Sign in with Kryptos (OAuth)": this backend is an OpenID Connect relying party
 * built on a certified library (openid-client), not on hand-written OAuth.
 *
 * - `GET /auth/kryptos/login` creates a transaction (PKCE verifier, state, nonce) kept on the
 *   server only, keyed by the digest of a random id in a `__Host-kc_oauth` cookie (HttpOnly,
 *   Secure, SameSite=Lax so it comes back on the callback's top-level navigation, 10 minutes),
 *   and sends the browser to the connect server's authorization endpoint (from discovery).
 * - `GET /auth/kryptos/callback` takes the transaction once (the cookie is cleared, the entry
 *   deleted), lets openid-client check state, iss, code exchange with the verifier and the
 *   id_token (signature, iss, aud, nonce), signs the user in as `kryptos:<sub>` (a fresh session
 *   cookie) and stores the access token like the widget flow's exchange does; then 303 to
 *   `/oauth.html`, so the code leaves the address bar. The page reads the data API through the
 *   BFF (`/api/kryptos/data/*`); no token or state reaches the browser.
 */
import { Router, type Request } from 'express';
import * as oidc from 'openid-client';
import type { BffContext } from './context.ts';
import { randomSecret, sha256 } from './crypto.ts';

const TX_COOKIE = '__Host-kc_oauth';
const TX_TTL_MS = 10 * 60_000;
const MAX_PENDING = 10_000;
export const OAUTH_CALLBACK_PATH = '/auth/kryptos/callback';
const SCOPES = 'openid profile integrations:read portfolios:read workspace:read';

type Transaction = { verifier: string; state: string; nonce: string; redirectUri: string; expiresAt: number };

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function oauthLoginRoutes(ctx: BffContext): Router {
  const router = Router();
  const { config, logger } = ctx;
  /** Server-side transactions, by the digest of the cookie's random id. */
  const pending = new Map<string, Transaction>();
  let discovered: Promise<oidc.Configuration> | undefined;
  const relyingParty = () =>
    (discovered ??= oidc
      .discovery(new URL(config.connectUrl), config.clientId, undefined, oidc.ClientSecretBasic(config.clientSecret), {
        ...(new URL(config.connectUrl).protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
        timeout: 10,
      })
      .catch((error: unknown) => {
        discovered = undefined;
        throw error;
      }));
  // The callback registered for this client is this origin's (`npm start` registers localhost and 127.0.0.1).
  const callbackOf = (req: Request) => `${req.protocol}://${req.get('host')}${OAUTH_CALLBACK_PATH}`;
  const failed = (reason: string) => `/oauth.html?error=${encodeURIComponent(reason)}`;

  router.get('/auth/kryptos/login', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const now = ctx.now();
    for (const [key, tx] of pending) if (tx.expiresAt <= now) pending.delete(key);
    if (pending.size >= MAX_PENDING) return res.redirect(303, failed('busy'));
    const rp = await relyingParty();
    const tx: Transaction = {
      verifier: oidc.randomPKCECodeVerifier(),
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      redirectUri: callbackOf(req),
      expiresAt: now + TX_TTL_MS,
    };
    const id = randomSecret();
    pending.set(sha256(id), tx);
    const url = oidc.buildAuthorizationUrl(rp, {
      redirect_uri: tx.redirectUri,
      scope: SCOPES,
      state: tx.state,
      nonce: tx.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(tx.verifier),
      code_challenge_method: 'S256',
    });
    res.append('Set-Cookie', `${TX_COOKIE}=${id}; Path=/; Max-Age=${TX_TTL_MS / 1000}; Secure; HttpOnly; SameSite=Lax`);
    res.redirect(303, url.href);
  });

  router.get(OAUTH_CALLBACK_PATH, async (req, res) => {
    res.set('Cache-Control', 'no-store');
    res.append('Set-Cookie', `${TX_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax`);
    const id = readCookie(req, TX_COOKIE);
    const key = id && id.length < 200 ? sha256(id) : undefined;
    const tx = key ? pending.get(key) : undefined;
    if (key) pending.delete(key);
    if (!tx || tx.expiresAt <= ctx.now()) return res.redirect(303, failed('expired'));
    const current = new URL(req.originalUrl, `${req.protocol}://${req.get('host')}`);
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(await relyingParty(), current, {
        pkceCodeVerifier: tx.verifier,
        expectedState: tx.state,
        expectedNonce: tx.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      const code = error instanceof oidc.AuthorizationResponseError ? error.error : error instanceof oidc.ResponseBodyError ? error.error : 'failed';
      logger.warn({ event: 'oauth.callback_failed', code: String(code).slice(0, 40) }, 'OAuth sign-in failed');
      return res.redirect(303, failed(code === 'access_denied' ? 'access_denied' : 'failed'));
    }
    const claims = tokens.claims();
    if (!claims) return res.redirect(303, failed('failed'));
    const userId = `kryptos:${claims.sub}`;
    const extra = tokens as unknown as { grant_id?: unknown; workspace_id?: unknown };
    await ctx.sessions.signIn(req, res, userId);
    const replaced = await ctx.store.save(ctx.now(), {
      partnerUserId: userId,
      accessToken: tokens.access_token,
      grantId: String(extra.grant_id ?? ''),
      scopes: tokens.scope ?? SCOPES,
      workspaceId: String(extra.workspace_id ?? ''),
      kryptosUserId: claims.sub,
    });
    if (replaced && replaced.grantId && replaced.grantId !== extra.grant_id) {
      await ctx.connect.revoke(replaced.grantId).catch(() => logger.warn({ event: 'grant.revoke_failed' }, 'could not revoke the replaced grant'));
    }
    logger.info({ event: 'oauth.signed_in' }, 'signed in with Kryptos (OAuth)');
    res.redirect(303, '/oauth.html');
  });

  return router;
}
