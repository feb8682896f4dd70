/**
 * The tax pass of a workspace: loads its transactions, fills missing leg prices from the
 * daily prices, runs the engine with the workspace's settings and rewrites the stored
 * results (`tax_disposals`, `tax_income`, `tax_lots`, `ledger_lines`, `asset_cost_basis`
 * — which holdings read — and each transaction's flags and totals), then records a
 * `costbasis.completed` webhook event in the same transaction. Runs after each sync
 * (sync/cost-basis.ts), after a settings change, and on first read. One pass at a time
 * per workspace, through the server's one queue (`createTaxPasses`, built in start.ts);
 * writes go through group commit in short chunks, with no network I/O inside.
 */
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { computeTax, taxYearOf, type CostBasisMethod, type EngineLeg, type EngineTransaction, type LotSelection } from './engine.ts';
import type { HoldingPeriod } from './dates.ts';
import type { LotTracking } from './books.ts';
import { enqueueEvent } from '../webhooks/outbox.repository.ts';
import { resolveTransfers, type TransferTx } from './transfers.ts';
import { fxRates } from '../prices/fx.ts';
import { Decimal, plain } from '../lib/decimal.ts';
import { DAY_MS } from '../lib/time.ts';
import * as repo from './pass.repository.ts';

type StoredLeg = { kind: EngineLeg['kind']; assetId: string; quantity: string; price: string | null; account?: { walletId?: string } | null };

/** `engineMs`: time in the engine alone (the rest of a pass is loading and storing). */
export type PassSummary = {
  workspaceId: string;
  method: CostBasisMethod;
  transactions: number;
  disposals: number;
  income: number;
  computedAt: number;
  engineMs: number;
};

/** The one queue of tax passes of the server (built once, in start.ts, and handed to whoever runs passes). */
export type TaxPasses = {
  /** Runs the pass for `workspaceId`, after any pass already running for it. */
  run(workspaceId: string, now: number): Promise<PassSummary>;
  /**
   * Runs the pass unless stored results match the workspace's settings and transaction count.
   * Concurrent callers for one workspace share one check (and so at most one pass).
   */
  ensure(workspaceId: string, now: number): Promise<void>;
  /**
   * After a settings change (cost-basis method, long-term days, tax year): recomputes in the
   * background when results exist (a workspace never computed is computed on first read),
   * which ends in a `costbasis.completed` webhook.
   */
  rerun(workspaceId: string): void;
};

export type TaxPassDeps = { db: Db; write: Writer; clock: Clock; logger: Pick<Logger, 'error'> };

export function createTaxPasses(deps: TaxPassDeps): TaxPasses {
  const { db, clock, logger } = deps;
  const running = new Map<string, Promise<PassSummary>>();
  const checking = new Map<string, Promise<void>>();

  function run(workspaceId: string, now: number): Promise<PassSummary> {
    const previous = running.get(workspaceId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => pass(deps, workspaceId, now));
    running.set(workspaceId, next);
    void next
      .finally(() => {
        if (running.get(workspaceId) === next) running.delete(workspaceId);
      })
      .catch(() => undefined);
    return next;
  }

  async function freshen(workspaceId: string, now: number): Promise<void> {
    const pending = running.get(workspaceId);
    if (pending) await pending.catch(() => undefined);
    const [stored, settings, count] = await Promise.all([
      repo.taxRun(db, workspaceId),
      loadSettings(db, workspaceId),
      repo.countLiveTransactions(db, workspaceId),
    ]);
    if (!settings) return;
    const fresh = stored && stored.status === 'completed' && stored.settings === settings.key && stored.transactions === count;
    if (!fresh) await run(workspaceId, now);
  }

  return {
    run,
    ensure(workspaceId, now) {
      const inFlight = checking.get(workspaceId);
      if (inFlight) return inFlight;
      const check = freshen(workspaceId, now).finally(() => checking.delete(workspaceId));
      checking.set(workspaceId, check);
      return check;
    },
    rerun(workspaceId) {
      void (async () => {
        if (await repo.taxRun(db, workspaceId)) await run(workspaceId, clock.now());
      })().catch((error: unknown) =>
        logger.error({ workspace: workspaceId, err: error instanceof Error ? error.message : String(error) }, 'tax: pass after a settings change failed'),
      );
    },
  };
}

export type TaxSettings = {
  method: CostBasisMethod;
  longTermDays: number;
  yearStart: string;
  holdingPeriod: HoldingPeriod;
  timeZone: string;
  lotTracking: LotTracking;
  currency: string;
  /** Everything a pass depends on besides the transactions (settings and the version of the lot selections). */
  key: string;
};

