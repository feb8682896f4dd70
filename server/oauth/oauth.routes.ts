/**
 * The OAuth 2.0 / OpenID Connect provider (RFC 6749 code flow, RFC 7636 PKCE S256 only,
 * RFC 9700, RFC 9207 `iss`, RFC 7009 revocation, RFC 7662 introspection, OIDC Core and
 * Discovery). Mounted before the JSON-only and credentials-in-URL guards: OAuth speaks
 * form-encoded bodies and its authorize URL carries `code_challenge`. The token, revocation
 * and introspection endpoints accept nothing in their URL instead.
 *
 * Errors follow OAuth: `{error, error_description}` from the back-channel endpoints; at
 * /oauth/authorize, a page of ours until the client and its exact redirect_uri are known,
 * then a redirect to it with `error`, `state` and `iss`.
 */
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response } from 'express';
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Sealer } from '../crypto.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Logger } from '../logger.ts';
import { ACCESS_TOKEN_TTL_S } from '../clock.ts';
import { digest, isWellFormedToken } from '../crypto.ts';
import { KNOWN_SCOPES, REQUIRED_SCOPES, parseScopes } from '../scopes.ts';
import { recordAudit } from '../audit.ts';
import { authenticateClient } from '../clients/clients.service.ts';
import { findActiveClient } from '../clients/clients.repository.ts';
import { findAccessTokenOwner, findAccessTokenWithGrant, revokeGrant } from '../connect/grants.repository.ts';
import { clientOf, grantOf } from '../http/locals.ts';
import type { RouteArea } from '../http/routes.ts';
import { findUser } from '../users/users.repository.ts';
import { toHttpError } from '../http/errors.middleware.ts';
import { ipKey, type Limits } from '../http/rate-limit.ts';
import { publicCors } from '../http/cors.ts';
import { publicBase } from '../widget-api/session.service.ts';
import { CHALLENGE, createAuthorizationRequest, redeemCode, redirectWith } from './authorization.ts';
import { createKeyStore, publishedKeys, ID_TOKEN_ALG } from './keys.ts';
import { htmlPage } from './page.ts';
import { AuthorizeParams, IntrospectBody, RevokeBody, TokenBody } from './schemas.ts';

const MINUTE = 60_000;
const FORM = 'application/x-www-form-urlencoded';
const ID_TOKEN_TTL_S = 3600;

/** An OAuth error answer (RFC 6749 5.2): `{error, error_description}`. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
  }
}

/** What the authorize endpoint cannot redirect: shown to the user as a page of ours. */
class AuthorizePageError extends Error {}

export function issuerOf(config: Pick<Config, 'publicUrl'>, req: Request): string {
  return publicBase(config, req);
}

export function discoveryDocument(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    jwks_uri: `${issuer}/oauth/jwks`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    scopes_supported: [...KNOWN_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [ID_TOKEN_ALG],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    code_challenge_methods_supported: ['S256'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'at_hash', 'name', 'locale', 'email', 'email_verified'],
    authorization_response_iss_parameter_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    claims_parameter_supported: false,
  };
}

export type OAuthDeps = {
  db: Db;
  write: Writer;
  clock: Clock;
  sealer: Sealer;
  logger: Logger;
  limits: Limits;
  config: Pick<Config, 'publicUrl' | 'oidcKeyRotationDays'> & { rateLimits: Pick<Config['rateLimits'], 'authFailuresPer15Minutes' | 'perIpPerMinute'> };
};

/**
 * The OAuth endpoints on `api` (mounted at the root); `bearer` is the data API's Bearer guard
 * (for /oauth/userinfo). The area's last handler renders OAuth's errors.
 */
