/** The workspace's integrations, and consent (docs/widget-api.md). */
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Sealer } from '../crypto.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import { connectError } from '../errors.ts';
import { REQUIRED_SCOPES } from '../scopes.ts';
import { recordAudit } from '../audit.ts';
import { noStore, sendOk } from '../http/envelope.ts';
import { grantScopesOf, linkOf } from '../http/locals.ts';
import type { RouteArea } from '../http/routes.ts';
import { insertIntegrations, listIntegrations, planIntegrations, removeIntegration } from '../integrations/integrations.service.ts';
import { integrationView } from '../integrations/integrations.view.ts';
import { resumedBeforeSignIn } from './session.service.ts';
import { giveConsent, writableWorkspace } from './consent.service.ts';

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

export type IntegrationDeps = {
  db: Db;
  write: Writer;
  clock: Clock;
  sealer: Sealer;
  /** HMAC key of integration fingerprints (derived once at start). */
  fingerprintKey: Buffer;
  /** Read at call time: the sync engine is attached after the app is built. */
  readonly onIntegrationsAdded?: (integrationIds: string[]) => void;
};

export function integrationRoutes(api: RouteArea, deps: IntegrationDeps): void {
  const { db, clock } = deps;

  api.get('/integrations', { summary: "The selected workspace's integrations and their sync status" }, async (_req, res) => {
    const link = linkOf(res);
    const grantScopes = grantScopesOf(res);
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

  api.post(
    '/integrations',
    { summary: 'Add a wallet/chain address (several EVM chains at once) or an exchange read-only API key', body: AddIntegrationBody },
    async (req, res) => {
      const body = AddIntegrationBody.parse(req.body);
      const link = linkOf(res);
      const workspaceId = await writableWorkspace(db, link);
      const planned = planIntegrations(body, { sandbox: link.sandbox === 1 }, deps.fingerprintKey);
      const now = clock.now();
      const { added, existing } = await deps.write(async (trx) => {
        const result = await insertIntegrations(trx, now, deps.sealer, workspaceId, planned, body.alias, link.id);
        await recordAudit(trx, now, {
          clientId: link.client_id,
          event: 'integration.added',
          ip: req.ip,
          requestId: req.id,
          details: { workspace_id: workspaceId, integrations: result.added.map((i) => i.id), provider: body.provider },
        });
        return result;
      });
      deps.onIntegrationsAdded?.(added.map((i) => i.id));
      sendOk(res, { integrations: added.map(integrationView), existing: existing.map(integrationView) }, 201);
    },
  );

  api.delete('/integrations/:id', { summary: 'Remove an integration from the workspace' }, async (req, res) => {
    const parsed = IntegrationId.safeParse(req.params.id);
    const link = linkOf(res);
    const workspaceId = await writableWorkspace(db, link);
    const now = clock.now();
    const ownOnly = resumedBeforeSignIn(link);
    const removed =
      parsed.success &&
      (await deps.write(async (trx) => {
        const done = await removeIntegration(trx, now, workspaceId, parsed.data, ownOnly ? link.id : undefined);
        if (done)
          await recordAudit(trx, now, {
            clientId: link.client_id,
            event: 'integration.removed',
            ip: req.ip,
            requestId: req.id,
            details: { integration_id: parsed.data },
          });
        return done;
      }));
    // Before the step-up, anything but its own additions needs an email sign-in (whether it exists or not).
    if (!removed && ownOnly) throw connectError('EMAIL_SIGN_IN_REQUIRED', 'Sign in with your email to remove accounts added before this session');
    if (!removed) throw connectError('INTEGRATION_NOT_FOUND', 'No such integration in this workspace');
    sendOk(res, { deleted: true });
  });

  api.post(
    '/consent',
    {
      summary:
        'Grant a subset of the requested scopes → a single-use public token (null on a resumed session); in OAuth mode (hosted page) {redirect_to} instead',
      body: ConsentBody,
    },
    async (req, res) => {
      noStore(res);
      const { scopes } = ConsentBody.parse(req.body);
      const link = linkOf(res);
      const requested = link.scopes.split(' ');
      const unknown = scopes.filter((s) => !requested.includes(s));
      if (unknown.length) throw connectError('INVALID_SCOPE', `Not requested by the app: ${unknown.join(' ').slice(0, 200)}`);
      if (new Set(scopes).size !== scopes.length) throw connectError('INVALID_SCOPE', 'Duplicated scope');
      const missing = requested.filter((s) => REQUIRED_SCOPES.has(s) && !scopes.includes(s));
      if (missing.length) throw connectError('INVALID_SCOPE', `Required scope cannot be removed: ${missing.join(' ')}`);
      const workspaceId = await writableWorkspace(db, link);
      if (!link.grant_id && (await listIntegrations(db, workspaceId)).length === 0)
        throw connectError('NO_INTEGRATIONS', 'Connect at least one account before sharing');
      const granted = requested.filter((s) => scopes.includes(s)); // in the order the app asked
      const consented = await giveConsent(deps, clock.now(), link, workspaceId, granted, { ip: req.ip, requestId: req.id });
      if (consented === undefined) throw connectError('CONSENT_ALREADY_GIVEN', 'Consent was already given for this session');
      sendOk(res, consented);
    },
  );
}
