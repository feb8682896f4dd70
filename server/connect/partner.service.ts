/** The partner endpoints' operations that are more than one call: issuing a link token, and the sandbox's public-token shortcut. */
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Client } from '../db/tables.ts';
import type { Sealer } from '../crypto.ts';
import { digest, randomId } from '../crypto.ts';
import { recordAudit } from '../audit.ts';
import { insertUserWithWorkspace } from '../users/users.repository.ts';
import { insertIntegrations, type planIntegrations } from '../integrations/integrations.service.ts';
import { createLinkToken, resumableGrant } from './link-tokens.ts';
import { insertLinkToken } from './link-tokens.repository.ts';
import { insertPublicToken } from './exchange.service.ts';

type Meta = { ip?: string; requestId?: string };

/**
 * A link token for `client`; with an access token, it resumes that grant's session when it
 * may (else a plain link token, and `refused` says why).
 */
export async function issueLinkToken(
  deps: { db: Db; write: Writer },
  now: number,
  client: Client,
  p: { scopes: string[]; accessToken?: string; userReference: string | null },
  meta: Meta,
) {
  const session = p.accessToken === undefined ? undefined : await resumableGrant(deps.db, now, client, p.accessToken);
  const resume = session?.state === 'valid' ? session.row : undefined;
  const token = await deps.write(async (trx) => {
    const created = await createLinkToken(
      trx,
      now,
      client,
      p.scopes,
      p.userReference,
      resume && { grantId: resume.id, userId: resume.user_id, workspaceId: resume.workspace_id },
    );
    await recordAudit(trx, now, {
      clientId: client.id,
      event: 'link_token.issued',
      ip: meta.ip,
      requestId: meta.requestId,
      details: { link_token_id: created.row.id, resumed: Boolean(resume), scopes: created.row.scopes },
    });
    return created.token;
  });
  return { token, resume, refused: session && session.state !== 'valid' ? session.state : undefined };
}

type Planned = ReturnType<typeof planIntegrations>[number];

/** Sandbox: a guest with these integrations, consented through a finished link token, and its public token. */
export async function sandboxPublicToken(
  deps: { write: Writer; sealer: Sealer },
  now: number,
  client: Client,
  scopes: string[],
  planned: Planned[],
  userReference: string | null,
  meta: Meta,
) {
  const linkId = randomId('lt_', 12);
  return deps.write(async (trx) => {
    const { userId, workspaceId } = await insertUserWithWorkspace(trx, now, null);
    await insertLinkToken(trx, {
      id: linkId,
      digest: digest(`sandbox:${linkId}`),
      client_id: client.id,
      sandbox: 1,
      scopes: scopes.join(' '),
      user_reference: userReference,
      grant_id: null,
      user_id: userId,
      workspace_id: workspaceId,
      consented_at: now,
      created_at: now,
      expires_at: now,
    });
    const { added } = await insertIntegrations(trx, now, deps.sealer, workspaceId, dedupe(planned));
    const publicToken = await insertPublicToken(trx, now, { clientId: client.id, linkTokenId: linkId, userId, workspaceId, scopes, sandbox: 1, userReference });
    await recordAudit(trx, now, {
      clientId: client.id,
      event: 'sandbox.public_token',
      ip: meta.ip,
      requestId: meta.requestId,
      details: { workspace_id: workspaceId },
    });
    return { publicToken, userId, workspaceId, added };
  });
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