export function oauthRoutes(api: RouteArea, deps: OAuthDeps, bearer: RequestHandler): void {
  const { config, clock } = deps;
  const keys = createKeyStore(deps.db, deps.write, deps.sealer, config.oidcKeyRotationDays);
  const authFailures = deps.limits.failureCounter({
    name: 'oauth-client-auth',
    windowMs: 15 * MINUTE,
    limit: config.rateLimits.authFailuresPer15Minutes,
    message: 'Too many failed client authentications from this address; retry later',
  });
  const perIp = deps.limits.limiter({ name: 'oauth-ip', windowMs: MINUTE, limit: config.rateLimits.perIpPerMinute, key: (req) => `oauth:${ipKey(req)}` });
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  const noStore: RequestHandler = (_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  };
  /** Back-channel endpoints take their parameters in the form body only (never in the URL). */
  const bodyOnly: RequestHandler = (req, _res, next) => {
    if (req.originalUrl.includes('?')) throw new OAuthError(400, 'invalid_request', 'Parameters must be sent in the form body, never in the URL');
    if (req.body === undefined && req.get('content-length') !== undefined && req.get('content-length') !== '0') {
      throw new OAuthError(400, 'invalid_request', 'Send the body as application/x-www-form-urlencoded');
    }
    next();
  };

  /** client_secret_basic or client_secret_post (one of them, RFC 6749 2.3.1); failures counted per IP. */
  const requireOAuthClient: RequestHandler = async (req, res, next) => {
    await authFailures.guard(ipKey(req));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const header = req.get('authorization');
    let id: unknown = body.client_id;
    let secret: unknown = body.client_secret;
    let basic = false;
    if (header !== undefined) {
      const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
      const decoded = m ? Buffer.from(m[1]!, 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OAuthError(401, 'invalid_client', 'Malformed Basic authorization header');
      if (secret !== undefined) throw new OAuthError(400, 'invalid_request', 'Use one client authentication method, not both');
      const form = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
      try {
        [id, secret] = [form(decoded.slice(0, colon)), form(decoded.slice(colon + 1))];
      } catch {
        throw new OAuthError(401, 'invalid_client', 'Malformed Basic authorization header');
      }
      if (body.client_id !== undefined && body.client_id !== id)
        throw new OAuthError(400, 'invalid_request', 'client_id differs from the authenticated client');
      basic = true;
    }
    const now = clock.now();
    const client = await authenticateClient(deps.db, now, id, secret);
    if (!client) {
      await authFailures.fail(ipKey(req));
      const knownId = typeof id === 'string' && /^client_[0-9a-f]{32}$/.test(id) ? id : null;
      await deps.write((trx) =>
        recordAudit(trx, now, {
          clientId: knownId,
          event: 'client.auth_failed',
          outcome: 'failure',
          ip: req.ip,
          requestId: req.id,
          details: { path: req.path },
        }),
      );
      if (basic) res.set('WWW-Authenticate', 'Basic realm="kryptos-connect"');
      throw new OAuthError(
        401,
        'invalid_client',
        id === undefined || secret === undefined
          ? 'Client authentication is required (client_secret_basic or client_secret_post)'
          : 'Invalid client credentials',
      );
    }
    res.locals.client = client;
    next();
  };
  const back = [perIp, noStore, form, bodyOnly, requireOAuthClient];

  // Discovery and keys: public, cacheable, readable from any origin.
  const discovery: RequestHandler = (req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(discoveryDocument(issuerOf(config, req)));
  };
  const discoverySummary = 'OpenID Connect discovery document (also at /.well-known/oauth-authorization-server, RFC 8414)';
  api.get('/.well-known/openid-configuration', { summary: discoverySummary }, publicCors, discovery);
  api.get('/.well-known/oauth-authorization-server', { summary: discoverySummary, hidden: true }, publicCors, discovery);
  api.get(
    '/oauth/jwks',
    { summary: 'The JSON Web Key Set that verifies id_tokens (the signing key and recently retired ones)' },
    publicCors,
    async (_req, res) => {
      // The signing key exists before it is first published: a relying party may fetch the JWKS first.
      await keys.ensure(clock.now());
      res
        .set('Cache-Control', 'public, max-age=300')
        .type('application/jwk-set+json')
        .json({ keys: await publishedKeys(deps.db, clock.now()) });
    },
  );

  const authorize: RequestHandler = async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') throw new AuthorizePageError('Use GET or POST');
    const params = (req.method === 'POST' ? (req.body ?? {}) : req.query) as Record<string, unknown>;
    if (req.method === 'POST' && req.originalUrl.includes('?'))
      throw new AuthorizePageError('Send the parameters either in the URL (GET) or in the form body (POST)');
    const one = (name: string) => {
      const v = params[name];
      if (Array.isArray(v)) throw new OAuthError(400, 'invalid_request', `${name} is given more than once`);
      return typeof v === 'string' ? v : undefined;
    };
    // 1. Who is asking and where the answer goes: until both are trusted, nothing is redirected.
    let clientId: string | undefined;
    let redirectUri: string | undefined;
    try {
      clientId = one('client_id');
      redirectUri = one('redirect_uri');
    } catch (e) {
      throw new AuthorizePageError((e as Error).message);
    }
    if (!clientId) throw new AuthorizePageError('client_id is missing');
    const client = /^client_[0-9a-f]{32}$/.test(clientId) ? await findActiveClient(deps.db, clientId) : undefined;
    if (!client) throw new AuthorizePageError('Unknown client_id');
    if (!redirectUri) throw new AuthorizePageError('redirect_uri is missing');
    const registered = JSON.parse(client.redirect_uris) as string[];
    // Exact string comparison (RFC 9700 2.1): no normalisation of case, path, query, port or trailing slash.
    if (!registered.includes(redirectUri) || redirectUri.includes('#')) throw new AuthorizePageError('redirect_uri is not registered for this client');
    const issuer = issuerOf(config, req);
    const state = typeof params.state === 'string' ? params.state : undefined;
    const fail = (error: string, description: string) => {
      res.redirect(
        303,
        redirectWith(redirectUri, { error, error_description: description, state: state && state.length <= 512 ? state : undefined, iss: issuer }),
      );
    };
    try {
      const p = AuthorizeParams.safeParse(Object.fromEntries(Object.keys(params).map((k) => [k, one(k)])));
      if (!p.success) {
        const issue = p.error.issues[0]!;
        return fail('invalid_request', `${issue.path.join('.') || 'request'}: ${issue.message}`);
      }
      const a = p.data;
      if (a.request !== undefined) return fail('request_not_supported', 'Request objects are not supported');
      if (a.request_uri !== undefined) return fail('request_uri_not_supported', 'request_uri is not supported');
      if (a.response_type !== 'code') return fail('unsupported_response_type', 'Only response_type=code is supported');
      if (a.response_mode !== undefined && a.response_mode !== 'query') return fail('invalid_request', 'Only response_mode=query is supported');
      if (!a.state) return fail('invalid_request', 'state is required');
      if (!a.code_challenge) return fail('invalid_request', 'PKCE is required: code_challenge with code_challenge_method=S256');
      if (a.code_challenge_method !== 'S256')
        return fail('invalid_request', 'Only code_challenge_method=S256 is accepted (plain and a missing method are refused)');
      if (!CHALLENGE.test(a.code_challenge)) return fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the verifier (43 characters)');
      let scopes: string[];
      try {
        scopes = parseScopes(a.scope ?? '', client.scopes.split(' '));
      } catch (e) {
        return fail('invalid_scope', (e as Error).message);
      }
      const missing = [...REQUIRED_SCOPES].filter((s) => !scopes.includes(s));
      if (missing.length) return fail('invalid_scope', `scope must include ${missing.join(' ')}`);
      if (a.prompt?.split(' ').includes('none')) return fail('login_required', 'The user must sign in and consent on the Connect page');
      const handle = await createAuthorizationRequest(deps.write, clock.now(), {
        client,
        issuer,
        redirectUri,
        scopes,
        state: a.state,
        nonce: a.nonce ?? null,
        codeChallenge: a.code_challenge,
      });
      res.redirect(303, `/connect?request=${handle}`);
    } catch (e) {
      if (e instanceof OAuthError) return fail(e.error, e.message);
      throw e;
    }
  };
  const authorizeSpec = {
    query: AuthorizeParams,
    summary: 'Start the authorization code flow (PKCE S256 required); 303 to the hosted Connect page',
    description:
      'Also accepts POST with the same parameters form-encoded. Errors before the client and its exact redirect_uri are known are shown as a page; later ones redirect to redirect_uri with error, state and iss.',
  };
  api.get('/oauth/authorize', authorizeSpec, perIp, noStore, form, authorize);
  api.post('/oauth/authorize', { ...authorizeSpec, hidden: true }, perIp, noStore, form, authorize);
  // Any other method gets the page that says so (the handler refuses it).
  api.router.all('/oauth/authorize', perIp, noStore, form, authorize);

  api.post(
    '/oauth/token',
    {
      body: TokenBody,
      bodyType: FORM,
      auth: 'oauth_client',
      summary: 'Redeem an authorization code (form-encoded; client_secret_basic or client_secret_post) → cat_ access token, cgrant_ grant and id_token',
    },
    ...back,
    async (req, res) => {
      const body = parseForm(TokenBody, req.body);
      const client = clientOf(res);
      if (body.grant_type !== 'authorization_code') {
        throw new OAuthError(
          400,
          'unsupported_grant_type',
          body.grant_type === 'refresh_token'
            ? 'No refresh tokens are issued: access tokens last as long as the grant'
            : 'Only grant_type=authorization_code is supported',
        );
      }
      if (!body.code || !body.redirect_uri || !body.code_verifier)
        throw new OAuthError(400, 'invalid_request', 'code, redirect_uri and code_verifier are required');
      const now = clock.now();
      const result = await redeemCode(
        deps,
        now,
        client,
        { code: body.code, redirectUri: body.redirect_uri, verifier: body.code_verifier },
        { ip: req.ip, requestId: req.id },
      );
      if ('failure' in result) throw new OAuthError(400, 'invalid_grant', result.failure);
      const iat = Math.floor(now / 1000);
      const idToken = await keys.sign(
        {
          iss: result.issuer,
          sub: result.user_id,
          aud: client.id,
          azp: client.id,
          iat,
          exp: iat + ID_TOKEN_TTL_S,
          ...(result.nonce ? { nonce: result.nonce } : {}),
          at_hash: atHash(result.access_token),
        },
        now,
      );
      res.json({
        access_token: result.access_token,
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_TTL_S,
        scope: result.scope,
        id_token: idToken,
        grant_id: result.grant_id,
        workspace_id: result.workspace_id,
        user_id: result.user_id,
      });
    },
  );

  const userinfoGuard: RequestHandler = (req, _res, next) => {
    if (req.method !== 'GET' && req.method !== 'POST') throw new OAuthError(405, 'invalid_request', 'Use GET or POST');
    if (req.originalUrl.includes('?')) throw new OAuthError(400, 'invalid_request', 'Send the access token in the Authorization header, never in the URL');
    next();
  };
  const userinfo: RequestHandler = async (_req, res) => {
    const grant = grantOf(res);
    if (!grant.scopes.has('openid')) throw new OAuthError(403, 'insufficient_scope', 'The grant does not include the openid scope');
    const user = await findUser(deps.db, grant.userId);
    if (!user) throw new OAuthError(401, 'invalid_token', 'The user of this grant no longer exists');
    res.json({
      sub: user.id,
      ...(grant.scopes.has('profile') ? { ...(user.name ? { name: user.name } : {}), locale: user.language } : {}),
      ...(grant.scopes.has('email') && user.email ? { email: user.email, email_verified: true } : {}),
    });
  };
  const userinfoSpec = {
    auth: 'bearer',
    summary: 'OpenID Connect UserInfo: sub, and name and locale (profile), email and email_verified (email); also POST',
  } as const;
  api.get('/oauth/userinfo', userinfoSpec, perIp, noStore, userinfoGuard, bearer, userinfo);
  api.post('/oauth/userinfo', { ...userinfoSpec, hidden: true }, perIp, noStore, userinfoGuard, bearer, userinfo);
  // Any other method: 405 from the guard.
  api.router.all('/oauth/userinfo', perIp, noStore, userinfoGuard, bearer, userinfo);

  api.post(
    '/oauth/revoke',
    {
      body: RevokeBody,
      bodyType: FORM,
      auth: 'oauth_client',
      summary: 'RFC 7009: revoke an access token (cat_) or grant (cgrant_) of the calling client; 200 whatever the token',
    },
    ...back,
    async (req, res) => {
      const body = parseForm(RevokeBody, req.body);
      const client = clientOf(res);
      const now = clock.now();
      const grantId = await grantOfToken(body.token, client.id);
      if (grantId) {
        await deps.write(async (trx) => {
          if (await revokeGrant(trx, now, client.id, grantId, 'revoked_by_client')) {
            await recordAudit(trx, now, {
              clientId: client.id,
              event: 'grant.revoked',
              ip: req.ip,
              requestId: req.id,
              details: { grant_id: grantId, via: 'oauth/revoke' },
            });
          }
        });
      }
      res.status(200).end();
    },
  );

  api.post(
    '/oauth/introspect',
    {
      body: IntrospectBody,
      bodyType: FORM,
      auth: 'oauth_client',
      summary: "RFC 7662: is this access token active? Only the calling client's own tokens are described",
    },
    ...back,
    async (req, res) => {
      const body = parseForm(IntrospectBody, req.body);
      const client = clientOf(res);
      const now = clock.now();
      const row = isWellFormedToken(body.token, 'cat_') ? await findAccessTokenWithGrant(deps.db, digest(body.token)) : undefined;
      const active =
        row && row.client_id === client.id && row.sandbox === client.sandbox && row.revoked_at === null && row.expires_at > now && row.token_expires_at > now;
      if (!active) return res.json({ active: false });
      res.json({
        active: true,
        scope: row.scopes,
        client_id: row.client_id,
        sub: row.user_id,
        token_type: 'Bearer',
        iss: issuerOf(config, req),
        iat: Math.floor(row.created_at / 1000),
        exp: Math.floor(Math.min(row.expires_at, row.token_expires_at) / 1000),
        grant_id: row.id,
        workspace_id: row.workspace_id,
      });
    },
  );

  async function grantOfToken(token: string, clientId: string): Promise<string | undefined> {
    if (isWellFormedToken(token, 'cgrant_')) return token;
    if (!isWellFormedToken(token, 'cat_')) return undefined;
    const row = await findAccessTokenOwner(deps.db, digest(token));
    return row && row.client_id === clientId ? row.grant_id : undefined;
  }

  api.router.use(oauthErrors(deps.logger));
}

