/**
 * Ours, behind the scopes the contract promises (3.2) without documented endpoints:
 * realised gains, income, open lots and a per-tax-year summary (`tax:read`), and the
 * double-entry ledger with its account balances (`accounting:read`). All read the stored
 * results of the tax pass, which runs first when the workspace's settings or transactions
 * changed since the last one.
 */
import type { Db } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import type { RouteArea } from '../http/routes.ts';
import { grantOf } from '../http/locals.ts';
import { requireScope } from '../http/bearer.middleware.ts';
import { Decimal, ZERO, dec, money, quantity } from '../lib/decimal.ts';
import { BalancesQuery, GainsQuery, IncomeQuery, LedgerQuery, LotsQuery, ScheduleDQuery, SummaryQuery } from './tax.schema.ts';
import { scheduleD } from '../reports/forms.ts';
import type { TaxPasses } from './pass.ts';
import * as repo from './tax.repository.ts';
import { assetOf, disposalView, incomeView, summarize } from './tax.view.ts';

const pageBlock = (limit: number, offset: number, returned: number, total: number) => ({
  limit,
  offset,
  returned_count: returned,
  totalCount: total,
  hasNextPage: offset + returned < total,
  hasPreviousPage: offset > 0,
});

export type TaxDeps = { db: Db; clock: Clock; taxPasses: Pick<TaxPasses, 'ensure'> };

