/** `/widget/session`, providers, address checks and exit events (docs/widget-api.md). */
import type { AddressInfo, Provider } from '../../contract/widget-api.ts';
import { z } from 'zod';
import type { ChainDetector } from '../context.ts';
import type { Config } from '../config.ts';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Mailer } from '../mailer.ts';
import { PROVIDERS } from '../catalogue.ts';
import { checkAddress, invalidAddressExtra } from '../addresses.ts';
import { connectError } from '../errors.ts';
import { isWellFormedToken } from '../crypto.ts';
import { sendOk } from '../http/envelope.ts';
import { clientOf, grantScopesOf, linkOf } from '../http/locals.ts';
import type { RouteArea } from '../http/routes.ts';
import { continueSession, publicBase, sessionView } from './session.service.ts';
import { insertWidgetEvent } from './widget-events.repository.ts';

export const AddressBody = z.strictObject({ address: z.string().trim().min(1).max(128) });
export const ContinueBody = z.strictObject({ previous_link_token: z.string().max(128) });

export const ExitBody = z.strictObject({
  step: z.enum(['auth', 'otp', 'workspace', 'integrations', 'connect', 'consent', 'success', 'unknown']),
  reason: z.enum(['user_closed', 'error', 'timeout', 'other']),
  session_id: z
    .string()
    .max(64)
    .regex(/^[\w-]+$/)
    .optional(),
});

export type SessionDeps = {
  db: Db;
  write: Writer;
  clock: Clock;
  mailer: Pick<Mailer, 'kind'>;
  config: Pick<Config, 'publicUrl'>;
  detectChains: ChainDetector;
};

export function sessionRoutes(api: RouteArea, deps: SessionDeps): void {
  api.get('/session', { summary: 'The flow: client, requested scopes, sandbox rules, signed-in user, workspace' }, async (req, res) => {
    sendOk(res, await sessionView(deps, linkOf(res), clientOf(res), publicBase(deps.config, req), grantScopesOf(res)));
  });

  api.get('/providers', { summary: 'The provider catalogue with credential fields, chains and sandbox availability' }, (_req, res) => {
    sendOk(res, { providers: PROVIDERS satisfies readonly Provider[] });
  });

  api.post('/address/chains', { summary: 'Validate an address and list the EVM chains it is active on', body: AddressBody }, async (req, res) => {
    const { address } = AddressBody.parse(req.body);
    const check = checkAddress(address);
    if (!check.valid) throw connectError('INVALID_ADDRESS', check.reason, invalidAddressExtra(check));
    const chains = check.kind === 'evm' ? await deps.detectChains(check.normalized).catch(() => []) : [check.kind];
    sendOk(res, { address: check.normalized, kind: check.kind, valid: true, checksum_ok: true, checksummed: check.checksummed, chains } satisfies AddressInfo);
  });

  api.post(
    '/session/continue',
    {
      body: ContinueBody,
      summary: "Carry the sign-in of this user's previous (expired) link token over to this fresh one, so a 30-minute expiry mid-flow is silent",
      description:
        'Only for link tokens of the same client, environment and user_reference, not yet consented, within 2 hours of the previous expiry; the previous token stops working.',
    },
    async (req, res) => {
      const { previous_link_token } = ContinueBody.parse(req.body);
      if (!isWellFormedToken(previous_link_token, 'link_')) throw connectError('INVALID_TOKEN', 'Malformed previous link token');
      const fresh = await continueSession(deps, deps.clock.now(), linkOf(res), previous_link_token, { ip: req.ip, requestId: req.id });
      if (!fresh) throw connectError('INVALID_TOKEN', 'That session cannot be continued; sign in again');
      sendOk(res, await sessionView(deps, fresh, clientOf(res), publicBase(deps.config, req), grantScopesOf(res)));
    },
  );

  api.post('/exit', { summary: 'Record where the user left the flow (partner analytics)', body: ExitBody }, async (req, res) => {
    const body = ExitBody.parse(req.body);
    const link = linkOf(res);
    const now = deps.clock.now();
    await deps.write((trx) =>
      insertWidgetEvent(trx, {
        client_id: link.client_id,
        link_token_id: link.id,
        event: 'exit',
        step: body.step,
        reason: body.reason,
        session_id: body.session_id ?? null,
        created_at: now,
      }),
    );
    sendOk(res, { recorded: true });
  });
}
