/** The widget session as the widget sees it, and carrying a sign-in over to a fresh link token. */
import type { Request } from 'express';
import type { Session, SessionSignIn } from '../../contract/widget-api.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Client, LinkToken } from '../db/tables.ts';
import type { Mailer } from '../mailer.ts';
import { ACCESS_TOKEN_TTL_S, iso } from '../clock.ts';
import { describeScopes } from '../scopes.ts';
import { digest } from '../crypto.ts';
import { recordAudit } from '../audit.ts';
import { SANDBOX_RULES } from '../integrations/integrations.service.ts';
import { userView, workspaceView } from '../users/users.service.ts';
import { findUser, findWorkspace, listWorkspaces } from '../users/users.repository.ts';
import { claimLinkTokenUser, endLinkToken, findLinkToken, findLinkTokenByDigest } from '../connect/link-tokens.repository.ts';

/** How long after its expiry a link token's sign-in may still be carried to its successor. */
const CONTINUE_WINDOW_MS = 2 * 60 * 60_000;

/**
 * What a resumed session (a link token minted with an access token) may do before the person
 * signs in by email during it: add accounts, and list or remove only the accounts it added
 * itself. Signed in (`signed_in_at`), it may list and remove every account of the grant's
 * workspace. It never switches workspace, and it never shows more than the grant's scopes.
 */
export const resumedBeforeSignIn = (link: LinkToken) => link.grant_id !== null && link.signed_in_at === null;

/** Where this server is reached from outside: CONNECT_PUBLIC_URL, else the request's own scheme and host. */
export function publicBase(config: Pick<Config, 'publicUrl'>, req: Request): string {
  return config.publicUrl ?? `${req.protocol}://${req.get('host')}`;
}

/** The signed-in part of the session: a resumed session shows only what its grant's scopes allow. */
export async function signedInView(
  db: Db,
  link: Pick<LinkToken, 'user_id' | 'workspace_id' | 'grant_id' | 'signed_in_at'>,
  grantScopes: string[] | null,
): Promise<SessionSignIn> {
  const user = link.user_id ? await findUser(db, link.user_id) : undefined;
  const workspace = link.workspace_id ? await findWorkspace(db, link.workspace_id) : undefined;
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
  const workspaces = user ? await listWorkspaces(db, user.id) : [];
  return {
    user: user ? userView(user) : null,
    workspace: workspace ? workspaceView(workspace) : null,
    workspaces: workspaces.map((w) => workspaceView(w, w.role)),
    signed_in_this_session: user !== undefined,
  } satisfies SessionSignIn;
}

export type SessionViewDeps = { db: Db; mailer: Pick<Mailer, 'kind'> };

export async function sessionView(deps: SessionViewDeps, link: LinkToken, client: Client, base: string, grantScopes: string[] | null) {
  return {
    client: { name: client.name, logo_url: client.logo_url, privacy_policy_url: client.privacy_policy_url, terms_url: client.terms_url },
    // Our own pages (docs/legal), linked from the consent screen beside the partner's.
    legal: { privacy_policy_url: `${base}/legal/privacy`, terms_url: `${base}/legal/terms` },
    scopes: describeScopes(link.scopes.split(' ')),
    sandbox: link.sandbox === 1,
    sandbox_rules: link.sandbox === 1 ? SANDBOX_RULES : null,
    auth_methods: deps.mailer.kind === 'none' ? ['anonymous'] : ['email', 'anonymous'],
    ...(await signedInView(deps.db, link, grantScopes)),
    has_existing_grant: link.grant_id !== null,
    grant_duration_days: ACCESS_TOKEN_TTL_S / 86_400,
    consented: link.consented_at !== null,
    expires_at: iso(link.expires_at),
  } satisfies Session;
}

type Meta = { ip?: string; requestId?: string };

/**
 * Carries the sign-in of the previous link token (same client, environment, user_reference
 * and grant, not consented, expired less than 2 hours ago) over to `link`, and ends the
 * previous one. Answers the fresh link token, or undefined when it cannot be continued.
 */
export async function continueSession(
  deps: { db: Db; write: Writer },
  now: number,
  link: LinkToken,
  previousToken: string,
  meta: Meta,
): Promise<LinkToken | undefined> {
  const moved = await deps.write(async (trx) => {
    const previous = await findLinkTokenByDigest(trx, digest(previousToken));
    const eligible =
      previous &&
      previous.id !== link.id &&
      previous.client_id === link.client_id &&
      previous.sandbox === link.sandbox &&
      previous.user_reference === link.user_reference &&
      previous.user_id !== null &&
      previous.consented_at === null &&
      previous.grant_id === link.grant_id &&
      now - previous.expires_at < CONTINUE_WINDOW_MS;
    if (!eligible) return false;
    if (!(await claimLinkTokenUser(trx, link.id, previous.user_id!, previous.workspace_id, { unconsented: true }))) return false;
    // The previous token can no longer be used or continued (single hand-over).
    await endLinkToken(trx, previous.id, now, Math.min(previous.expires_at, now));
    await recordAudit(trx, now, {
      clientId: link.client_id,
      event: 'signin.continued',
      ip: meta.ip,
      requestId: meta.requestId,
      details: { from: previous.id, to: link.id },
    });
    return true;
  });
  return moved ? findLinkToken(deps.db, link.id) : undefined;
}
