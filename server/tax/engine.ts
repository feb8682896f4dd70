/**
 * The tax engine: a pure function from a workspace's transactions to lots, disposals (with
 * the lots they used), income, open positions, per-transaction flags and a double-entry
 * journal. No I/O; `pass.ts` loads and stores. Exact decimal.js throughout; every money
 * value is made at 8 dp (like the data API, amounts.ts) when a quantity is valued or a
 * lot's basis is split, and the remainder stays on the lot — so basis is conserved to the
 * last digit, gains are exact differences and every journal entry balances exactly. Reports
 * round to the cent at the edge.
 *
 * Split by concern: books.ts (lots per method, universal or wallet-by-wallet, specific
 * identification), uk-pool.ts (UK same-day, 30-day and Section 104 matching), dates.ts
 * (holding period and tax years in the tax time zone); this file values legs, orders the
 * legs of a transaction and writes disposals, income and the journal.
 *
 * Rules (documented in README "Tax engine"):
 * - FIFO takes the earliest lot, LIFO the latest, HIFO the highest unit cost (ties: earliest);
 *   AVERAGE keeps one unit cost per asset (re-averaged on every acquisition) and uses lot
 *   dates first-in-first-out for the holding period; UK_POOL matches same day, then the next
 *   30 days, then the Section 104 pool. Lots are per asset across the user's wallets
 *   (`universal`) or per wallet and asset (`wallet`).
 * - Within a transaction, outgoing legs and fees come out of the lots held before it and
 *   incoming legs are acquired after it — gas is paid from the prior balance. Exception: an
 *   exchange trade (venue `exchange`) whose fee is charged in the asset it received takes the
 *   fee out of what was received; and a fee the prior balance cannot cover is taken from
 *   what the transaction received before it counts as a missing purchase.
 * - A trade or payment's outgoing legs are disposals: proceeds = quantity × price, less the
 *   transaction's fees (value at market) shared pro rata. Its incoming legs are acquisitions
 *   whose basis is the gross value given up (so an entry balances); with no disposal in the
 *   transaction (a fiat purchase) the basis is the received value plus the fees.
 * - A fee paid in crypto is itself a disposal (kind `fee`) at its market value.
 * - A disposal may name the acquisitions whose lots it uses (specific identification,
 *   `selections`); the rest of its quantity follows the method.
 * - The two halves of a movement between the user's own integrations (same `transferId`,
 *   one outgoing and one incoming leg) move lots with their dates and basis: no disposal.
 *   Other withdrawals remove lots at cost; other deposits start a lot at market value.
 * - Income labels (staking rewards, airdrops, interest, …) are income at market value on
 *   receipt and start a lot at that value; spam is never income.
 * - Term (dates.ts): by default long only when sold after the first anniversary date of the
 *   acquisition in the tax time zone; or more than `longTermDays` days apart.
 * - A missing price (no price, no fallback) values the leg at 0 and flags the transaction;
 *   disposing of more than the lots hold takes the rest at basis 0 and flags it (missing
 *   purchase). Nothing is guessed silently.
 * - A failed transaction only spends its fees.
 */
import { Decimal, ZERO, plain } from '../lib/decimal.ts';
import { LotBooks, allocate, round8 as round, type Books, type CostBasisMethod, type LotTracking, type Part } from './books.ts';
import { isLongTerm, type HoldingPeriod } from './dates.ts';
import { RecordingBooks, UkBooks, planMatches } from './uk-pool.ts';
import { ACCOUNTS, entryLines, journalEntry, type JournalEntry, type JournalLine, type LineWriter } from './journal.ts';

export { allocate } from './books.ts';
export type { CostBasisMethod, LotTracking } from './books.ts';
export { taxYearOf, taxYearRange } from './dates.ts';
export const COST_BASIS_METHODS = ['FIFO', 'LIFO', 'HIFO', 'AVERAGE', 'UK_POOL'] as const;

