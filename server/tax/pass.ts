/**
 * The tax pass of a workspace: loads its transactions, fills missing leg prices from the
 * daily prices, runs the engine with the workspace's settings and rewrites the stored
 * results (`tax_disposals`, `tax_income`, `tax_lots`, `ledger_lines`, `asset_cost_basis`
 * — which holdings read — and each transaction's flags and totals), then records a
 * `costbasis.completed` webhook event in the same transaction. Runs after each sync
 * (sync/cost-basis.ts), after a settings change, and on first read. One pass at a time
 * per workspace; short write transactions, no network I/O.
 */
import type { Db } from '../db/database.ts';
import { writeTransaction } from '../db/database.ts';
import { computeTax, taxYearOf, type CostBasisMethod, type EngineLeg, type EngineTransaction, type LotSelection } from './engine.ts';
import type { HoldingPeriod } from './dates.ts';
import type { LotTracking } from './books.ts';
import { enqueueEvent } from '../webhooks/outbox.repository.ts';
import { resolveTransfers, type TransferTx } from './transfers.ts';
import { fxRates } from '../prices/fx.ts';
import { Decimal, plain } from '../lib/decimal.ts';
import { DAY_MS } from '../lib/time.ts';

type StoredLeg = { kind: EngineLeg['kind']; assetId: string; quantity: string; price: string | null; account?: { walletId?: string } | null };

/** `engineMs`: time in the engine alone (the rest of a pass is loading and storing). */
export type PassSummary = { workspaceId: string; method: CostBasisMethod; transactions: number; disposals: number; income: number; computedAt: number; engineMs: number };

const running = new WeakMap<Db, Map<string, Promise<PassSummary>>>();

/** Runs the pass for `workspaceId`, after any pass already running for it. */
export function runTaxPass(db: Db, workspaceId: string, now: number): Promise<PassSummary> {
  let perDb = running.get(db);
  if (!perDb) running.set(db, (perDb = new Map()));
  const previous = perDb.get(workspaceId) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(() => pass(db, workspaceId, now));
  perDb.set(workspaceId, next);
  const map = perDb;
  void next.finally(() => {
    if (map.get(workspaceId) === next) map.delete(workspaceId);
  }).catch(() => undefined);
  return next;
}

/**
 * After a settings change (cost-basis method, long-term days, tax year): recomputes in the
 * background when results exist (a workspace never computed is computed on first read),
 * which ends in a `costbasis.completed` webhook.
 */
export function rerunTaxPass(ctx: { db: Db; clock: { now(): number }; logger: { error(o: object, m: string): void } }, workspaceId: string): void {
  void (async () => {
    const run = await ctx.db.selectFrom('tax_runs').select('workspace_id').where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (run) await runTaxPass(ctx.db, workspaceId, ctx.clock.now());
  })().catch((error: unknown) => ctx.logger.error({ workspace: workspaceId, err: error instanceof Error ? error.message : String(error) }, 'tax: pass after a settings change failed'));
}

const checking = new WeakMap<Db, Map<string, Promise<void>>>();

/**
 * Runs the pass unless stored results match the workspace's settings and transaction count.
 * Concurrent callers for one workspace share one check (and so at most one pass).
 */
export function ensureTaxResults(db: Db, workspaceId: string, now: number): Promise<void> {
  let perDb = checking.get(db);
  if (!perDb) checking.set(db, (perDb = new Map()));
  const inFlight = perDb.get(workspaceId);
  if (inFlight) return inFlight;
  const map = perDb;
  const check = freshen(db, workspaceId, now).finally(() => map.delete(workspaceId));
  map.set(workspaceId, check);
  return check;
}

async function freshen(db: Db, workspaceId: string, now: number): Promise<void> {
  const pending = running.get(db)?.get(workspaceId);
  if (pending) await pending.catch(() => undefined);
  const [run, settings, count] = await Promise.all([
    db.selectFrom('tax_runs').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst(),
    loadSettings(db, workspaceId),
    countTransactions(db, workspaceId),
  ]);
  if (!settings) return;
  const fresh = run && run.status === 'completed' && run.settings === settings.key && run.transactions === count;
  if (!fresh) await runTaxPass(db, workspaceId, now);
}

export type TaxSettings = {
  method: CostBasisMethod; longTermDays: number; yearStart: string; holdingPeriod: HoldingPeriod; timeZone: string; lotTracking: LotTracking; currency: string;
  /** Everything a pass depends on besides the transactions (settings and the version of the lot selections). */
  key: string;
};

