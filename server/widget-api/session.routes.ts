/** `/widget/session`, providers, address checks and exit events (docs/widget-api.md). */
import type { AddressInfo, Provider, Session, SessionSignIn } from '../../contract/widget-api.ts';
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { Client, LinkToken } from '../db/tables.ts';
import { ACCESS_TOKEN_TTL_S, iso } from '../clock.ts';
import { describeScopes } from '../scopes.ts';
import { PROVIDERS } from '../catalogue.ts';
import { checkAddress, invalidAddressExtra } from '../addresses.ts';
import { connectError } from '../errors.ts';
import { digest, isWellFormedToken } from '../crypto.ts';
import { recordAudit } from '../audit.ts';
import { sendOk } from '../http/envelope.ts';
import { route } from '../openapi.ts';
import { findUser, findWorkspace, listWorkspaces, userView, workspaceView } from '../users/users.service.ts';
import { SANDBOX_RULES } from '../integrations/integrations.service.ts';

export const AddressBody = z.strictObject({ address: z.string().trim().min(1).max(128) });
export const ContinueBody = z.strictObject({ previous_link_token: z.string().max(128) });
/** How long after its expiry a link token's sign-in may still be carried to its successor. */
const CONTINUE_WINDOW_MS = 2 * 60 * 60_000;

export const ExitBody = z.strictObject({
  step: z.enum(['auth', 'otp', 'workspace', 'integrations', 'connect', 'consent', 'success', 'unknown']),
  reason: z.enum(['user_closed', 'error', 'timeout', 'other']),
  session_id: z.string().max(64).regex(/^[\w-]+$/).optional(),
});

export const locals = (res: { locals: Record<string, unknown> }) => ({
  link: res.locals.link as LinkToken, client: res.locals.client as Client,
  /** The scopes of a resumed session's grant (read on this request), null on a fresh session. */
  grantScopes: res.locals.grantScopes as string[] | null,
});

/**
 * What a resumed session (a link token minted with an access token) may do before the person
 * signs in by email during it: add accounts, and list or remove only the accounts it added
 * itself. Signed in (`signed_in_at`), it may list and remove every account of the grant's
 * workspace. It never switches workspace, and it never shows more than the grant's scopes.
 */
export const resumedBeforeSignIn = (link: LinkToken) => link.grant_id !== null && link.signed_in_at === null;

/** Where this server is reached from outside: CONNECT_PUBLIC_URL, else the request's own scheme and host. */
export function publicBase(ctx: AppContext, req: Request): string {
  return ctx.config.publicUrl ?? `${req.protocol}://${req.get('host')}`;
}

/** The signed-in part of the session: a resumed session shows only what its grant's scopes allow. */
export async function signedInView(ctx: AppContext, link: Pick<LinkToken, 'user_id' | 'workspace_id' | 'grant_id' | 'signed_in_at'>, grantScopes: string[] | null): Promise<SessionSignIn> {
  const user = link.user_id ? await findUser(ctx.db, link.user_id) : undefined;
  const workspace = link.workspace_id ? await findWorkspace(ctx.db, link.workspace_id) : undefined;
  if (link.grant_id !== null) {
    // The email only with the `email` scope; the grant's own workspace, never the others.
    const showEmail = grantScopes?.includes('email') === true;
    return {
      user: user ? { ...userView(user), email: showEmail ? user.email : null } : null,
      workspace: workspace ? workspaceView(workspace) : null,
      workspaces: workspace ? [workspaceView(workspace)] : [],
      signed_in_this_session: link.signed_in_at !== null,
    } satisfies SessionSignIn;
  }
  const workspaces = user ? await listWorkspaces(ctx.db, user.id) : [];
  return {
    user: user ? userView(user) : null,
    workspace: workspace ? workspaceView(workspace) : null,
    workspaces: workspaces.map((w) => workspaceView(w, w.role)),
    signed_in_this_session: user !== undefined,
  } satisfies SessionSignIn;
}