export type LegKind = 'incoming' | 'outgoing' | 'fee';
export type EngineLeg = { kind: LegKind; assetId: string; quantity: string; price: string | null; walletId: string };
export type EngineTransaction = {
  id: string;
  timestamp: number;
  type: string;
  label: string;
  failed: boolean;
  isSpam: boolean;
  transferId: string | null;
  legs: EngineLeg[];
  /** Where it happened: an exchange account or a chain/wallet (default). Decides where a fee in the received asset comes from. */
  venue?: 'exchange' | 'chain';
};
/** Specific identification: for the disposal `transactionId`, take `quantity` of `assetId` from the lots acquired in `lots[].transactionId`. */
export type LotSelection = { transactionId: string; assetId: string; lots: { transactionId: string; quantity: string }[] };
export type EngineOptions = {
  method: CostBasisMethod;
  longTermDays: number;
  holdingPeriod?: HoldingPeriod;
  timeZone?: string;
  lotTracking?: LotTracking;
  selections?: LotSelection[];
};

export type LotUse = { lotId: string; transactionId: string; acquiredAt: number | null; quantity: string; costBasis: string };
export type Disposal = {
  id: string;
  transactionId: string;
  assetId: string;
  kind: 'disposal' | 'fee';
  quantity: string;
  acquiredAt: number | null;
  disposedAt: number;
  term: 'short' | 'long';
  proceeds: string;
  costBasis: string;
  gain: string;
  fee: string;
  lots: LotUse[];
  missingPrice: boolean;
  missingPurchase: boolean;
};
export type IncomeEvent = {
  id: string;
  transactionId: string;
  assetId: string;
  label: string;
  quantity: string;
  receivedAt: number;
  value: string;
  missingPrice: boolean;
};
export type OpenLot = { id: string; transactionId: string; assetId: string; walletId: string | null; acquiredAt: number; quantity: string; costBasis: string };
export type Position = { assetId: string; quantity: string; costBasis: string };
export type TransactionResult = { transactionId: string; missingPrice: boolean; missingPurchase: boolean; costBasis: string | null; gains: string | null };
export type { JournalLine, JournalEntry } from './journal.ts';
export { ACCOUNTS } from './journal.ts';
export type EngineResult = {
  disposals: Disposal[];
  income: IncomeEvent[];
  lots: OpenLot[];
  positions: Position[];
  transactions: TransactionResult[];
  journal: JournalEntry[];
};

/** Labels whose incoming legs are income (contract 8.4 "deposit" labels that are earnings). */
export const INCOME_LABELS = new Set([
  'Staking Rewards',
  'Airdrops',
  'Income',
  'Interest',
  'Reward',
  'Mining',
  'Farming Rewards',
  'Cashback',
  'Royalties',
  'Earn',
  'Loan Interest',
  'Funding Fee Received',
]);

export function computeTax(input: EngineTransaction[], options: EngineOptions): EngineResult {
  const txs = [...input].sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const zone = options.timeZone ?? 'UTC';
  if (options.method === 'UK_POOL') {
    // The 30-day rule looks ahead: a first run notes acquisitions and disposals, the second uses the matches.
    const recording = new RecordingBooks(zone);
    run(txs, options, recording);
    return run(txs, options, new UkBooks(planMatches(recording.adds, recording.takes)));
  }
  return run(txs, options, new LotBooks(options.method, options.lotTracking ?? 'universal'));
}

type Selection = { transactionId: string; quantity: Decimal }[];
type LegRef = { tx: EngineTransaction; leg: EngineLeg };
type InternalPair = { out: LegRef; in: LegRef };

/** What a run over the transactions carries from one transaction to the next. */
type Run = {
  out: EngineResult;
  books: Books;
  perWallet: boolean;
  /** Specific identification: transaction → asset → the lots to use. */
  selections: Map<string, Map<string, Selection>>;
  /** Own-wallet transfers by `transferId`: the one outgoing and the one incoming leg. */
  internal: Map<string, InternalPair>;
  /** The parts a transfer took from the books, for its other half. */
  carried: Map<string, Part[]>;
  isLong: (acquiredAt: number | null, at: number) => boolean;
};