/** The workspace's tax settings, with the key that tells whether stored results used them. */
export async function loadSettings(db: Db, workspaceId: string): Promise<TaxSettings | undefined> {
  const [w, sel] = await Promise.all([
    db.selectFrom('workspaces').select(['cost_basis_method', 'long_term_days', 'tax_year_start', 'holding_period', 'tax_timezone', 'lot_tracking', 'base_currency']).where('id', '=', workspaceId).executeTakeFirst(),
    db.selectFrom('tax_lot_selections').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('updated_at').as('last')]).where('workspace_id', '=', workspaceId).executeTakeFirst(),
  ]);
  if (!w) return undefined;
  const s = { method: w.cost_basis_method, longTermDays: w.long_term_days, yearStart: w.tax_year_start, holdingPeriod: w.holding_period, timeZone: w.tax_timezone, lotTracking: w.lot_tracking, currency: w.base_currency };
  return { ...s, key: JSON.stringify({ ...s, selections: `${Number(sel?.n ?? 0)}@${sel?.last ?? 0}` }) };
}

async function countTransactions(db: Db, workspaceId: string): Promise<number> {
  const r = await db.selectFrom('transactions as t').innerJoin('integrations as i', 'i.id', 't.integration_id')
    .select((eb) => eb.fn.countAll<number>().as('n')).where('t.workspace_id', '=', workspaceId).where('i.deleted_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

const CHUNK = 200;

async function pass(db: Db, workspaceId: string, now: number): Promise<PassSummary> {
  const settings = await loadSettings(db, workspaceId);
  const method = settings?.method ?? 'FIFO';
  const longTermDays = settings?.longTermDays ?? 365;
  const yearStart = settings?.yearStart ?? '01-01';
  const zone = settings?.timeZone ?? 'UTC';
  const selections: LotSelection[] = (await db.selectFrom('tax_lot_selections').select(['transaction_id', 'asset_id', 'lots']).where('workspace_id', '=', workspaceId).execute())
    .map((r) => ({ transactionId: r.transaction_id, assetId: r.asset_id, lots: JSON.parse(r.lots) as LotSelection['lots'] }));
  // Prices are USD; the engine computes in the workspace's currency (prices/fx.ts), each leg at its day's rate.
  const currency = settings?.currency ?? 'USD';
  const rate = await fxRates(db, currency);
  const rows = await db
    .selectFrom('transactions as t')
    .innerJoin('integrations as i', 'i.id', 't.integration_id')
    .select(['i.category', 't.id', 't.integration_id', 't.timestamp', 't.type', 't.label', 't.legs', 't.raw', 't.failed', 't.is_spam', 't.total_cost_basis', 't.total_gains', 't.missing_price', 't.missing_purchase'])
    .where('t.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .orderBy('t.timestamp')
    .orderBy('t.id')
    .execute();

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
  const transfers = await resolveTransfers(db, workspaceId, parsed.map(transferTx), now);

  // A leg without a price takes that day's stored price (the sync stores daily closes).
  const unpriced = new Set(parsed.flatMap((t) => t.legs.filter((l) => l.price === null).map((l) => l.assetId)));
  const dayPrices = new Map<string, string>();
  for (const ids of chunks([...unpriced], 500)) {
    for (const p of await db.selectFrom('asset_prices').select(['asset_id', 'day', 'price']).where('asset_id', 'in', ids).execute()) dayPrices.set(`${p.asset_id}@${p.day}`, p.price);
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

  const input: EngineTransaction[] = parsed.map((t) => ({
    id: t.row.id, timestamp: t.row.timestamp, type: t.row.type, label: t.row.label, failed: t.row.failed === 1, isSpam: t.row.is_spam === 1, transferId: transfers.has(t.row.id) ? transfers.get(t.row.id)! : t.transferId,
    venue: t.row.category === 'exchange' ? 'exchange' : 'chain',
    legs: t.legs.map((l) => ({ kind: l.kind, assetId: l.assetId, quantity: l.quantity, price: inCurrency(l.price, rate, currency, t.row.timestamp), walletId: l.account?.walletId ?? t.row.integration_id })),
  }));
  const engineStart = performance.now();
  const result = computeTax(input, { method, longTermDays, holdingPeriod: settings?.holdingPeriod, timeZone: zone, lotTracking: settings?.lotTracking, selections });

  const engineMs = Math.round(performance.now() - engineStart);

  // Transactions' flags and totals (v1 isMissingPrice / isMissingPurchase, totalCostbasis, totalGains).
  const byId = new Map(parsed.map((t) => [t.row.id, t]));
  const updates = result.transactions.flatMap((r) => {
    const t = byId.get(r.transactionId)!;
    const next = { total_cost_basis: r.costBasis, total_gains: r.missingPrice ? null : r.gains, missing_price: r.missingPrice ? 1 : 0, missing_purchase: r.missingPurchase ? 1 : 0 };
    const o = t.row;
    const same = o.total_cost_basis === next.total_cost_basis && o.total_gains === next.total_gains && o.missing_price === next.missing_price && o.missing_purchase === next.missing_purchase;
    return same && !t.legsChanged ? [] : [{ id: o.id, ...next, ...(t.legsChanged ? { legs: JSON.stringify(t.legs) } : {}) }];
  });
  for (const chunk of chunks(updates, 500)) {
    await writeTransaction(db, async (trx) => {
      for (const { id, ...set } of chunk) await trx.updateTable('transactions').set(set).where('id', '=', id).execute();
    });
  }

  await writeTransaction(db, async (trx) => {
    for (const table of ['tax_disposals', 'tax_income', 'tax_lots', 'ledger_lines', 'asset_cost_basis'] as const) await trx.deleteFrom(table).where('workspace_id', '=', workspaceId).execute();
    for (const c of chunks(result.disposals.map((d, seq) => ({
      id: `${workspaceId}:${d.id}`, workspace_id: workspaceId, seq, transaction_id: d.transactionId, asset_id: d.assetId, kind: d.kind, quantity: d.quantity,
      acquired_at: d.acquiredAt, disposed_at: d.disposedAt, tax_year: taxYearOf(d.disposedAt, yearStart, zone), term: d.term, proceeds: d.proceeds, cost_basis: d.costBasis,
      gain: d.gain, fee: d.fee, lots: JSON.stringify(d.lots), missing_price: d.missingPrice ? 1 : 0, missing_purchase: d.missingPurchase ? 1 : 0,
    })), CHUNK)) await trx.insertInto('tax_disposals').values(c).execute();
    for (const c of chunks(result.income.map((i, seq) => ({
      id: `${workspaceId}:${i.id}`, workspace_id: workspaceId, seq, transaction_id: i.transactionId, asset_id: i.assetId, label: i.label, quantity: i.quantity,
      received_at: i.receivedAt, tax_year: taxYearOf(i.receivedAt, yearStart, zone), value: i.value, missing_price: i.missingPrice ? 1 : 0,
    })), CHUNK)) await trx.insertInto('tax_income').values(c).execute();
    for (const c of chunks(result.lots.map((l, seq) => ({
      id: l.id, workspace_id: workspaceId, seq, transaction_id: l.transactionId, asset_id: l.assetId, wallet_id: l.walletId, acquired_at: l.acquiredAt, quantity: l.quantity, cost_basis: l.costBasis,
    })), CHUNK)) await trx.insertInto('tax_lots').values(c).execute();
    const lines = result.journal.flatMap((e, seq) => e.lines.map((l, line) => ({
      workspace_id: workspaceId, seq, line, transaction_id: e.transactionId, timestamp: e.timestamp, account: l.account, wallet_id: l.walletId, asset_id: l.assetId,
      quantity: l.quantity, debit: l.debit, credit: l.credit,
    })));
    for (const c of chunks(lines, CHUNK)) await trx.insertInto('ledger_lines').values(c).execute();
    for (const c of chunks(result.positions.map((p) => ({ workspace_id: workspaceId, asset_id: p.assetId, quantity: p.quantity, cost_basis: p.costBasis, computed_at: now })), CHUNK)) {
      await trx.insertInto('asset_cost_basis').values(c).execute();
    }
    const run = { method, long_term_days: longTermDays, tax_year_start: yearStart, settings: settings?.key ?? null, currency, status: 'completed' as const, transactions: rows.length, disposals: result.disposals.length, computed_at: now };
    await trx.insertInto('tax_runs').values({ workspace_id: workspaceId, ...run }).onConflict((oc) => oc.column('workspace_id').doUpdateSet(run)).execute();
    await enqueueEvent(trx, {
      workspaceId, event: 'costbasis.completed', now,
      data: { action: 'ACCOUNT_MANAGER', status: 'COMPLETED', reason: null, timestamp: now, costBasisMethod: method, transactions: rows.length, disposals: result.disposals.length },
    });
  });
  return { workspaceId, method, transactions: rows.length, disposals: result.disposals.length, income: result.income.length, computedAt: now, engineMs };
}

type RawTransferFields = { transferId?: unknown; sender?: { walletId?: unknown } | null; receiver?: { walletId?: unknown } | null };

function transferTx(t: { row: { id: string; integration_id: string; timestamp: number; type: string; label: string; failed: number; is_spam: number }; legs: StoredLeg[]; transferId: string | null; raw: RawTransferFields }): TransferTx {
  const wallet = (p: { walletId?: unknown } | null | undefined) => (typeof p?.walletId === 'string' ? p.walletId : null);
  return {
    id: t.row.id, walletId: t.row.integration_id, timestamp: t.row.timestamp, type: t.row.type, label: t.row.label, failed: t.row.failed === 1, isSpam: t.row.is_spam === 1,
    legs: t.legs, transferId: t.transferId, sender: wallet(t.raw.sender), receiver: wallet(t.raw.receiver),
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
