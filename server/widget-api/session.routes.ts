/** `/widget/session`, providers, address checks and exit events (docs/widget-api.md). */
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Client, LinkToken } from '../db/tables.ts';
import { ACCESS_TOKEN_TTL_S, iso } from '../clock.ts';
import { describeScopes } from '../scopes.ts';
import { PROVIDERS } from '../catalogue.ts';
import { checkAddress } from '../addresses.ts';
import { connectError } from '../errors.ts';
import { sendOk } from '../http/envelope.ts';
import { route } from '../openapi.ts';
import { findUser, findWorkspace, listWorkspaces, userView, workspaceView } from '../users/users.service.ts';
import { SANDBOX_RULES } from '../integrations/integrations.service.ts';

export const AddressBody = z.strictObject({ address: z.string().trim().min(1).max(128) });
export const ExitBody = z.strictObject({
  step: z.enum(['auth', 'otp', 'workspace', 'integrations', 'connect', 'consent', 'success', 'unknown']),
  reason: z.enum(['user_closed', 'error', 'timeout', 'other']),
  session_id: z.string().max(64).regex(/^[\w-]+$/).optional(),
});

export const locals = (res: { locals: Record<string, unknown> }) => ({ link: res.locals.link as LinkToken, client: res.locals.client as Client });

export async function sessionView(ctx: AppContext, link: LinkToken, client: Client) {
  const user = link.user_id ? await findUser(ctx.db, link.user_id) : undefined;
  const workspace = link.workspace_id ? await findWorkspace(ctx.db, link.workspace_id) : undefined;
  const workspaces = user ? await listWorkspaces(ctx.db, user.id) : [];
  return {
    client: { name: client.name, logo_url: client.logo_url },
    scopes: describeScopes(link.scopes.split(' ')),
    sandbox: link.sandbox === 1,
    sandbox_rules: link.sandbox === 1 ? SANDBOX_RULES : null,
    auth_methods: ctx.mailer.kind === 'none' ? ['anonymous'] : ['email', 'anonymous'],
    user: user ? userView(user) : null,
    workspace: workspace ? workspaceView(workspace) : null,
    workspaces: workspaces.map((w) => workspaceView(w, w.role)),
    has_existing_grant: link.grant_id !== null,
    grant_duration_days: ACCESS_TOKEN_TTL_S / 86_400,
    consented: link.consented_at !== null,
    expires_at: iso(link.expires_at),
  };
}

export function sessionRoutes(ctx: AppContext): Router {
  const router = Router();

  route({ method: 'get', path: '/widget/session', tag: 'Widget', summary: 'The flow: client, requested scopes, sandbox rules, signed-in user, workspace', auth: 'link' });
  router.get('/session', async (_req, res) => {
    const { link, client } = locals(res);
    sendOk(res, await sessionView(ctx, link, client));
  });

  route({ method: 'get', path: '/widget/providers', tag: 'Widget', summary: 'The provider catalogue with credential fields, chains and sandbox availability', auth: 'link' });
  router.get('/providers', (_req, res) => {
    sendOk(res, { providers: PROVIDERS });
  });

  route({ method: 'post', path: '/widget/address/chains', tag: 'Widget', summary: 'Validate an address and list the EVM chains it is active on', body: AddressBody, auth: 'link' });
  router.post('/address/chains', async (req, res) => {
    const { address } = AddressBody.parse(req.body);
    const check = checkAddress(address);
    if (!check.valid) throw connectError('INVALID_ADDRESS', check.reason);
    const chains = check.kind === 'evm' ? await ctx.detectChains(check.normalized).catch(() => []) : [check.kind];
    sendOk(res, { address: check.normalized, kind: check.kind, valid: true, checksum_ok: true, checksummed: check.checksummed, chains });
  });

  route({ method: 'post', path: '/widget/exit', tag: 'Widget', summary: 'Record where the user left the flow (partner analytics)', body: ExitBody, auth: 'link' });
  router.post('/exit', async (req, res) => {
    const body = ExitBody.parse(req.body);
    const { link } = locals(res);
    await ctx.db
      .insertInto('widget_events')
      .values({ client_id: link.client_id, link_token_id: link.id, event: 'exit', step: body.step, reason: body.reason, session_id: body.session_id ?? null, created_at: ctx.clock.now() })
      .execute();
    sendOk(res, { recorded: true });
  });

  return router;
}