type ValuedLeg = { leg: EngineLeg; index: number; qty: Decimal; value: Decimal | null };

/** One transaction being booked. */
type Booking = {
  tx: EngineTransaction;
  legs: ValuedLeg[];
  fees: ValuedLeg[];
  outs: ValuedLeg[];
  ins: ValuedLeg[];
  feeValue: Decimal;
  pair: InternalPair | undefined;
  /** A trade or payment that is not an own-wallet transfer: its outgoing legs are disposals. */
  disposes: boolean;
  lines: JournalLine[];
  line: LineWriter;
  missingPrice: boolean;
  missingPurchase: boolean;
  basis: Decimal | null;
  gains: Decimal | null;
  /** The fees already reduced proceeds or raised a basis (so they are not an expense again). */
  feeIntoProceeds: boolean;
  outParts: Map<number, Part[]>;
  feeParts: Map<number, Part[]>;
  /** Fees (by asset) taken out of what this transaction received. */
  fromReceived: Map<string, { index: number; qty: Decimal }[]>;
};

function run(txs: EngineTransaction[], options: EngineOptions, books: Books): EngineResult {
  const rule = { holdingPeriod: options.holdingPeriod ?? 'calendar', longTermDays: options.longTermDays, timeZone: options.timeZone ?? 'UTC' };
  const r: Run = {
    out: { disposals: [], income: [], lots: [], positions: [], transactions: [], journal: [] },
    books,
    perWallet: options.lotTracking === 'wallet' && options.method !== 'UK_POOL',
    selections: selectionsByTransaction(options.selections ?? []),
    internal: internalTransfers(txs),
    carried: new Map(),
    isLong: (acquiredAt, at) => acquiredAt !== null && isLongTerm(acquiredAt, at, rule),
  };
  for (const tx of txs) book(r, tx);
  closeBooks(r);
  return r.out;
}

function selectionsByTransaction(list: LotSelection[]): Run['selections'] {
  const selections: Run['selections'] = new Map();
  for (const s of list) {
    let m = selections.get(s.transactionId);
    if (!m) selections.set(s.transactionId, (m = new Map()));
    m.set(
      s.assetId,
      s.lots.map((l) => ({ transactionId: l.transactionId, quantity: new Decimal(l.quantity) })),
    );
  }
  return selections;
}

/** Internal transfers: the pair is handled at its first half, as one movement. */
function internalTransfers(txs: EngineTransaction[]): Map<string, InternalPair> {
  const pairs = new Map<string, EngineTransaction[]>();
  for (const t of txs) if (t.transferId && !t.failed) pairs.set(t.transferId, [...(pairs.get(t.transferId) ?? []), t]);
  const internal = new Map<string, InternalPair>();
  for (const [id, group] of pairs) {
    const outs = group.flatMap((tx) => tx.legs.filter((l) => l.kind === 'outgoing').map((leg) => ({ tx, leg })));
    const ins = group.flatMap((tx) => tx.legs.filter((l) => l.kind === 'incoming').map((leg) => ({ tx, leg })));
    if (outs.length === 1 && ins.length === 1) internal.set(id, { out: outs[0]!, in: ins[0]! });
  }
  return internal;
}

/** Books one transaction: takes, fees, then the movement by kind, then the fees' disposals. */
function book(r: Run, tx: EngineTransaction): void {
  const b = openBooking(r, tx);
  takeOutgoing(r, b);
  takeFees(r, b);
  if (b.pair) moveOwnTransfer(r, b, b.pair);
  else if (b.disposes && b.outs.length) bookDisposals(r, b);
  else bookRemovalsAndAcquisitions(r, b);
  disposeFees(r, b);
  if (b.feeIntoProceeds && !b.feeValue.isZero()) b.line(ACCOUNTS.fees, b.feeValue, 'credit');
  r.out.transactions.push({
    transactionId: tx.id,
    missingPrice: b.missingPrice,
    missingPurchase: b.missingPurchase,
    costBasis: b.basis === null ? null : plain(b.basis),
    gains: b.gains === null ? null : plain(b.gains),
  });
  const entry = journalEntry(tx.id, tx.timestamp, b.lines);
  if (entry) r.out.journal.push(entry);
}