function parseForm<T>(
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } },
  body: unknown,
): T {
  const p = schema.safeParse(body ?? {});
  if (!p.success) {
    const issue = p.error.issues[0]!;
    throw new OAuthError(400, 'invalid_request', `${issue.path.map(String).join('.') || 'body'}: ${issue.message}`);
  }
  return p.data;
}

/** OIDC Core 3.1.3.6: the left half of the access token's SHA-256, base64url. */
function atHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');
}

function oauthErrors(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    res.set('Cache-Control', 'no-store');
    if (req.path === '/oauth/authorize' && !(error instanceof OAuthError)) {
      const message = error instanceof AuthorizePageError ? error.message : toHttpError(error, 'connect', logger, req).message;
      const status = error instanceof AuthorizePageError ? 400 : toHttpError(error, 'connect', logger, req).status;
      return sendPage(
        res,
        status,
        'This sign-in request cannot continue',
        `${message}. Go back to the app you came from and try again; if it keeps happening, tell its developers.`,
      );
    }
    if (error instanceof OAuthError) {
      return res.status(error.status).json({ error: error.error, error_description: error.message });
    }
    const e = toHttpError(error, 'connect', logger, req);
    if (e.extra?.retry_after !== undefined) res.set('Retry-After', String(e.extra.retry_after));
    const code =
      e.status === 429
        ? 'rate_limited'
        : e.status === 401
          ? req.path === '/oauth/userinfo'
            ? 'invalid_token'
            : 'invalid_client'
          : e.status >= 500
            ? 'server_error'
            : 'invalid_request';
    if (code === 'invalid_token') res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
    res.status(e.status).json({ error: code, error_description: e.message, ...(e.extra ?? {}) });
  };
}

export function sendPage(res: Response, status: number, title: string, text: string) {
  res.set({ 'X-Frame-Options': 'DENY', 'Cache-Control': 'no-store' });
  res.status(status).type('html').send(htmlPage(title, text));
}
