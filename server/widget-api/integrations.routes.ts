/** The workspace's integrations, and consent (docs/widget-api.md). */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { LinkToken } from '../db/tables.ts';
import { deriveKey } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { REQUIRED_SCOPES } from '../scopes.ts';
import { recordAudit } from '../audit.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { route } from '../openapi.ts';
import { CAN_SHARE, listWorkspaces } from '../users/users.service.ts';
import { insertIntegrations, listIntegrations, planIntegrations, removeIntegration } from '../integrations/integrations.service.ts';
import { integrationView } from '../integrations/integrations.view.ts';
import { insertPublicToken } from '../connect/exchange.service.ts';
import { locals, resumedBeforeSignIn } from './session.routes.ts';
import { completeAuthorization } from '../oauth/authorization.ts';

const Secret = z.string().trim().min(1).max(512);
export const AddIntegrationBody = z.strictObject({
  provider: z.string().min(1).max(64),
  address: z.string().trim().min(1).max(128).optional(),
  chains: z.array(z.string().min(1).max(32)).max(16).optional(),
  credentials: z.strictObject({ apiKey: Secret.optional(), secretKey: Secret.optional(), password: Secret.optional() }).optional(),
  alias: z.string().trim().min(1).max(64).optional(),
});
export const ConsentBody = z.strictObject({ scopes: z.array(z.string().min(1).max(64)).min(1).max(64) });
const IntegrationId = z.string().regex(/^wallet_[0-9a-f]{24}$/);

