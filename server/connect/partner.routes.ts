/**
 * The partner endpoints of the contract (section 4), authenticated by client credentials:
 * link tokens, check-session, exchange, revoke, grants — and the sandbox shortcut
 * `POST /sandbox/public-token` for running the exchange and data flow without a browser.
 */
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Sealer } from '../crypto.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import { digest, isWellFormedToken } from '../crypto.ts';
import { LINK_TOKEN_TTL_MS, iso } from '../clock.ts';
import { connectError } from '../errors.ts';
import { parseScopes } from '../scopes.ts';
import { recordAudit } from '../audit.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { clientOf } from '../http/locals.ts';
import type { RouteArea } from '../http/routes.ts';
import { clientSessionState, listActiveGrants, revokeGrant } from './grants.repository.ts';
import { exchangeError, exchangePublicToken } from './exchange.service.ts';
import { issueLinkToken, sandboxPublicToken } from './partner.service.ts';
import { planIntegrations } from '../integrations/integrations.service.ts';
import { SANDBOX_ADDRESSES } from '../addresses.ts';

const Credentials = {
  client_id: z.string().max(64).optional(),
  client_secret: z.string().max(128).optional(),
};
const UserReference = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/, 'printable ASCII only');

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

export type PartnerDeps = {
  db: Db;
  write: Writer;
  clock: Clock;
  sealer: Sealer;
  /** HMAC key of integration fingerprints (derived once at start). */
  fingerprintKey: Buffer;
  /** Read at call time: the sync engine is attached after the app is built. */
  readonly onIntegrationsAdded?: (integrationIds: string[]) => void;
};

export function partnerRoutes(api: RouteArea, deps: PartnerDeps, guard: { client: RequestHandler[] }): void {
  const { db, clock } = deps;

  api.post(
    '/link-token',
    {
      summary: 'Create a link token (30 minutes); resume with an existing access token',
      body: LinkTokenBody,
      description:
        'data: link_token, expires_at and has_existing_grant (always; true only when access_token resumed its session, with user_id and workspace_id). ' +
        'A refused resume is still a plain link token, with resume_refused: token_expired | token_revoked | invalid_token.',
    },
    ...guard.client,
    async (req, res) => {
      noStore(res);
      const body = LinkTokenBody.parse(req.body);
      const c = clientOf(res);
      const scopes = parseScopes(body.scopes, c.scopes.split(' '));
      const now = clock.now();
      const userReference = body.user_reference ?? body.metadata?.user_id ?? null;
      const { token, resume, refused } = await issueLinkToken(
        deps,
        now,
        c,
        { scopes, accessToken: body.access_token, userReference },
        { ip: req.ip, requestId: req.id },
      );
      // A refused resume still answers a plain link token (the contract's behaviour, which
      // partners rely on): has_existing_grant is always present, and resume_refused says why.
      sendOk(res, {
        link_token: token,
        expires_at: iso(now + LINK_TOKEN_TTL_MS),
        ...(resume ? { user_id: resume.user_id, workspace_id: resume.workspace_id } : {}),
        has_existing_grant: Boolean(resume),
        ...(refused ? { resume_refused: refused } : {}),
      });
    },
  );

  api.post(
    '/link-token/check-session',
    { summary: 'Is this access token still a valid session?', body: CheckSessionBody },
    ...guard.client,
    async (req, res) => {
      noStore(res);
      const body = CheckSessionBody.parse(req.body);
      const c = clientOf(res);
      const result = isWellFormedToken(body.access_token, 'cat_')
        ? await clientSessionState(db, digest(body.access_token), c, clock.now())
        : ({ state: 'invalid_token' } as const);
      if (result.state !== 'valid') return sendOk(res, { has_valid_session: false, reason: result.state });
      const g = result.row;
      sendOk(res, {
        has_valid_session: true,
        user_id: g.user_id,
        workspace_id: g.workspace_id,
        workspace_name: g.workspace_name,
        granted_scopes: g.scopes,
        grant_id: g.id,
      });
    },
  );

  api.post(
    '/token/exchange',
    {
      summary: 'Exchange a single-use public token for an access token and a grant: 15 years with offline_access, else 24 hours (expires_in says which)',
      body: ExchangeBody,
    },
    ...guard.client,
    async (req, res) => {
      noStore(res);
      const body = ExchangeBody.parse(req.body);
      const result = await exchangePublicToken(deps.write, clock.now(), clientOf(res), body.public_token, { ip: req.ip, requestId: req.id });
      if ('failure' in result) throw exchangeError(result.failure);
      sendOk(res, result);
    },
  );

  api.post('/token/revoke', { summary: 'Revoke a grant and every access token of it, at once', body: RevokeBody }, ...guard.client, async (req, res) => {
    noStore(res);
    const body = RevokeBody.parse(req.body);
    const c = clientOf(res);
    const now = clock.now();
    // Unknown or foreign grants get the same answer as success (docs/security-model.md T11).
    if (body.grant_id.startsWith('cgrant_')) {
      await deps.write(async (trx) => {
        if (await revokeGrant(trx, now, c.id, body.grant_id, 'revoked_by_client')) {
          await recordAudit(trx, now, { clientId: c.id, event: 'grant.revoked', ip: req.ip, requestId: req.id, details: { grant_id: body.grant_id } });
        }
      });
    }
    res.json({ success: true, message: 'Grant revoked successfully' });
  });

  api.get('/token/grants', { summary: "List the calling client's active grants" }, ...guard.client, async (_req, res) => {
    noStore(res);
    const grants = await listActiveGrants(db, clientOf(res).id, clock.now());
    sendOk(res, {
      grants: grants.map((g) => ({
        grant_id: g.id,
        workspace_id: g.workspace_id,
        user_id: g.user_id,
        scopes: g.scopes,
        created_at: iso(g.created_at),
        expires_at: iso(g.expires_at),
      })),
      count: grants.length,
    });
  });

  api.post(
    '/sandbox/public-token',
    {
      tag: 'Sandbox',
      summary: 'Sandbox clients: create a guest with the test addresses, consent, and get a public token',
      body: SandboxPublicTokenBody,
    },
    ...guard.client,
    async (req, res) => {
      noStore(res);
      const body = SandboxPublicTokenBody.parse(req.body);
      const c = clientOf(res);
      if (c.sandbox !== 1) throw connectError('SANDBOX_ONLY', 'Only sandbox clients can create sandbox public tokens');
      const scopes = parseScopes(body.scopes, c.scopes.split(' '));
      const wanted = body.integrations ?? [
        { provider: 'ethereum', address: SANDBOX_ADDRESSES.ethereum },
        { provider: 'solana', address: SANDBOX_ADDRESSES.solana },
      ];
      const planned = wanted.flatMap((i) => planIntegrations(i, { sandbox: true }, deps.fingerprintKey));
      const result = await sandboxPublicToken(deps, clock.now(), c, scopes, planned, body.user_reference ?? null, { ip: req.ip, requestId: req.id });
      deps.onIntegrationsAdded?.(result.added.map((i) => i.id));
      sendOk(res, { public_token: result.publicToken, user_id: result.userId, workspace_id: result.workspaceId, integrations: result.added.map((i) => i.id) });
    },
  );
}
