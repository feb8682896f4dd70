/**
 * Ours, behind scopes the contract lists without endpoints: the workspace's settings,
 * limits and usage (`GET/PATCH /v1/workspace`, workspace:read / workspace:write) and adding
 * an address integration (`POST /v1/integrations`, integrations:write) with the sandbox
 * rules of the grant's environment; the sync engine is told through `onIntegrationsAdded`.
 */
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { ReadCache } from '../db/read-cache.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { Sealer } from '../crypto.ts';
import type { PriceSource } from '../sync/source.ts';
import type { RouteArea } from '../http/routes.ts';
import { grantOf } from '../http/locals.ts';
import { requireScope } from '../http/bearer.middleware.ts';
import { ConnectError, dataError, DataError } from '../errors.ts';
import { recordAudit } from '../audit.ts';
import { findWorkspace } from '../users/users.service.ts';
import { insertIntegrations, planIntegrations } from '../integrations/integrations.service.ts';
import { integrationItem } from '../integrations/integrations.view.ts';
import { effectiveTransactionLimit } from '../sync/limits.ts';
import type { TaxPasses } from '../tax/pass.ts';
import { AddAddressIntegration, EmptyQuery, WorkspaceUpdate } from './data.schema.ts';
import { countTransactions, firstTransactionTime } from './transactions.repository.ts';
import { updateWorkspace, workspaceUsage } from './workspaces.repository.ts';
import { ensureFxRates } from '../prices/fx.ts';
import { DAY_MS } from '../lib/time.ts';

/** Connect-family errors from the shared integration rules, in the data family's shape. */
function asDataError(error: unknown): unknown {
  if (!(error instanceof ConnectError)) return error;
  if (error.code === 'ALREADY_CONNECTED')
    return new DataError(409, 'already_connected', error.message, { details: [{ code: error.code, ...(error.extra ?? {}) }] });
  const path =
    { UNKNOWN_PROVIDER: 'provider', SANDBOX_PROVIDER_NOT_ALLOWED: 'provider', INVALID_ADDRESS: 'address', SANDBOX_ADDRESS_NOT_ALLOWED: 'address' }[
      error.code
    ] ?? '';
  if (error.status === 400) return dataError('invalid_parameters', error.message, [{ code: error.code, path, message: error.message, ...(error.extra ?? {}) }]);
  return error;
}

function transferSettings(t: WorkspaceUpdate['transferDetection']) {
  return {
    ...(t?.enabled !== undefined ? { transfer_detection: t.enabled ? 1 : 0 } : {}),
    ...(t?.windowHours !== undefined ? { transfer_window_hours: t.windowHours } : {}),
    ...(t?.tolerancePercent !== undefined ? { transfer_tolerance_percent: String(Number(t.tolerancePercent)) } : {}),
  };
}

export type WorkspaceDeps = {
  db: Db;
  write: Writer;
  clock: Clock;
  logger: Pick<Logger, 'warn'>;
  sealer: Sealer;
  cache: ReadCache;
  taxPasses: Pick<TaxPasses, 'rerun'>;
  /** The price source (exchange rates for a new base currency); its time limit per request. */
  prices: PriceSource | undefined;
  sourceTimeoutMs: number;
  /** HMAC key of exchange-credential fingerprints (derived once, in start.ts). */
  fingerprintKey: Buffer;
  /** Tells the sync engine to queue the first sync of added integrations. */
  onIntegrationsAdded: (integrationIds: string[]) => void;
};