/** Values the legs (quantity × price at 8 dp; null without a price) and sorts them by role. */
function openBooking(r: Run, tx: EngineTransaction): Booking {
  const legs = tx.legs.map((leg, index) => ({
    leg,
    index,
    qty: new Decimal(leg.quantity).abs(),
    value: leg.price === null ? null : round(new Decimal(leg.quantity).abs().times(leg.price)),
  }));
  const fees = legs.filter((l) => l.leg.kind === 'fee');
  const moves = tx.failed ? [] : legs.filter((l) => l.leg.kind !== 'fee');
  const pair = tx.transferId ? r.internal.get(tx.transferId) : undefined;
  const { lines, line } = entryLines();
  return {
    tx,
    legs,
    fees,
    pair,
    lines,
    line,
    outs: moves.filter((l) => l.leg.kind === 'outgoing'),
    ins: moves.filter((l) => l.leg.kind === 'incoming'),
    feeValue: fees.reduce((t, f) => t.plus(f.value ?? ZERO), ZERO),
    disposes: !pair && (tx.type === 'trade' || tx.type === 'payment'),
    missingPrice: fees.some((f) => f.value === null),
    missingPurchase: false,
    basis: null,
    gains: null,
    feeIntoProceeds: false,
    outParts: new Map(),
    feeParts: new Map(),
    fromReceived: new Map(),
  };
}

/** Takes `qty` from the books (flags a missing purchase when they lack some). */
function take(r: Run, b: Booking, assetId: string, walletId: string, qty: Decimal, disposal: boolean, selection?: Selection): Part[] {
  const parts = r.books.take(assetId, r.perWallet ? walletId : '', qty, { disposal, at: b.tx.timestamp, selection });
  if (parts.some((p) => p.lot === null)) b.missingPurchase = true;
  return parts;
}

/** Outgoing legs come out of the prior balance, in the method's order (or as the disposal names its lots). */
function takeOutgoing(r: Run, b: Booking): void {
  if (b.pair) return;
  for (const l of b.outs)
    b.outParts.set(
      l.index,
      take(r, b, l.leg.assetId, l.leg.walletId, l.qty, b.disposes, b.disposes ? r.selections.get(b.tx.id)?.get(l.leg.assetId) : undefined),
    );
}

/**
 * Fees: from the prior balance too, except an exchange trade's fee in the asset it received.
 * What the prior balance lacks comes out of what this transaction received, when it received that asset.
 */
function takeFees(r: Run, b: Booking): void {
  const received = new Set(b.pair ? [] : b.ins.map((l) => l.leg.assetId));
  for (const f of b.fees) {
    const carve = (qty: Decimal) => b.fromReceived.set(f.leg.assetId, [...(b.fromReceived.get(f.leg.assetId) ?? []), { index: f.index, qty }]);
    if (b.tx.venue === 'exchange' && received.has(f.leg.assetId)) {
      b.feeParts.set(f.index, []);
      carve(f.qty);
      continue;
    }
    const parts = r.books.take(f.leg.assetId, r.perWallet ? f.leg.walletId : '', f.qty, { disposal: true, at: b.tx.timestamp });
    const lacking = parts.at(-1)?.lot === null ? parts.at(-1)! : undefined;
    if (lacking && received.has(f.leg.assetId)) {
      parts.pop();
      carve(lacking.qty);
    } else if (lacking) b.missingPurchase = true;
    b.feeParts.set(f.index, parts);
  }
}

