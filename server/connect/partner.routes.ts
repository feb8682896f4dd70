/**
 * The partner endpoints of the contract (section 4), authenticated by client credentials:
 * link tokens, check-session, exchange, revoke, grants — and the sandbox shortcut
 * `POST /sandbox/public-token` for running the exchange and data flow without a browser.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Client } from '../db/tables.ts';
import { digest, isWellFormedToken, randomId } from '../crypto.ts';
import { LINK_TOKEN_TTL_MS, iso } from '../clock.ts';
import { connectError } from '../errors.ts';
import { parseScopes } from '../scopes.ts';
import { recordAudit } from '../audit.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { createLinkToken, resumableGrant } from './link-tokens.ts';
import { clientSessionState, listActiveGrants, revokeGrant } from './grants.repository.ts';
import { exchangeError, exchangePublicToken, insertPublicToken } from './exchange.service.ts';
import { insertUserWithWorkspace } from '../users/users.service.ts';
import { insertIntegrations, planIntegrations } from '../integrations/integrations.service.ts';
import { SANDBOX_ADDRESSES } from '../addresses.ts';
import { deriveKey } from '../crypto.ts';
import { route } from '../openapi.ts';

const Credentials = {
  client_id: z.string().max(64).optional(),
  client_secret: z.string().max(128).optional(),
};
const UserReference = z.string().min(1).max(255).regex(/^[\x20-\x7e]+$/, 'printable ASCII only');

export const LinkTokenBody = z.strictObject({
  scopes: z.string(), // size and content checked by parseScopes → INVALID_SCOPE (the body limit caps it)
  access_token: z.string().max(128).optional(),
  user_reference: UserReference.optional(),
  // Accepted for partners still on older docs (contract 4.1); `metadata.user_id` is the old end-user reference.
  state: z.string().max(255).optional(),
  metadata: z.strictObject({ user_id: UserReference.optional() }).optional(),
  redirect_uri: z.string().max(500).optional(),
  ...Credentials,
});
export const CheckSessionBody = z.strictObject({ access_token: z.string().max(128), ...Credentials });
export const ExchangeBody = z.strictObject({ public_token: z.string().max(128), ...Credentials });
export const RevokeBody = z.strictObject({ grant_id: z.string().max(128), ...Credentials });
export const SandboxPublicTokenBody = z.strictObject({
  scopes: z.string(), // size and content checked by parseScopes → INVALID_SCOPE (the body limit caps it)
  integrations: z
    .array(z.strictObject({ provider: z.string().min(1).max(64), address: z.string().min(1).max(128) }))
    .min(1)
    .max(10)
    .optional(),
  user_reference: UserReference.optional(),
  ...Credentials,
});

const client = (res: { locals: Record<string, unknown> }) => res.locals.client as Client;

export function partnerRoutes(ctx: AppContext, guard: { client: import('express').RequestHandler[] }): Router {
  const router = Router({ strict: true, caseSensitive: true });
  const { db, clock } = ctx;
  const fingerprintKey = deriveKey(ctx.config.encryptionKey, 'integration-fingerprint');

  route({
    method: 'post', path: '/link-token', tag: 'Partner', summary: 'Create a link token (30 minutes); resume with an existing access token', body: LinkTokenBody, auth: 'client',
    description: 'data: link_token, expires_at and has_existing_grant (always; true only when access_token resumed its session, with user_id and workspace_id). '
      + 'A refused resume is still a plain link token, with resume_refused: token_expired | token_revoked | invalid_token.',
  });
  router.post('/link-token', ...guard.client, async (req, res) => {
    noStore(res);
    const body = LinkTokenBody.parse(req.body);
    const c = client(res);
    const scopes = parseScopes(body.scopes, c.scopes.split(' '));
    const now = clock.now();
    const session = body.access_token === undefined ? undefined : await resumableGrant(db, now, c, body.access_token);
    const resume = session?.state === 'valid' ? session.row : undefined;
    const userReference = body.user_reference ?? body.metadata?.user_id ?? null;
    const token = await ctx.write(async (trx) => {
      const created = await createLinkToken(trx, now, c, scopes, userReference,
        resume && { grantId: resume.id, userId: resume.user_id, workspaceId: resume.workspace_id });
      await recordAudit(trx, now, { clientId: c.id, event: 'link_token.issued', ip: req.ip, requestId: req.id, details: { link_token_id: created.row.id, resumed: Boolean(resume), scopes: created.row.scopes } });
      return created.token;
    });
    // A refused resume still answers a plain link token (the contract's behaviour, which
    // partners rely on): has_existing_grant is always present, and resume_refused says why.
    sendOk(res, {
      link_token: token,
      expires_at: iso(now + LINK_TOKEN_TTL_MS),
      ...(resume ? { user_id: resume.user_id, workspace_id: resume.workspace_id } : {}),
      has_existing_grant: Boolean(resume),
      ...(session && session.state !== 'valid' ? { resume_refused: session.state } : {}),
    });
  });

  route({ method: 'post', path: '/link-token/check-session', tag: 'Partner', summary: 'Is this access token still a valid session?', body: CheckSessionBody, auth: 'client' });
  router.post('/link-token/check-session', ...guard.client, async (req, res) => {
    noStore(res);
    const body = CheckSessionBody.parse(req.body);
    const c = client(res);
    const result = isWellFormedToken(body.access_token, 'cat_')
      ? await clientSessionState(db, digest(body.access_token), c, clock.now())
      : ({ state: 'invalid_token' } as const);
    if (result.state !== 'valid') return sendOk(res, { has_valid_session: false, reason: result.state });
    const g = result.row;
    sendOk(res, { has_valid_session: true, user_id: g.user_id, workspace_id: g.workspace_id, workspace_name: g.workspace_name, granted_scopes: g.scopes, grant_id: g.id });
  });

  route({ method: 'post', path: '/token/exchange', tag: 'Partner', summary: 'Exchange a single-use public token for an access token and a grant: 15 years with offline_access, else 24 hours (expires_in says which)', body: ExchangeBody, auth: 'client' });
  router.post('/token/exchange', ...guard.client, async (req, res) => {
    noStore(res);
    const body = ExchangeBody.parse(req.body);
    const c = client(res);
    const now = clock.now();
    const result = await exchangePublicToken(ctx.write, now, c, body.public_token, { ip: req.ip, requestId: req.id });
    if ('failure' in result) throw exchangeError(result.failure);
    sendOk(res, result);
  });

  route({ method: 'post', path: '/token/revoke', tag: 'Partner', summary: 'Revoke a grant and every access token of it, at once', body: RevokeBody, auth: 'client' });
  router.post('/token/revoke', ...guard.client, async (req, res) => {
    noStore(res);
    const body = RevokeBody.parse(req.body);
    const c = client(res);
    const now = clock.now();
    // Unknown or foreign grants get the same answer as success (docs/security-model.md T11).
    if (body.grant_id.startsWith('cgrant_')) {
      await ctx.write(async (trx) => {
        if (await revokeGrant(trx, now, c.id, body.grant_id, 'revoked_by_client')) {
          await recordAudit(trx, now, { clientId: c.id, event: 'grant.revoked', ip: req.ip, requestId: req.id, details: { grant_id: body.grant_id } });
        }
      });
    }
    res.json({ success: true, message: 'Grant revoked successfully' });
  });

  route({ method: 'get', path: '/token/grants', tag: 'Partner', summary: "List the calling client's active grants", auth: 'client' });
  router.get('/token/grants', ...guard.client, async (_req, res) => {
    noStore(res);
    const grants = await listActiveGrants(db, client(res).id, clock.now());
    sendOk(res, {
      grants: grants.map((g) => ({ grant_id: g.id, workspace_id: g.workspace_id, user_id: g.user_id, scopes: g.scopes, created_at: iso(g.created_at), expires_at: iso(g.expires_at) })),
      count: grants.length,
    });
  });

  route({ method: 'post', path: '/sandbox/public-token', tag: 'Sandbox', summary: 'Sandbox clients: create a guest with the test addresses, consent, and get a public token', body: SandboxPublicTokenBody, auth: 'client' });
  router.post('/sandbox/public-token', ...guard.client, async (req, res) => {
    noStore(res);
    const body = SandboxPublicTokenBody.parse(req.body);
    const c = client(res);
    if (c.sandbox !== 1) throw connectError('SANDBOX_ONLY', 'Only sandbox clients can create sandbox public tokens');
    const scopes = parseScopes(body.scopes, c.scopes.split(' '));
    const wanted = body.integrations ?? [
      { provider: 'ethereum', address: SANDBOX_ADDRESSES.ethereum },
      { provider: 'solana', address: SANDBOX_ADDRESSES.solana },
    ];
    const planned = wanted.flatMap((i) => planIntegrations(i, { sandbox: true }, fingerprintKey));
    const now = clock.now();
    const linkId = randomId('lt_', 12);
    const result = await ctx.write(async (trx) => {
      const { userId, workspaceId } = await insertUserWithWorkspace(trx, now, null);
      await trx.insertInto('link_tokens').values({
        id: linkId, digest: digest(`sandbox:${linkId}`), client_id: c.id, sandbox: 1, scopes: scopes.join(' '), user_reference: body.user_reference ?? null,
        grant_id: null, user_id: userId, workspace_id: workspaceId, consented_at: now, created_at: now, expires_at: now,
      }).execute();
      const { added } = await insertIntegrations(trx, now, ctx.sealer, workspaceId, dedupe(planned));
      const publicToken = await insertPublicToken(trx, now, { clientId: c.id, linkTokenId: linkId, userId, workspaceId, scopes, sandbox: 1, userReference: body.user_reference ?? null });
      await recordAudit(trx, now, { clientId: c.id, event: 'sandbox.public_token', ip: req.ip, requestId: req.id, details: { workspace_id: workspaceId } });
      return { publicToken, userId, workspaceId, added };
    });
    ctx.onIntegrationsAdded?.(result.added.map((i) => i.id));
    sendOk(res, { public_token: result.publicToken, user_id: result.userId, workspace_id: result.workspaceId, integrations: result.added.map((i) => i.id) });
  });

  return router;
}

function dedupe<T extends { provider: { id: string }; chain: string | null; address: string | null }>(planned: T[]): T[] {
  const seen = new Set<string>();
  return planned.filter((p) => {
    const key = `${p.provider.id}:${p.chain}:${p.address}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