export async function sessionView(ctx: AppContext, link: LinkToken, client: Client, base: string, grantScopes: string[] | null) {
  return {
    client: { name: client.name, logo_url: client.logo_url, privacy_policy_url: client.privacy_policy_url, terms_url: client.terms_url },
    // Our own pages (docs/legal), linked from the consent screen beside the partner's.
    legal: { privacy_policy_url: `${base}/legal/privacy`, terms_url: `${base}/legal/terms` },
    scopes: describeScopes(link.scopes.split(' ')),
    sandbox: link.sandbox === 1,
    sandbox_rules: link.sandbox === 1 ? SANDBOX_RULES : null,
    auth_methods: ctx.mailer.kind === 'none' ? ['anonymous'] : ['email', 'anonymous'],
    ...(await signedInView(ctx, link, grantScopes)),
    has_existing_grant: link.grant_id !== null,
    grant_duration_days: ACCESS_TOKEN_TTL_S / 86_400,
    consented: link.consented_at !== null,
    expires_at: iso(link.expires_at),
  } satisfies Session;
}

export function sessionRoutes(ctx: AppContext): Router {
  const router = Router({ strict: true, caseSensitive: true });

  route({ method: 'get', path: '/widget/session', tag: 'Widget', summary: 'The flow: client, requested scopes, sandbox rules, signed-in user, workspace', auth: 'link' });
  router.get('/session', async (req, res) => {
    const { link, client, grantScopes } = locals(res);
    sendOk(res, await sessionView(ctx, link, client, publicBase(ctx, req), grantScopes));
  });

  route({ method: 'get', path: '/widget/providers', tag: 'Widget', summary: 'The provider catalogue with credential fields, chains and sandbox availability', auth: 'link' });
  router.get('/providers', (_req, res) => {
    sendOk(res, { providers: PROVIDERS satisfies readonly Provider[] });
  });

  route({ method: 'post', path: '/widget/address/chains', tag: 'Widget', summary: 'Validate an address and list the EVM chains it is active on', body: AddressBody, auth: 'link' });
  router.post('/address/chains', async (req, res) => {
    const { address } = AddressBody.parse(req.body);
    const check = checkAddress(address);
    if (!check.valid) throw connectError('INVALID_ADDRESS', check.reason, invalidAddressExtra(check));
    const chains = check.kind === 'evm' ? await ctx.detectChains(check.normalized).catch(() => []) : [check.kind];
    sendOk(res, { address: check.normalized, kind: check.kind, valid: true, checksum_ok: true, checksummed: check.checksummed, chains } satisfies AddressInfo);
  });

  route({
    method: 'post', path: '/widget/session/continue', tag: 'Widget', body: ContinueBody, auth: 'link',
    summary: "Carry the sign-in of this user's previous (expired) link token over to this fresh one, so a 30-minute expiry mid-flow is silent",
    description: 'Only for link tokens of the same client, environment and user_reference, not yet consented, within 2 hours of the previous expiry; the previous token stops working.',
  });
  router.post('/session/continue', async (req, res) => {
    const { previous_link_token } = ContinueBody.parse(req.body);
    const { link, client, grantScopes } = locals(res);
    const now = ctx.clock.now();
    if (!isWellFormedToken(previous_link_token, 'link_')) throw connectError('INVALID_TOKEN', 'Malformed previous link token');
    const moved = await ctx.write(async (trx) => {
      const previous = await trx.selectFrom('link_tokens').selectAll().where('digest', '=', digest(previous_link_token)).executeTakeFirst();
      const eligible = previous && previous.id !== link.id && previous.client_id === link.client_id && previous.sandbox === link.sandbox
        && previous.user_reference === link.user_reference && previous.user_id !== null && previous.consented_at === null
        && previous.grant_id === link.grant_id && now - previous.expires_at < CONTINUE_WINDOW_MS;
      if (!eligible) return false;
      const claimed = await trx.updateTable('link_tokens').set({ user_id: previous.user_id, workspace_id: previous.workspace_id })
        .where('id', '=', link.id).where('user_id', 'is', null).where('consented_at', 'is', null).executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) return false;
      // The previous token can no longer be used or continued (single hand-over).
      await trx.updateTable('link_tokens').set({ expires_at: Math.min(previous.expires_at, now), consented_at: now }).where('id', '=', previous.id).execute();
      await recordAudit(trx, now, { clientId: link.client_id, event: 'signin.continued', ip: req.ip, requestId: req.id, details: { from: previous.id, to: link.id } });
      return true;
    });
    if (!moved) throw connectError('INVALID_TOKEN', 'That session cannot be continued; sign in again');
    const fresh = await ctx.db.selectFrom('link_tokens').selectAll().where('id', '=', link.id).executeTakeFirstOrThrow();
    sendOk(res, await sessionView(ctx, fresh, client, publicBase(ctx, req), grantScopes));
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