/** Adds an acquired leg as a lot, after carving off the fees it pays (fee parts held 0 days, at this leg's unit cost). */
function acquire(r: Run, b: Booking, l: ValuedLeg, basis: Decimal): void {
  const tx = b.tx;
  let qty = l.qty;
  let left = basis;
  for (const c of b.fromReceived.get(l.leg.assetId) ?? []) {
    const q = Decimal.min(c.qty, qty);
    if (q.lte(0)) continue;
    const part = q.eq(qty) ? left : round(left.times(q).div(qty));
    b.feeParts.get(c.index)!.push({
      lot: {
        id: `${tx.id}:${l.index}`,
        transactionId: tx.id,
        seq: -1,
        assetId: l.leg.assetId,
        walletId: l.leg.walletId,
        acquiredAt: tx.timestamp,
        qty: ZERO,
        basis: ZERO,
      },
      acquiredAt: tx.timestamp,
      qty: q,
      basis: part,
    });
    c.qty = c.qty.minus(q);
    qty = qty.minus(q);
    left = left.minus(part);
  }
  r.books.add({
    assetId: l.leg.assetId,
    walletId: r.perWallet ? l.leg.walletId : '',
    transactionId: tx.id,
    acquiredAt: tx.timestamp,
    qty,
    basis: left,
    matchable: true,
  });
}

/** Own wallets: lots travel with their dates and basis (scaled when a bridge delivers a different quantity). */
function moveOwnTransfer(r: Run, b: Booking, pair: InternalPair): void {
  const tx = b.tx;
  for (const m of b.outs) {
    let parts = r.carried.get(tx.transferId!);
    if (!parts) {
      parts = take(r, b, m.leg.assetId, m.leg.walletId, m.qty, false);
      r.carried.set(tx.transferId!, parts);
    }
    const basis = parts.reduce((t, p) => t.plus(p.basis), ZERO);
    b.line('', basis, 'credit', { walletId: m.leg.walletId, assetId: m.leg.assetId, quantity: m.qty.neg() });
    b.line(ACCOUNTS.transit, basis, 'debit');
  }
  for (const m of b.ins) {
    let parts = r.carried.get(tx.transferId!);
    if (!parts) {
      // The incoming half comes first in time: take the lots now, once, for both halves.
      parts = take(r, b, pair.out.leg.assetId, pair.out.leg.walletId, new Decimal(pair.out.leg.quantity).abs(), false);
      r.carried.set(tx.transferId!, parts);
    }
    const sent = parts.reduce((t, p) => t.plus(p.qty), ZERO);
    const qtys = sent.eq(m.qty)
      ? parts.map((p) => p.qty)
      : allocateQuantity(
          m.qty,
          parts.map((p) => p.qty),
        );
    parts.forEach((p, i) =>
      r.books.add({
        assetId: m.leg.assetId,
        walletId: r.perWallet ? m.leg.walletId : '',
        transactionId: p.lot?.transactionId ?? tx.id,
        acquiredAt: p.acquiredAt ?? tx.timestamp,
        qty: qtys[i]!,
        basis: p.basis,
        id: p.lot ? `${p.lot.id}>${tx.id}` : undefined,
        matchable: false,
      }),
    );
    const basis = parts.reduce((t, p) => t.plus(p.basis), ZERO);
    b.line('', basis, 'debit', { walletId: m.leg.walletId, assetId: m.leg.assetId, quantity: m.qty });
    b.line(ACCOUNTS.transit, basis, 'credit');
  }
}