/** `api`: the tax area at `/api/v1`. */
export function taxRoutes(api: RouteArea, { db, clock, taxPasses }: TaxDeps): void {
  const fresh = async (workspaceId: string) => {
    await taxPasses.ensure(workspaceId, clock.now());
    const run = await repo.findRun(db, workspaceId);
    const s = run?.settings ? (JSON.parse(run.settings) as { holdingPeriod?: string; timeZone?: string; lotTracking?: string }) : {};
    return {
      costBasisMethod: run?.method ?? null,
      longTermDays: run?.long_term_days ?? null,
      holdingPeriod: s.holdingPeriod ?? 'calendar',
      taxTimezone: s.timeZone ?? 'UTC',
      lotTracking: s.lotTracking ?? 'universal',
      taxYearStart: run?.tax_year_start ?? '01-01',
      computedAt: run?.computed_at ?? null,
      baseCurrency: run?.currency ?? 'USD',
    };
  };

  api.get(
    '/tax/gains',
    {
      query: GainsQuery,
      summary:
        "Realised gains per disposal: asset, quantity, acquired and disposed dates, proceeds, cost basis, gain, term and the lots used, by the workspace's cost-basis method (tax:read)",
      description:
        "Money is in the workspace's base currency (baseCurrency) with 8 dp. A disposal whose lots span both terms is split into a short-term and a long-term row. kind=fee rows are crypto spent on fees. isMissingPurchase: part of the quantity had no recorded acquisition (basis 0); isMissingPrice: no price was known.",
    },
    requireScope('tax:read'),
    async (req, res) => {
      const q = GainsQuery.parse(req.query);
      const g = grantOf(res);
      const settings = await fresh(g.workspaceId);
      const { rows, total } = await repo.listDisposals(db, g.workspaceId, { year: q.year, assets: q.asset, term: q.term, kind: q.kind }, q.limit, q.offset);
      const assets = await repo.assetsById(
        db,
        rows.map((r) => r.asset_id),
      );
      res.json({
        message: 'Realised gains retrieved successfully',
        data: rows.map((r) => disposalView(r, assets, settings.baseCurrency)),
        pagination: pageBlock(q.limit, q.offset, rows.length, total),
        ...settings,
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );

  api.get(
    '/tax/summary',
    { query: SummaryQuery, summary: 'Per tax year: short- and long-term gains and losses, income by label, fees, flagged transactions (tax:read)' },
    requireScope('tax:read'),
    async (req, res) => {
      const q = SummaryQuery.parse(req.query);
      const g = grantOf(res);
      const settings = await fresh(g.workspaceId);
      const [disposals, income] = await Promise.all([repo.allDisposals(db, g.workspaceId, q.year), repo.allIncome(db, g.workspaceId, q.year)]);
      res.json({
        message: 'Tax summary retrieved successfully',
        data: summarize(disposals, income, settings.taxYearStart, settings.taxTimezone, settings.baseCurrency),
        ...settings,
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );

  api.get(
    '/tax/schedule-d',
    {
      query: ScheduleDQuery,
      summary:
        'Schedule D totals of a tax year from its Form 8949 parts: short and long term proceeds, cost, adjustment and gain (rounded per row to the cent), lines 7, 15 and 16 (tax:read)',
    },
    requireScope('tax:read'),
    async (req, res) => {
      const q = ScheduleDQuery.parse(req.query);
      const g = grantOf(res);
      const settings = await fresh(g.workspaceId);
      res.json({
        message: 'Schedule D totals retrieved successfully',
        data: scheduleD(await repo.allDisposals(db, g.workspaceId, q.year), q.year),
        ...settings,
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );

  api.get(
    '/tax/income',
    { query: IncomeQuery, summary: 'Income (staking rewards, airdrops, interest, …) valued at receipt (tax:read)' },
    requireScope('tax:read'),
    async (req, res) => {
      const q = IncomeQuery.parse(req.query);
      const g = grantOf(res);
      const settings = await fresh(g.workspaceId);
      const { rows, total } = await repo.listIncome(db, g.workspaceId, { year: q.year, assets: q.asset }, q.limit, q.offset);
      const assets = await repo.assetsById(
        db,
        rows.map((r) => r.asset_id),
      );
      res.json({
        message: 'Income retrieved successfully',
        data: rows.map((r) => incomeView(r, assets, settings.baseCurrency)),
        pagination: pageBlock(q.limit, q.offset, rows.length, total),
        ...settings,
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );

  api.get(
    '/tax/lots',
    {
      query: LotsQuery,
      summary: 'Open lots (what is still held) with acquisition date and cost basis; walletId when lots are tracked wallet by wallet (tax:read)',
    },
    requireScope('tax:read'),
    async (req, res) => {
      const q = LotsQuery.parse(req.query);
      const g = grantOf(res);
      const settings = await fresh(g.workspaceId);
      const { rows, total } = await repo.listLots(db, g.workspaceId, q.asset, q.limit, q.offset);
      const assets = await repo.assetsById(
        db,
        rows.map((r) => r.asset_id),
      );
      res.json({
        message: 'Open lots retrieved successfully',
        data: rows.map((l) => ({
          id: l.id,
          transactionId: l.transaction_id,
          asset: assetOf(assets, l.asset_id),
          walletId: l.wallet_id,
          acquiredAt: l.acquired_at,
          quantity: quantity(dec(l.quantity)),
          costBasis: money(dec(l.cost_basis)),
          baseCurrency: settings.baseCurrency,
        })),
        pagination: pageBlock(q.limit, q.offset, rows.length, total),
        ...settings,
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );

  api.get(
    '/accounting/ledger',
    {
      query: LedgerQuery,
      summary: "Double-entry journal: one entry per transaction, debits = credits in the workspace's base currency (accounting:read)",
      description:
        'Accounts: assets:<walletId>:<assetId> (carried at cost, with quantity), assets:in-transit, income:realized-gains, income:<label>, expenses:fees, expenses:spending, equity:contributions, equity:withdrawals.',
    },
    requireScope('accounting:read'),
    async (req, res) => {
      const q = LedgerQuery.parse(req.query);
      const g = grantOf(res);
      const settings = await fresh(g.workspaceId);
      const { lines, total } = await repo.ledgerPage(db, g.workspaceId, q.limit, q.offset);
      const entries: { id: string; transactionId: string; timestamp: number; lines: unknown[]; totals: { debit: string; credit: string } }[] = [];
      let current: { seq: number; debit: Decimal; credit: Decimal; entry: (typeof entries)[number] } | undefined;
      for (const l of lines) {
        if (!current || current.seq !== l.seq) {
          if (current) current.entry.totals = { debit: money(current.debit), credit: money(current.credit) };
          current = {
            seq: l.seq,
            debit: ZERO,
            credit: ZERO,
            entry: { id: `je_${l.seq + 1}`, transactionId: l.transaction_id, timestamp: l.timestamp, lines: [], totals: { debit: '0', credit: '0' } },
          };
          entries.push(current.entry);
        }
        current.debit = current.debit.plus(l.debit);
        current.credit = current.credit.plus(l.credit);
        current.entry.lines.push({
          account: l.account,
          walletId: l.wallet_id,
          assetId: l.asset_id,
          quantity: l.quantity,
          debit: money(dec(l.debit)),
          credit: money(dec(l.credit)),
        });
      }
      if (current) current.entry.totals = { debit: money(current.debit), credit: money(current.credit) };
      res.json({
        message: 'Ledger retrieved successfully',
        data: entries,
        pagination: pageBlock(q.limit, q.offset, entries.length, total),
        ...settings,
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );

  api.get(
    '/accounting/balances',
    { query: BalancesQuery, summary: 'Account balances of the ledger, and per asset the quantity and cost held (accounting:read)' },
    requireScope('accounting:read'),
    async (req, res) => {
      BalancesQuery.parse(req.query);
      const g = grantOf(res);
      const settings = await fresh(g.workspaceId);
      const lines = await repo.allLedgerLines(db, g.workspaceId);
      const accounts = new Map<
        string,
        { account: string; walletId: string | null; assetId: string | null; quantity: Decimal | null; debit: Decimal; credit: Decimal }
      >();
      let debit = ZERO;
      let credit = ZERO;
      for (const l of lines) {
        let a = accounts.get(l.account);
        if (!a)
          accounts.set(
            l.account,
            (a = { account: l.account, walletId: l.wallet_id, assetId: l.asset_id, quantity: l.asset_id ? ZERO : null, debit: ZERO, credit: ZERO }),
          );
        a.debit = a.debit.plus(l.debit);
        a.credit = a.credit.plus(l.credit);
        if (a.quantity && l.quantity) a.quantity = a.quantity.plus(l.quantity);
        debit = debit.plus(l.debit);
        credit = credit.plus(l.credit);
      }
      const list = [...accounts.values()].sort((a, b) => (a.account < b.account ? -1 : 1));
      const byAsset = new Map<string, { quantity: Decimal; cost: Decimal }>();
      for (const a of list) {
        if (!a.assetId) continue;
        const t = byAsset.get(a.assetId) ?? { quantity: ZERO, cost: ZERO };
        t.quantity = t.quantity.plus(a.quantity ?? ZERO);
        t.cost = t.cost.plus(a.debit).minus(a.credit);
        byAsset.set(a.assetId, t);
      }
      const assets = await repo.assetsById(db, byAsset.keys());
      res.json({
        message: 'Account balances retrieved successfully',
        accounts: list.map((a) => ({
          account: a.account,
          walletId: a.walletId,
          assetId: a.assetId,
          quantity: a.quantity ? quantity(a.quantity) : null,
          debit: money(a.debit),
          credit: money(a.credit),
          balance: money(a.debit.minus(a.credit)),
        })),
        assets: [...byAsset]
          .sort(([x], [y]) => (x < y ? -1 : 1))
          .map(([id, t]) => ({
            asset: assetOf(assets, id),
            assetId: id,
            isSpam: assets.get(id)?.is_spam === 1,
            quantity: quantity(t.quantity),
            costBasis: money(t.cost),
          })),
        totals: { debit: money(debit), credit: money(credit) },
        ...settings,
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );
}