/** The workspace's tax settings, with the key that tells whether stored results used them. */
export async function loadSettings(db: Db, workspaceId: string): Promise<TaxSettings | undefined> {
  const [w, sel] = await Promise.all([repo.workspaceTaxSettings(db, workspaceId), repo.lotSelectionVersion(db, workspaceId)]);
  if (!w) return undefined;
  const s = {
    method: w.cost_basis_method,
    longTermDays: w.long_term_days,
    yearStart: w.tax_year_start,
    holdingPeriod: w.holding_period,
    timeZone: w.tax_timezone,
    lotTracking: w.lot_tracking,
    currency: w.base_currency,
  };
  return { ...s, key: JSON.stringify({ ...s, selections: `${Number(sel?.n ?? 0)}@${sel?.last ?? 0}` }) };
}

const CHUNK = 200;

async function pass(deps: { db: Db; write: Writer }, workspaceId: string, now: number): Promise<PassSummary> {
  const { db, write } = deps;
  const settings = await loadSettings(db, workspaceId);
  const method = settings?.method ?? 'FIFO';
  const longTermDays = settings?.longTermDays ?? 365;
  const yearStart = settings?.yearStart ?? '01-01';
  const zone = settings?.timeZone ?? 'UTC';
  const selections: LotSelection[] = (await repo.lotSelections(db, workspaceId)).map((r) => ({
    transactionId: r.transaction_id,
    assetId: r.asset_id,
    lots: JSON.parse(r.lots) as LotSelection['lots'],
  }));
  // Prices are USD; the engine computes in the workspace's currency (prices/fx.ts), each leg at its day's rate.
  const currency = settings?.currency ?? 'USD';
  const rate = await fxRates(db, currency);
  const rows = await repo.liveTransactions(db, workspaceId);

  const parsed = rows.map((r) => {
    let legs: StoredLeg[] = [];
    let raw: RawTransferFields = {};
    try {
      legs = JSON.parse(r.legs) as StoredLeg[];
      raw = r.raw ? (JSON.parse(r.raw) as RawTransferFields) : {};
    } catch {
      /* unreadable rows count as empty */
    }
    return { row: r, legs: Array.isArray(legs) ? legs : [], transferId: typeof raw.transferId === 'string' ? raw.transferId : null, raw, legsChanged: false };
  });
  // Own-wallet transfers (transfers.ts): which halves the engine moves as one.
  const transfers = await resolveTransfers(deps, workspaceId, parsed.map(transferTx), now);
  await fillDayPrices(db, parsed);

  const input: EngineTransaction[] = parsed.map((t) => ({
    id: t.row.id,
    timestamp: t.row.timestamp,
    type: t.row.type,
    label: t.row.label,
    failed: t.row.failed === 1,
    isSpam: t.row.is_spam === 1,
    transferId: transfers.has(t.row.id) ? transfers.get(t.row.id)! : t.transferId,
    venue: t.row.category === 'exchange' ? 'exchange' : 'chain',
    legs: t.legs.map((l) => ({
      kind: l.kind,
      assetId: l.assetId,
      quantity: l.quantity,
      price: inCurrency(l.price, rate, currency, t.row.timestamp),
      walletId: l.account?.walletId ?? t.row.integration_id,
    })),
  }));
  const engineStart = performance.now();
  const result = computeTax(input, {
    method,
    longTermDays,
    holdingPeriod: settings?.holdingPeriod,
    timeZone: zone,
    lotTracking: settings?.lotTracking,
    selections,
  });

  const engineMs = Math.round(performance.now() - engineStart);

  // Transactions' flags and totals (v1 isMissingPrice / isMissingPurchase, totalCostbasis, totalGains).
  const byId = new Map(parsed.map((t) => [t.row.id, t]));
  const updates = result.transactions.flatMap((r): repo.TransactionTotals[] => {
    const t = byId.get(r.transactionId)!;
    const next = {
      total_cost_basis: r.costBasis,
      total_gains: r.missingPrice ? null : r.gains,
      missing_price: r.missingPrice ? 1 : 0,
      missing_purchase: r.missingPurchase ? 1 : 0,
    };
    const o = t.row;
    const same =
      o.total_cost_basis === next.total_cost_basis &&
      o.total_gains === next.total_gains &&
      o.missing_price === next.missing_price &&
      o.missing_purchase === next.missing_purchase;
    return same && !t.legsChanged ? [] : [{ id: o.id, ...next, ...(t.legsChanged ? { legs: JSON.stringify(t.legs) } : {}) }];
  });
  for (const chunk of chunks(updates, 500)) await write((trx) => repo.updateTransactionTotals(trx, chunk));

  const tables: repo.ResultRows = {
    tax_disposals: result.disposals.map((d, seq) => ({
      id: `${workspaceId}:${d.id}`,
      workspace_id: workspaceId,
      seq,
      transaction_id: d.transactionId,
      asset_id: d.assetId,
      kind: d.kind,
      quantity: d.quantity,
      acquired_at: d.acquiredAt,
      disposed_at: d.disposedAt,
      tax_year: taxYearOf(d.disposedAt, yearStart, zone),
      term: d.term,
      proceeds: d.proceeds,
      cost_basis: d.costBasis,
      gain: d.gain,
      fee: d.fee,
      lots: JSON.stringify(d.lots),
      missing_price: d.missingPrice ? 1 : 0,
      missing_purchase: d.missingPurchase ? 1 : 0,
    })),
    tax_income: result.income.map((i, seq) => ({
      id: `${workspaceId}:${i.id}`,
      workspace_id: workspaceId,
      seq,
      transaction_id: i.transactionId,
      asset_id: i.assetId,
      label: i.label,
      quantity: i.quantity,
      received_at: i.receivedAt,
      tax_year: taxYearOf(i.receivedAt, yearStart, zone),
      value: i.value,
      missing_price: i.missingPrice ? 1 : 0,
    })),
    tax_lots: result.lots.map((l, seq) => ({
      id: l.id,
      workspace_id: workspaceId,
      seq,
      transaction_id: l.transactionId,
      asset_id: l.assetId,
      wallet_id: l.walletId,
      acquired_at: l.acquiredAt,
      quantity: l.quantity,
      cost_basis: l.costBasis,
    })),
    ledger_lines: result.journal.flatMap((e, seq) =>
      e.lines.map((l, line) => ({
        workspace_id: workspaceId,
        seq,
        line,
        transaction_id: e.transactionId,
        timestamp: e.timestamp,
        account: l.account,
        wallet_id: l.walletId,
        asset_id: l.assetId,
        quantity: l.quantity,
        debit: l.debit,
        credit: l.credit,
      })),
    ),
    asset_cost_basis: result.positions.map((p) => ({
      workspace_id: workspaceId,
      asset_id: p.assetId,
      quantity: p.quantity,
      cost_basis: p.costBasis,
      computed_at: now,
    })),
  };
  // The results replace the old ones in one write, in statements of CHUNK rows.
  await write(async (trx) => {
    await repo.deleteResults(trx, workspaceId);
    for (const table of repo.RESULT_TABLES)
      for (const c of chunks<unknown>(tables[table], CHUNK)) await repo.insertResults(trx, table, c as repo.ResultRows[typeof table]);
    await repo.saveTaxRun(trx, workspaceId, {
      method,
      long_term_days: longTermDays,
      tax_year_start: yearStart,
      settings: settings?.key ?? null,
      currency,
      status: 'completed',
      transactions: rows.length,
      disposals: result.disposals.length,
      computed_at: now,
    });
    await enqueueEvent(trx, {
      workspaceId,
      event: 'costbasis.completed',
      now,
      data: {
        action: 'ACCOUNT_MANAGER',
        status: 'COMPLETED',
        reason: null,
        timestamp: now,
        costBasisMethod: method,
        transactions: rows.length,
        disposals: result.disposals.length,
      },
    });
  });
  return { workspaceId, method, transactions: rows.length, disposals: result.disposals.length, income: result.income.length, computedAt: now, engineMs };
}