/** A trade or payment: its outgoing legs are disposals (fees off the proceeds); what it received costs what was given up. */
function bookDisposals(r: Run, b: Booking): void {
  const { tx, outs, ins } = b;
  b.feeIntoProceeds = true;
  const inValue = ins.every((l) => l.value !== null) ? ins.reduce((t, l) => t.plus(l.value!), ZERO) : null;
  const gross = outs.map((l) => l.value ?? (outs.length === 1 && inValue !== null ? inValue : null));
  if (gross.some((g) => g === null)) b.missingPrice = true;
  const grossValues = gross.map((g) => g ?? ZERO);
  const feeShares = allocate(b.feeValue, grossValues);
  let basisSum = ZERO;
  let gainSum = ZERO;
  outs.forEach((l, i) => {
    const proceeds = grossValues[i]!.minus(feeShares[i]!);
    const d = dispose(r, tx, l.index, l.leg, 'disposal', b.outParts.get(l.index)!, proceeds, feeShares[i]!, gross[i] === null);
    basisSum = basisSum.plus(d.basis);
    gainSum = gainSum.plus(d.gain);
    b.line('', d.basis, 'credit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty.neg() });
    b.line(ACCOUNTS.gains, d.gain, 'credit');
  });
  b.basis = basisSum;
  b.gains = gainSum;
  const given = grossValues.reduce((t, g) => t.plus(g), ZERO);
  if (ins.length) {
    // Acquisitions cost what was given up; shared by received value (or quantity when unpriced).
    const outValue = gross.every((g) => g !== null) ? given : null;
    if (outValue === null && ins.some((l) => l.value === null)) b.missingPrice = true;
    const shares = allocate(
      given,
      ins.map((l) => l.value ?? l.qty),
    );
    ins.forEach((l, i) => {
      acquire(r, b, l, shares[i]!);
      b.line('', shares[i]!, 'debit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty });
    });
  } else {
    b.line(ACCOUNTS.spending, given, 'debit');
  }
}

/** No disposal: removals at cost, then acquisitions (income, deposits, fiat purchases with the fees in their basis). */
function bookRemovalsAndAcquisitions(r: Run, b: Booking): void {
  const { tx, outs, ins } = b;
  // Removals at cost (withdrawals, stakes, transfers out of the workspace).
  for (const l of outs) {
    const basis = b.outParts.get(l.index)!.reduce((t, p) => t.plus(p.basis), ZERO);
    b.line('', basis, 'credit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty.neg() });
    b.line(ACCOUNTS.withdrawals, basis, 'debit');
  }
  // Acquisitions without a disposal: income, deposits, fiat purchases (fees into basis).
  const isIncome = INCOME_LABELS.has(tx.label) && !tx.isSpam;
  const isPurchase = tx.type === 'trade' || tx.type === 'payment';
  const feeShares =
    isPurchase && ins.length
      ? allocate(
          b.feeValue,
          ins.map((l) => l.value ?? l.qty),
        )
      : ins.map(() => ZERO);
  if (isPurchase && ins.length) b.feeIntoProceeds = true;
  ins.forEach((l, i) => {
    if (l.value === null) b.missingPrice = true;
    const value = l.value ?? ZERO;
    const basis = value.plus(feeShares[i]!);
    acquire(r, b, l, basis);
    b.line('', basis, 'debit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty });
    if (isIncome) {
      r.out.income.push({
        id: `${tx.id}:${l.index}`,
        transactionId: tx.id,
        assetId: l.leg.assetId,
        label: tx.label,
        quantity: plain(l.qty),
        receivedAt: tx.timestamp,
        value: plain(value),
        missingPrice: l.value === null,
      });
      b.line(ACCOUNTS.income(tx.label), value, 'credit');
    } else b.line(ACCOUNTS.contributions, value, 'credit');
  });
}

/**
 * Fees paid in crypto are disposals at market value; their value is an expense unless it
 * already reduced proceeds or raised a basis (the caller then credits it back once).
 */
function disposeFees(r: Run, b: Booking): void {
  for (const f of b.fees) {
    const parts = b.feeParts.get(f.index)!;
    const short = b.fromReceived.get(f.leg.assetId)?.find((c) => c.index === f.index && c.qty.gt(0));
    if (short) {
      // Received less than the fee needed from it: the rest is a missing purchase.
      parts.push({ lot: null, acquiredAt: null, qty: short.qty, basis: ZERO });
      b.missingPurchase = true;
    }
    const value = f.value ?? ZERO;
    const d = dispose(r, b.tx, f.index, f.leg, 'fee', parts, value, ZERO, f.value === null);
    b.line('', d.basis, 'credit', { walletId: f.leg.walletId, assetId: f.leg.assetId, quantity: f.qty.neg() });
    b.line(ACCOUNTS.gains, d.gain, 'credit');
    b.line(ACCOUNTS.fees, value, 'debit');
  }
}

/** Records a disposal of `parts`, one row per term, proceeds shared by quantity. */
function dispose(
  r: Run,
  tx: EngineTransaction,
  legIndex: number,
  leg: EngineLeg,
  kind: 'disposal' | 'fee',
  parts: Part[],
  proceeds: Decimal,
  fee: Decimal,
  missingPrice: boolean,
) {
  const groups = (['short', 'long'] as const)
    .map((term) => ({ term, parts: parts.filter((p) => r.isLong(p.acquiredAt, tx.timestamp) === (term === 'long')) }))
    .filter((g) => g.parts.length);
  const qtys = groups.map((g) => g.parts.reduce((t, p) => t.plus(p.qty), ZERO));
  const proceedsShares = allocate(proceeds, qtys);
  const feeShares = allocate(fee, qtys);
  let basisTotal = ZERO;
  let gainTotal = ZERO;
  groups.forEach((g, i) => {
    const basis = g.parts.reduce((t, p) => t.plus(p.basis), ZERO);
    const dated = g.parts.filter((p) => p.acquiredAt !== null).map((p) => p.acquiredAt!);
    const gain = proceedsShares[i]!.minus(basis);
    basisTotal = basisTotal.plus(basis);
    gainTotal = gainTotal.plus(gain);
    r.out.disposals.push({
      id: `${tx.id}:${legIndex}:${g.term}`,
      transactionId: tx.id,
      assetId: leg.assetId,
      kind,
      quantity: plain(qtys[i]!),
      acquiredAt: dated.length ? Math.min(...dated) : null,
      disposedAt: tx.timestamp,
      term: g.term,
      proceeds: plain(proceedsShares[i]!),
      costBasis: plain(basis),
      gain: plain(gain),
      fee: plain(feeShares[i]!),
      lots: g.parts.map((p) => ({
        lotId: p.lot?.id ?? 'missing-purchase',
        transactionId: p.lot?.transactionId ?? tx.id,
        acquiredAt: p.acquiredAt,
        quantity: plain(p.qty),
        costBasis: plain(p.basis),
      })),
      missingPrice,
      missingPurchase: g.parts.some((p) => p.lot === null),
    });
  });
  return { basis: basisTotal, gain: gainTotal };
}

/** The open lots (by asset, then date) and the positions they add up to. */
function closeBooks(r: Run): void {
  const open = r.books.open().sort((a, b) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0) || a.acquiredAt - b.acquiredAt || a.seq - b.seq);
  const positions = new Map<string, { qty: Decimal; basis: Decimal }>();
  for (const l of open) {
    r.out.lots.push({
      id: l.id,
      transactionId: l.transactionId,
      assetId: l.assetId,
      walletId: r.perWallet ? l.walletId : null,
      acquiredAt: l.acquiredAt,
      quantity: plain(l.qty),
      costBasis: plain(l.basis),
    });
    const p = positions.get(l.assetId) ?? { qty: ZERO, basis: ZERO };
    positions.set(l.assetId, { qty: p.qty.plus(l.qty), basis: p.basis.plus(l.basis) });
  }
  for (const [assetId, p] of positions) r.out.positions.push({ assetId, quantity: plain(p.qty), costBasis: plain(p.basis) });
}

/** Splits a quantity exactly (no rounding of quantities) by weights; the last part takes the remainder. */
function allocateQuantity(total: Decimal, weights: Decimal[]): Decimal[] {
  const sum = weights.reduce((t, w) => t.plus(w), ZERO);
  let left = total;
  return weights.map((w, i) => {
    if (i === weights.length - 1) return left;
    const share = sum.isZero() ? ZERO : total.times(w).div(sum).toDecimalPlaces(18, Decimal.ROUND_DOWN);
    left = left.minus(share);
    return share;
  });
}