export function integrationRoutes(ctx: AppContext): Router {
  const router = Router({ strict: true, caseSensitive: true });
  const { db, clock } = ctx;
  const fingerprintKey = deriveKey(ctx.config.encryptionKey, 'integration-fingerprint');

  /**
   * The workspace this session may write to. A resumed session's grant was checked alive by the
   * link-token middleware on this very request (connect/link-tokens.ts); a new one must not have
   * consented yet and needs a role that may share.
   */
  async function writableWorkspace(link: LinkToken): Promise<string> {
    if (!link.user_id || !link.workspace_id) throw connectError('SIGN_IN_REQUIRED', 'Sign in or continue as a guest first');
    if (!link.grant_id) {
      if (link.consented_at !== null) throw connectError('CONSENT_ALREADY_GIVEN', 'Consent was already given for this session');
      const role = (await listWorkspaces(db, link.user_id)).find((w) => w.id === link.workspace_id)?.role;
      if (!role || !CAN_SHARE.has(role)) throw connectError('INSUFFICIENT_PERMISSIONS', 'Only an owner or admin can share this workspace');
    }
    return link.workspace_id;
  }

  route({ method: 'get', path: '/widget/integrations', tag: 'Widget', summary: "The selected workspace's integrations and their sync status", auth: 'link' });
  router.get('/integrations', async (_req, res) => {
    const { link, grantScopes } = locals(res);
    if (!link.workspace_id) throw connectError('SIGN_IN_REQUIRED', 'Sign in or continue as a guest first');
    let rows = await listIntegrations(db, link.workspace_id);
    if (link.grant_id) {
      // A resumed session: before the email step-up only what it added itself; addresses of
      // other accounts only when the grant has integrations:read.
      if (resumedBeforeSignIn(link)) rows = rows.filter((i) => i.added_by_link_token_id === link.id);
      if (!grantScopes?.includes('integrations:read')) rows = rows.map((i) => (i.added_by_link_token_id === link.id ? i : { ...i, address: null }));
    }
    sendOk(res, { integrations: rows.map(integrationView), complete: !resumedBeforeSignIn(link) });
  });

  route({ method: 'post', path: '/widget/integrations', tag: 'Widget', summary: 'Add a wallet/chain address (several EVM chains at once) or an exchange read-only API key', body: AddIntegrationBody, auth: 'link' });
  router.post('/integrations', async (req, res) => {
    const body = AddIntegrationBody.parse(req.body);
    const { link } = locals(res);
    const workspaceId = await writableWorkspace(link);
    const planned = planIntegrations(body, { sandbox: link.sandbox === 1 }, fingerprintKey);
    const now = clock.now();
    const { added, existing } = await ctx.write(async (trx) => {
      const result = await insertIntegrations(trx, now, ctx.sealer, workspaceId, planned, body.alias, link.id);
      await recordAudit(trx, now, { clientId: link.client_id, event: 'integration.added', ip: req.ip, requestId: req.id, details: { workspace_id: workspaceId, integrations: result.added.map((i) => i.id), provider: body.provider } });
      return result;
    });
    ctx.onIntegrationsAdded?.(added.map((i) => i.id));
    sendOk(res, { integrations: added.map(integrationView), existing: existing.map(integrationView) }, 201);
  });

  route({ method: 'delete', path: '/widget/integrations/:id', tag: 'Widget', summary: 'Remove an integration from the workspace', auth: 'link' });
  router.delete('/integrations/:id', async (req, res) => {
    const parsed = IntegrationId.safeParse(req.params.id);
    const { link } = locals(res);
    const workspaceId = await writableWorkspace(link);
    const now = clock.now();
    const ownOnly = resumedBeforeSignIn(link);
    const removed = parsed.success && (await ctx.write(async (trx) => {
      const done = await removeIntegration(trx, now, workspaceId, parsed.data, ownOnly ? link.id : undefined);
      if (done) await recordAudit(trx, now, { clientId: link.client_id, event: 'integration.removed', ip: req.ip, requestId: req.id, details: { integration_id: parsed.data } });
      return done;
    }));
    // Before the step-up, anything but its own additions needs an email sign-in (whether it exists or not).
    if (!removed && ownOnly) throw connectError('EMAIL_SIGN_IN_REQUIRED', 'Sign in with your email to remove accounts added before this session');
    if (!removed) throw connectError('INTEGRATION_NOT_FOUND', 'No such integration in this workspace');
    sendOk(res, { deleted: true });
  });

  route({ method: 'post', path: '/widget/consent', tag: 'Widget', summary: 'Grant a subset of the requested scopes → a single-use public token (null on a resumed session); in OAuth mode (hosted page) {redirect_to} instead', body: ConsentBody, auth: 'link' });
  router.post('/consent', async (req, res) => {
    noStore(res);
    const { scopes } = ConsentBody.parse(req.body);
    const { link } = locals(res);
    const requested = link.scopes.split(' ');
    const unknown = scopes.filter((s) => !requested.includes(s));
    if (unknown.length) throw connectError('INVALID_SCOPE', `Not requested by the app: ${unknown.join(' ').slice(0, 200)}`);
    if (new Set(scopes).size !== scopes.length) throw connectError('INVALID_SCOPE', 'Duplicated scope');
    const missing = requested.filter((s) => REQUIRED_SCOPES.has(s) && !scopes.includes(s));
    if (missing.length) throw connectError('INVALID_SCOPE', `Required scope cannot be removed: ${missing.join(' ')}`);
    const workspaceId = await writableWorkspace(link);
    if (!link.grant_id && (await listIntegrations(db, workspaceId)).length === 0) throw connectError('NO_INTEGRATIONS', 'Connect at least one account before sharing');
    const granted = requested.filter((s) => scopes.includes(s)); // in the order the app asked
    const now = clock.now();
    const consented = await ctx.write(async (trx) => {
      const r = await trx.updateTable('link_tokens').set({ consented_at: now }).where('id', '=', link.id).where('consented_at', 'is', null).executeTakeFirst();
      if (r.numUpdatedRows !== 1n) return undefined;
      await recordAudit(trx, now, { clientId: link.client_id, event: 'consent.granted', ip: req.ip, requestId: req.id, details: { link_token_id: link.id, workspace_id: workspaceId, scopes: granted.join(' '), resumed: Boolean(link.grant_id) } });
      if (link.grant_id) return { public_token: null };
      const publicToken = await insertPublicToken(trx, now, { clientId: link.client_id, linkTokenId: link.id, userId: link.user_id!, workspaceId, scopes: granted, sandbox: link.sandbox, userReference: link.user_reference });
      // The hosted page in OAuth mode: the public token becomes an authorization code, never shown.
      const redirectTo = await completeAuthorization(trx, ctx.sealer, now, link, publicToken, { ip: req.ip, requestId: req.id });
      return redirectTo ? { redirect_to: redirectTo } : { public_token: publicToken };
    });
    if (consented === undefined) throw connectError('CONSENT_ALREADY_GIVEN', 'Consent was already given for this session');
    sendOk(res, consented);
  });

  return router;
}
