/** What a widget session may write to, and consent: the public token (or, in OAuth mode, the authorization code) it ends with. */
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { LinkToken } from '../db/tables.ts';
import type { Sealer } from '../crypto.ts';
import { connectError } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { CAN_SHARE } from '../users/users.service.ts';
import { listWorkspaces } from '../users/users.repository.ts';
import { markLinkTokenConsented } from '../connect/link-tokens.repository.ts';
import { insertPublicToken } from '../connect/exchange.service.ts';
import { completeAuthorization } from '../oauth/authorization.ts';

type Meta = { ip?: string; requestId?: string };

/**
 * The workspace this session may write to. A resumed session's grant was checked alive by the
 * link-token middleware on this very request (connect/link-tokens.ts); a new one must not have
 * consented yet and needs a role that may share.
 */
export async function writableWorkspace(db: Db, link: LinkToken): Promise<string> {
  if (!link.user_id || !link.workspace_id) throw connectError('SIGN_IN_REQUIRED', 'Sign in or continue as a guest first');
  if (!link.grant_id) {
    if (link.consented_at !== null) throw connectError('CONSENT_ALREADY_GIVEN', 'Consent was already given for this session');
    const role = (await listWorkspaces(db, link.user_id)).find((w) => w.id === link.workspace_id)?.role;
    if (!role || !CAN_SHARE.has(role)) throw connectError('INSUFFICIENT_PERMISSIONS', 'Only an owner or admin can share this workspace');
  }
  return link.workspace_id;
}

/**
 * Records consent to `granted` (once per session) with its audit row; answers the public
 * token (null on a resumed session), or `redirect_to` when the session serves an OAuth
 * authorization request — or undefined when consent was already given.
 */
export async function giveConsent(deps: { write: Writer; sealer: Sealer }, now: number, link: LinkToken, workspaceId: string, granted: string[], meta: Meta) {
  return deps.write(async (trx) => {
    if (!(await markLinkTokenConsented(trx, link.id, now))) return undefined;
    await recordAudit(trx, now, {
      clientId: link.client_id,
      event: 'consent.granted',
      ip: meta.ip,
      requestId: meta.requestId,
      details: { link_token_id: link.id, workspace_id: workspaceId, scopes: granted.join(' '), resumed: Boolean(link.grant_id) },
    });
    if (link.grant_id) return { public_token: null };
    const publicToken = await insertPublicToken(trx, now, {
      clientId: link.client_id,
      linkTokenId: link.id,
      userId: link.user_id!,
      workspaceId,
      scopes: granted,
      sandbox: link.sandbox,
      userReference: link.user_reference,
    });
    // The hosted page in OAuth mode: the public token becomes an authorization code, never shown.
    const redirectTo = await completeAuthorization(trx, deps.sealer, now, link, publicToken, meta);
    return redirectTo ? { redirect_to: redirectTo } : { public_token: publicToken };
  });
}