/** `api`: the data area at `/api/v1`. */
export function workspaceRoutes(api: RouteArea, deps: WorkspaceDeps): void {
  const { db, write, clock, cache, fingerprintKey } = deps;

  async function workspaceView(workspaceId: string) {
    const w = await findWorkspace(db, workspaceId);
    if (!w) throw dataError('not_found', 'Workspace not found');
    const [limit, transactions, usage] = await Promise.all([
      effectiveTransactionLimit(db, workspaceId, clock.now()),
      cache.get(`count-all:${workspaceId}`, () => countTransactions(db, workspaceId, { order: 'desc', isSpam: true })),
      cache.get(`usage:${workspaceId}`, () => workspaceUsage(db, workspaceId)),
    ]);
    return {
      workspaceId: w.id,
      name: w.name,
      baseCurrency: w.base_currency,
      costBasisMethod: w.cost_basis_method,
      taxYearStart: w.tax_year_start,
      longTermDays: w.long_term_days,
      holdingPeriod: w.holding_period,
      taxTimezone: w.tax_timezone,
      lotTracking: w.lot_tracking,
      createdAt: w.created_at,
      transferDetection: { enabled: w.transfer_detection === 1, windowHours: w.transfer_window_hours, tolerancePercent: w.transfer_tolerance_percent },
      limits: {
        effectiveTransactionLimit: limit,
        currentTransactionCount: transactions,
        remainingTransactions: limit === null ? null : Math.max(0, limit - transactions),
        limitExceeded: limit !== null && transactions >= limit,
      },
      usage: { ...usage, transactions },
    };
  }

  api.get(
    '/workspace',
    {
      tag: 'Data (ours)',
      query: EmptyQuery,
      summary:
        'Workspace settings (base currency, cost-basis method, tax year, holding-period rule, long-term days, tax time zone, lot tracking), limits and usage (workspace:read)',
    },
    requireScope('workspace:read'),
    async (req, res) => {
      EmptyQuery.parse(req.query);
      const g = grantOf(res);
      res.json({ message: 'Workspace retrieved successfully', data: await workspaceView(g.workspaceId), user_id: g.userId, timestamp: clock.now() });
    },
  );

  api.patch(
    '/workspace',
    {
      tag: 'Data (ours)',
      body: WorkspaceUpdate,
      summary:
        'Change workspace settings (workspace:write): baseCurrency (USD, EUR, GBP, CAD, AUD, CHF, SEK), costBasisMethod, taxYearStart, longTermDays, transferDetection',
      description:
        'A new baseCurrency first loads its daily rates from the price source (from the first transaction day to today): 503 service_unavailable, and nothing changed, when the source has none. Then holdings, tax and reports are in that currency.',
    },
    requireScope('workspace:write'),
    async (req, res) => {
      const body = WorkspaceUpdate.parse(req.body);
      const g = grantOf(res);
      const before = await findWorkspace(db, g.workspaceId);
      const currencyChanged = body.baseCurrency !== undefined && body.baseCurrency !== before?.base_currency;
      if (currencyChanged && body.baseCurrency !== 'USD') {
        const first = await firstTransactionTime(db, g.workspaceId);
        const today = Math.floor(clock.now() / DAY_MS);
        const from = first !== null ? Math.min(today, Math.floor(first / DAY_MS)) : today;
        try {
          await ensureFxRates(deps, deps.prices, body.baseCurrency!, from, today, today, AbortSignal.timeout(deps.sourceTimeoutMs));
        } catch (error) {
          deps.logger.warn(
            { workspace: g.workspaceId, currency: body.baseCurrency, err: error instanceof Error ? error.message : String(error) },
            'workspace: exchange rates unavailable',
          );
          throw dataError('service_unavailable', `${body.baseCurrency} exchange rates are unavailable from the price source; the base currency is unchanged`);
        }
      }
      await write((trx) =>
        updateWorkspace(trx, g.workspaceId, {
          ...(body.baseCurrency ? { base_currency: body.baseCurrency } : {}),
          ...(body.costBasisMethod ? { cost_basis_method: body.costBasisMethod } : {}),
          ...(body.taxYearStart ? { tax_year_start: body.taxYearStart } : {}),
          ...(body.longTermDays !== undefined ? { long_term_days: body.longTermDays } : {}),
          ...(body.holdingPeriod ? { holding_period: body.holdingPeriod } : {}),
          ...(body.taxTimezone ? { tax_timezone: body.taxTimezone } : {}),
          ...(body.lotTracking ? { lot_tracking: body.lotTracking } : {}),
          ...transferSettings(body.transferDetection),
        }),
      );
      if (
        body.costBasisMethod ||
        body.taxYearStart ||
        body.longTermDays !== undefined ||
        body.holdingPeriod ||
        body.taxTimezone ||
        body.lotTracking ||
        body.transferDetection ||
        currencyChanged
      )
        deps.taxPasses.rerun(g.workspaceId);
      res.json({ message: 'Workspace updated successfully', data: await workspaceView(g.workspaceId), user_id: g.userId, timestamp: clock.now() });
    },
  );

  api.post(
    '/integrations',
    {
      tag: 'Data (ours)',
      body: AddAddressIntegration,
      summary:
        'Add an address integration (integrations:write); sandbox grants accept only the sandbox test addresses. Exchanges (API keys) are added in the widget only.',
    },
    requireScope('integrations:write'),
    async (req, res) => {
      const body = AddAddressIntegration.parse(req.body);
      const g = grantOf(res);
      const now = clock.now();
      let added;
      try {
        const planned = planIntegrations(body, { sandbox: g.sandbox }, fingerprintKey);
        if (planned.some((p) => p.provider.type === 'exchange'))
          throw dataError('invalid_parameters', 'Only address integrations can be added by API', [
            { path: 'provider', message: 'Exchanges are connected in the widget' },
          ]);
        ({ added } = await write(async (trx) => {
          const result = await insertIntegrations(trx, now, deps.sealer, g.workspaceId, planned, body.alias);
          await recordAudit(trx, now, {
            clientId: g.clientId,
            event: 'integration.added',
            ip: req.ip,
            requestId: req.id,
            details: { workspace_id: g.workspaceId, integrations: result.added.map((i) => i.id), provider: body.provider, via: 'data_api' },
          });
          return result;
        }));
      } catch (error) {
        throw asDataError(error);
      }
      deps.onIntegrationsAdded(added.map((i) => i.id));
      res
        .status(201)
        .json({ message: `${added.length} integration(s) added successfully`, data: added.map(integrationItem), user_id: g.userId, timestamp: now });
    },
  );
}