/** A leg without a price takes that day's stored price (the sync stores daily closes). */
async function fillDayPrices(db: Db, parsed: { row: { timestamp: number }; legs: StoredLeg[]; legsChanged: boolean }[]): Promise<void> {
  const unpriced = new Set(parsed.flatMap((t) => t.legs.filter((l) => l.price === null).map((l) => l.assetId)));
  const dayPrices = new Map<string, string>();
  for (const ids of chunks([...unpriced], 500)) {
    for (const p of await repo.assetDayPrices(db, ids)) dayPrices.set(`${p.asset_id}@${p.day}`, p.price);
  }
  for (const t of parsed) {
    for (const l of t.legs) {
      if (l.price !== null) continue;
      const found = dayPrices.get(`${l.assetId}@${Math.floor(t.row.timestamp / DAY_MS)}`);
      if (found) {
        l.price = found;
        t.legsChanged = true;
      }
    }
  }
}

type RawTransferFields = { transferId?: unknown; sender?: { walletId?: unknown } | null; receiver?: { walletId?: unknown } | null };

function transferTx(t: {
  row: { id: string; integration_id: string; timestamp: number; type: string; label: string; failed: number; is_spam: number };
  legs: StoredLeg[];
  transferId: string | null;
  raw: RawTransferFields;
}): TransferTx {
  const wallet = (p: { walletId?: unknown } | null | undefined) => (typeof p?.walletId === 'string' ? p.walletId : null);
  return {
    id: t.row.id,
    walletId: t.row.integration_id,
    timestamp: t.row.timestamp,
    type: t.row.type,
    label: t.row.label,
    failed: t.row.failed === 1,
    isSpam: t.row.is_spam === 1,
    legs: t.legs,
    transferId: t.transferId,
    sender: wallet(t.raw.sender),
    receiver: wallet(t.raw.receiver),
  };
}

/** A USD price in the workspace's currency at the rate of the transaction's day (exact product). */
function inCurrency(price: string | null, rate: (day: number) => Decimal, currency: string, timestamp: number): string | null {
  return price === null || currency === 'USD' ? price : plain(new Decimal(price).times(rate(Math.floor(timestamp / DAY_MS))));
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
