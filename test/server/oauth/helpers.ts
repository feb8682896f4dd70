/**
 * OAuth test helpers: a relying party we did not write (openid-client) configured by discovery,
 * and the hosted page's part of the flow driven over the widget API as the page does it
 * (POST /connect/session, guest sign-in, the sandbox address, consent → redirect_to).
 */
import * as oidc from 'openid-client';
import { SANDBOX_ETH, call, newClient, widget, type TestClient, type TestServer } from '../helpers.ts';

export const CALLBACK = 'http://127.0.0.1:4999/callback';
export const OIDC_SCOPES = 'openid profile email portfolios:read workspace:read';

export async function relyingParty(server: TestServer, client: TestClient, auth: 'basic' | 'post' = 'basic') {
  const authMethod = auth === 'basic' ? oidc.ClientSecretBasic(client.client_secret) : oidc.ClientSecretPost(client.client_secret);
  return oidc.discovery(new URL(server.url), client.client_id, undefined, authMethod, { execute: [oidc.allowInsecureRequests] });
}

export async function oauthClient(server: TestServer, fields: Record<string, unknown> = {}) {
  return newClient(server, { redirect_uris: [CALLBACK], ...fields });
}

export type Started = { verifier: string; state: string; nonce: string; url: URL };

/** The relying party's first step: an authorization URL with PKCE S256, state and nonce. */
export async function startAuthorization(config: oidc.Configuration, extra: Record<string, string> = {}): Promise<Started> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: OIDC_SCOPES,
    state,
    nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  return { verifier, state, nonce, url };
}

/** GET the authorization URL without following: the status and Location. */
export async function visit(url: URL | string, init: RequestInit = {}) {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000), ...init });
  return { status: res.status, location: res.headers.get('location'), headers: res.headers, text: await res.text() };
}

/** The hosted page: open the handle, sign in as a guest, add the sandbox address, consent to everything. */
export async function hostedPageConsents(server: TestServer, location: string) {
  const handle = new URL(location, server.url).searchParams.get('request')!;
  const opened = await call(server, 'POST', '/connect/session', { body: { handle }, headers: { origin: server.url } });
  if (opened.status !== 200) throw new Error(`connect/session ${opened.status} ${JSON.stringify(opened.body)}`);
  const w = widget(server, opened.body.data.link_token);
  const same = { origin: server.url }; // the hosted page runs at the server's own origin
  const guest = await w('POST', '/auth/guest', {}, same);
  if (guest.status !== 200) throw new Error(`guest ${guest.status} ${JSON.stringify(guest.body)}`);
  const added = await w('POST', '/integrations', { provider: 'ethereum', address: SANDBOX_ETH }, same);
  if (added.status !== 201) throw new Error(`add ${added.status} ${JSON.stringify(added.body)}`);
  const session = await w('GET', '/session', undefined, same);
  const scopes = (session.body.data.scopes as { scope: string }[]).map((s) => s.scope);
  const consent = await w('POST', '/consent', { scopes }, same);
  if (consent.status !== 200) throw new Error(`consent ${consent.status} ${JSON.stringify(consent.body)}`);
  return { consent, handle, w, link_token: opened.body.data.link_token as string };
}

/** Authorization URL → hosted page → consent: the callback URL the browser lands on. */
export async function authorizeToCallback(server: TestServer, config: oidc.Configuration, extra: Record<string, string> = {}) {
  const started = await startAuthorization(config, extra);
  const first = await visit(started.url);
  if (first.status !== 303 || !first.location) throw new Error(`authorize ${first.status} ${first.location} ${first.text.slice(0, 200)}`);
  const { consent } = await hostedPageConsents(server, first.location);
  return { ...started, callback: new URL(consent.body.data.redirect_to as string) };
}

/** A form POST to the token endpoint (client_secret_post), as a hand-written client would send it. */
export async function tokenRequest(server: TestServer, client: TestClient, params: Record<string, string>) {
  return call(server, 'POST', '/oauth/token', {
    raw: new URLSearchParams({ client_id: client.client_id, client_secret: client.client_secret, ...params }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}
