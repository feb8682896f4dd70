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

export { allocate } from './books.ts';
export type { CostBasisMethod, LotTracking } from './books.ts';
export { taxYearOf, taxYearRange } from './dates.ts';
export const COST_BASIS_METHODS = ['FIFO', 'LIFO', 'HIFO', 'AVERAGE', 'UK_POOL'] as const;

export type LegKind = 'incoming' | 'outgoing' | 'fee';
export type EngineLeg = { kind: LegKind; assetId: string; quantity: string; price: string | null; walletId: string };
export type EngineTransaction = {
  id: string; timestamp: number; type: string; label: string; failed: boolean; isSpam: boolean; transferId: string | null; legs: EngineLeg[];
  /** Where it happened: an exchange account or a chain/wallet (default). Decides where a fee in the received asset comes from. */
  venue?: 'exchange' | 'chain';
};
/** Specific identification: for the disposal `transactionId`, take `quantity` of `assetId` from the lots acquired in `lots[].transactionId`. */
export type LotSelection = { transactionId: string; assetId: string; lots: { transactionId: string; quantity: string }[] };
export type EngineOptions = {
  method: CostBasisMethod; longTermDays: number; holdingPeriod?: HoldingPeriod; timeZone?: string; lotTracking?: LotTracking; selections?: LotSelection[];
};

export type LotUse = { lotId: string; transactionId: string; acquiredAt: number | null; quantity: string; costBasis: string };
export type Disposal = {
  id: string; transactionId: string; assetId: string; kind: 'disposal' | 'fee'; quantity: string; acquiredAt: number | null; disposedAt: number;
  term: 'short' | 'long'; proceeds: string; costBasis: string; gain: string; fee: string; lots: LotUse[]; missingPrice: boolean; missingPurchase: boolean;
};
export type IncomeEvent = { id: string; transactionId: string; assetId: string; label: string; quantity: string; receivedAt: number; value: string; missingPrice: boolean };
export type OpenLot = { id: string; transactionId: string; assetId: string; walletId: string | null; acquiredAt: number; quantity: string; costBasis: string };
export type Position = { assetId: string; quantity: string; costBasis: string };
export type TransactionResult = { transactionId: string; missingPrice: boolean; missingPurchase: boolean; costBasis: string | null; gains: string | null };
export type JournalLine = { account: string; walletId: string | null; assetId: string | null; quantity: string | null; debit: string; credit: string };
export type JournalEntry = { transactionId: string; timestamp: number; lines: JournalLine[] };
export type EngineResult = {
  disposals: Disposal[]; income: IncomeEvent[]; lots: OpenLot[]; positions: Position[]; transactions: TransactionResult[]; journal: JournalEntry[];
};

/** Labels whose incoming legs are income (contract 8.4 "deposit" labels that are earnings). */
export const INCOME_LABELS = new Set([
  'Staking Rewards', 'Airdrops', 'Income', 'Interest', 'Reward', 'Mining', 'Farming Rewards', 'Cashback', 'Royalties', 'Earn', 'Loan Interest', 'Funding Fee Received',
]);

export const ACCOUNTS = {
  asset: 'assets',
  transit: 'assets:in-transit',
  gains: 'income:realized-gains',
  income: (label: string) => `income:${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`,
  fees: 'expenses:fees',
  spending: 'expenses:spending',
  contributions: 'equity:contributions',
  withdrawals: 'equity:withdrawals',
} as const;

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

function run(txs: EngineTransaction[], options: EngineOptions, books: Books): EngineResult {
  const out: EngineResult = { disposals: [], income: [], lots: [], positions: [], transactions: [], journal: [] };
  const rule = { holdingPeriod: options.holdingPeriod ?? 'calendar', longTermDays: options.longTermDays, timeZone: options.timeZone ?? 'UTC' };
  const perWallet = options.lotTracking === 'wallet' && options.method !== 'UK_POOL';
  const selections = new Map<string, Map<string, { transactionId: string; quantity: Decimal }[]>>();
  for (const s of options.selections ?? []) {
    let m = selections.get(s.transactionId);
    if (!m) selections.set(s.transactionId, (m = new Map()));
    m.set(s.assetId, s.lots.map((l) => ({ transactionId: l.transactionId, quantity: new Decimal(l.quantity) })));
  }

  const isLong = (acquiredAt: number | null, at: number) => acquiredAt !== null && isLongTerm(acquiredAt, at, rule);

  /** Records a disposal of `parts`, one row per term, proceeds shared by quantity. */
  function dispose(tx: EngineTransaction, legIndex: number, leg: EngineLeg, kind: 'disposal' | 'fee', parts: Part[], proceeds: Decimal, fee: Decimal, missingPrice: boolean) {
    const groups = (['short', 'long'] as const).map((term) => ({ term, parts: parts.filter((p) => isLong(p.acquiredAt, tx.timestamp) === (term === 'long')) })).filter((g) => g.parts.length);
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
      out.disposals.push({
        id: `${tx.id}:${legIndex}:${g.term}`, transactionId: tx.id, assetId: leg.assetId, kind, quantity: plain(qtys[i]!),
        acquiredAt: dated.length ? Math.min(...dated) : null, disposedAt: tx.timestamp, term: g.term,
        proceeds: plain(proceedsShares[i]!), costBasis: plain(basis), gain: plain(gain), fee: plain(feeShares[i]!),
        lots: g.parts.map((p) => ({ lotId: p.lot?.id ?? 'missing-purchase', transactionId: p.lot?.transactionId ?? tx.id, acquiredAt: p.acquiredAt, quantity: plain(p.qty), costBasis: plain(p.basis) })),
        missingPrice, missingPurchase: g.parts.some((p) => p.lot === null),
      });
    });
    return { basis: basisTotal, gain: gainTotal };
  }

  // Internal transfers: the pair is handled at its first half, as one movement.
  const pairs = new Map<string, EngineTransaction[]>();
  for (const t of txs) if (t.transferId && !t.failed) pairs.set(t.transferId, [...(pairs.get(t.transferId) ?? []), t]);
  const internal = new Map<string, { out: { tx: EngineTransaction; leg: EngineLeg }; in: { tx: EngineTransaction; leg: EngineLeg } }>();
  for (const [id, group] of pairs) {
    const outs = group.flatMap((tx) => tx.legs.filter((l) => l.kind === 'outgoing').map((leg) => ({ tx, leg })));
    const ins = group.flatMap((tx) => tx.legs.filter((l) => l.kind === 'incoming').map((leg) => ({ tx, leg })));
    if (outs.length === 1 && ins.length === 1) internal.set(id, { out: outs[0]!, in: ins[0]! });
  }
  const carried = new Map<string, Part[]>();

  for (const tx of txs) {
    const lines: JournalLine[] = [];
    const line = (account: string, amount: Decimal, side: 'debit' | 'credit', asset?: { walletId: string; assetId: string; quantity: Decimal }) => {
      const negative = amount.lt(0);
      const abs = amount.abs();
      const debit = (side === 'debit') !== negative;
      lines.push({
        account: asset ? `${ACCOUNTS.asset}:${asset.walletId}:${asset.assetId}` : account, walletId: asset?.walletId ?? null, assetId: asset?.assetId ?? null,
        quantity: asset ? plain(asset.quantity) : null, debit: debit ? plain(abs) : '0', credit: debit ? '0' : plain(abs),
      });
    };
    let missingPrice = false;
    let missingPurchase = false;
    let txBasis: Decimal | null = null;
    let txGains: Decimal | null = null;
    const legs = tx.legs.map((leg, index) => ({ leg, index, qty: new Decimal(leg.quantity).abs(), value: leg.price === null ? null : round(new Decimal(leg.quantity).abs().times(leg.price)) }));
    const fees = legs.filter((l) => l.leg.kind === 'fee');
    const moves = tx.failed ? [] : legs.filter((l) => l.leg.kind !== 'fee');
    const feeValue = fees.reduce((t, f) => t.plus(f.value ?? ZERO), ZERO);
    if (fees.some((f) => f.value === null)) missingPrice = true;
    const pair = tx.transferId ? internal.get(tx.transferId) : undefined;
    const disposes = !pair && (tx.type === 'trade' || tx.type === 'payment');
    const outs = moves.filter((l) => l.leg.kind === 'outgoing');
    const ins = moves.filter((l) => l.leg.kind === 'incoming');
    let feeIntoProceeds = false;
    const take = (assetId: string, walletId: string, qty: Decimal, disposal: boolean, selection?: { transactionId: string; quantity: Decimal }[]) => {
      const parts = books.take(assetId, perWallet ? walletId : '', qty, { disposal, at: tx.timestamp, selection });
      if (parts.some((p) => p.lot === null)) missingPurchase = true;
      return parts;
    };

    // Outgoing legs come out of the prior balance, in the method's order (or as the disposal names its lots).
    const outParts = new Map<number, Part[]>();
    if (!pair) for (const l of outs) outParts.set(l.index, take(l.leg.assetId, l.leg.walletId, l.qty, disposes, disposes ? selections.get(tx.id)?.get(l.leg.assetId) : undefined));

    // Fees: from the prior balance too, except an exchange trade's fee in the asset it received.
    // What the prior balance lacks comes out of what this transaction received, when it received that asset.
    const received = new Set(pair ? [] : ins.map((l) => l.leg.assetId));
    const feeParts = new Map<number, Part[]>();
    const fromReceived = new Map<string, { index: number; qty: Decimal }[]>();
    for (const f of fees) {
      const carve = (qty: Decimal) => fromReceived.set(f.leg.assetId, [...(fromReceived.get(f.leg.assetId) ?? []), { index: f.index, qty }]);
      if (tx.venue === 'exchange' && received.has(f.leg.assetId)) {
        feeParts.set(f.index, []);
        carve(f.qty);
        continue;
      }
      const parts = books.take(f.leg.assetId, perWallet ? f.leg.walletId : '', f.qty, { disposal: true, at: tx.timestamp });
      const lacking = parts.at(-1)?.lot === null ? parts.at(-1)! : undefined;
      if (lacking && received.has(f.leg.assetId)) {
        parts.pop();
        carve(lacking.qty);
      } else if (lacking) missingPurchase = true;
      feeParts.set(f.index, parts);
    }

    /** Adds an acquired leg as a lot, after carving off the fees it pays (fee parts held 0 days, at this leg's unit cost). */
    const acquire = (l: (typeof legs)[number], basis: Decimal) => {
      let qty = l.qty;
      let left = basis;
      for (const c of fromReceived.get(l.leg.assetId) ?? []) {
        const q = Decimal.min(c.qty, qty);
        if (q.lte(0)) continue;
        const b = q.eq(qty) ? left : round(left.times(q).div(qty));
        feeParts.get(c.index)!.push({ lot: { id: `${tx.id}:${l.index}`, transactionId: tx.id, seq: -1, assetId: l.leg.assetId, walletId: l.leg.walletId, acquiredAt: tx.timestamp, qty: ZERO, basis: ZERO }, acquiredAt: tx.timestamp, qty: q, basis: b });
        c.qty = c.qty.minus(q);
        qty = qty.minus(q);
        left = left.minus(b);
      }
      books.add({ assetId: l.leg.assetId, walletId: perWallet ? l.leg.walletId : '', transactionId: tx.id, acquiredAt: tx.timestamp, qty, basis: left, matchable: true });
    };

    if (pair) {
      // Own wallets: lots travel with their dates and basis (scaled when a bridge delivers a different quantity).
      for (const m of outs) {
        let parts = carried.get(tx.transferId!);
        if (!parts) {
          parts = take(m.leg.assetId, m.leg.walletId, m.qty, false);
          carried.set(tx.transferId!, parts);
        }
        const basis = parts.reduce((t, p) => t.plus(p.basis), ZERO);
        line('', basis, 'credit', { walletId: m.leg.walletId, assetId: m.leg.assetId, quantity: m.qty.neg() });
        line(ACCOUNTS.transit, basis, 'debit');
      }
      for (const m of ins) {
        let parts = carried.get(tx.transferId!);
        if (!parts) {
          // The incoming half comes first in time: take the lots now, once, for both halves.
          parts = take(pair.out.leg.assetId, pair.out.leg.walletId, new Decimal(pair.out.leg.quantity).abs(), false);
          carried.set(tx.transferId!, parts);
        }
        const sent = parts.reduce((t, p) => t.plus(p.qty), ZERO);
        const qtys = sent.eq(m.qty) ? parts.map((p) => p.qty) : allocateQuantity(m.qty, parts.map((p) => p.qty));
        parts.forEach((p, i) => books.add({
          assetId: m.leg.assetId, walletId: perWallet ? m.leg.walletId : '', transactionId: p.lot?.transactionId ?? tx.id, acquiredAt: p.acquiredAt ?? tx.timestamp,
          qty: qtys[i]!, basis: p.basis, id: p.lot ? `${p.lot.id}>${tx.id}` : undefined, matchable: false,
        }));
        const basis = parts.reduce((t, p) => t.plus(p.basis), ZERO);
        line('', basis, 'debit', { walletId: m.leg.walletId, assetId: m.leg.assetId, quantity: m.qty });
        line(ACCOUNTS.transit, basis, 'credit');
      }
    } else if (disposes && outs.length) {
      feeIntoProceeds = true;
      const inValue = ins.every((l) => l.value !== null) ? ins.reduce((t, l) => t.plus(l.value!), ZERO) : null;
      const gross = outs.map((l) => l.value ?? (outs.length === 1 && inValue !== null ? inValue : null));
      if (gross.some((g) => g === null)) missingPrice = true;
      const grossValues = gross.map((g) => g ?? ZERO);
      const feeShares = allocate(feeValue, grossValues);
      let basisSum = ZERO;
      let gainSum = ZERO;
      outs.forEach((l, i) => {
        const proceeds = grossValues[i]!.minus(feeShares[i]!);
        const r = dispose(tx, l.index, l.leg, 'disposal', outParts.get(l.index)!, proceeds, feeShares[i]!, gross[i] === null);
        basisSum = basisSum.plus(r.basis);
        gainSum = gainSum.plus(r.gain);
        line('', r.basis, 'credit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty.neg() });
        line(ACCOUNTS.gains, r.gain, 'credit');
      });
      txBasis = basisSum;
      txGains = gainSum;
      const given = grossValues.reduce((t, g) => t.plus(g), ZERO);
      if (ins.length) {
        // Acquisitions cost what was given up; shared by received value (or quantity when unpriced).
        const outValue = gross.every((g) => g !== null) ? given : null;
        if (outValue === null && ins.some((l) => l.value === null)) missingPrice = true;
        const shares = allocate(given, ins.map((l) => l.value ?? l.qty));
        ins.forEach((l, i) => {
          acquire(l, shares[i]!);
          line('', shares[i]!, 'debit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty });
        });
      } else {
        line(ACCOUNTS.spending, given, 'debit');
      }
    } else {
      // Removals at cost (withdrawals, stakes, transfers out of the workspace).
      for (const l of outs) {
        const basis = outParts.get(l.index)!.reduce((t, p) => t.plus(p.basis), ZERO);
        line('', basis, 'credit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty.neg() });
        line(ACCOUNTS.withdrawals, basis, 'debit');
      }
      // Acquisitions without a disposal: income, deposits, fiat purchases (fees into basis).
      const isIncome = INCOME_LABELS.has(tx.label) && !tx.isSpam;
      const isPurchase = tx.type === 'trade' || tx.type === 'payment';
      const feeShares = isPurchase && ins.length ? allocate(feeValue, ins.map((l) => l.value ?? l.qty)) : ins.map(() => ZERO);
      if (isPurchase && ins.length) feeIntoProceeds = true;
      ins.forEach((l, i) => {
        if (l.value === null) missingPrice = true;
        const value = l.value ?? ZERO;
        const basis = value.plus(feeShares[i]!);
        acquire(l, basis);
        line('', basis, 'debit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty });
        if (isIncome) {
          out.income.push({ id: `${tx.id}:${l.index}`, transactionId: tx.id, assetId: l.leg.assetId, label: tx.label, quantity: plain(l.qty), receivedAt: tx.timestamp, value: plain(value), missingPrice: l.value === null });
          line(ACCOUNTS.income(tx.label), value, 'credit');
        } else line(ACCOUNTS.contributions, value, 'credit');
      });
    }

    // Fees paid in crypto are disposals at market value; their value is an expense unless it
    // already reduced proceeds or raised a basis above.
    for (const f of fees) {
      const parts = feeParts.get(f.index)!;
      const short = fromReceived.get(f.leg.assetId)?.find((c) => c.index === f.index && c.qty.gt(0));
      if (short) {
        // Received less than the fee needed from it: the rest is a missing purchase.
        parts.push({ lot: null, acquiredAt: null, qty: short.qty, basis: ZERO });
        missingPurchase = true;
      }
      const value = f.value ?? ZERO;
      const r = dispose(tx, f.index, f.leg, 'fee', parts, value, ZERO, f.value === null);
      line('', r.basis, 'credit', { walletId: f.leg.walletId, assetId: f.leg.assetId, quantity: f.qty.neg() });
      line(ACCOUNTS.gains, r.gain, 'credit');
      line(ACCOUNTS.fees, value, 'debit');
    }
    if (feeIntoProceeds && !feeValue.isZero()) line(ACCOUNTS.fees, feeValue, 'credit');

    out.transactions.push({ transactionId: tx.id, missingPrice, missingPurchase, costBasis: txBasis === null ? null : plain(txBasis), gains: txGains === null ? null : plain(txGains) });
    const kept = lines.filter((l) => l.debit !== '0' || l.credit !== '0' || l.quantity !== null);
    if (kept.length) out.journal.push({ transactionId: tx.id, timestamp: tx.timestamp, lines: mergeLines(kept) });
  }

  const open = books.open().sort((a, b) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0) || a.acquiredAt - b.acquiredAt || a.seq - b.seq);
  const positions = new Map<string, { qty: Decimal; basis: Decimal }>();
  for (const l of open) {
    out.lots.push({ id: l.id, transactionId: l.transactionId, assetId: l.assetId, walletId: perWallet ? l.walletId : null, acquiredAt: l.acquiredAt, quantity: plain(l.qty), costBasis: plain(l.basis) });
    const p = positions.get(l.assetId) ?? { qty: ZERO, basis: ZERO };
    positions.set(l.assetId, { qty: p.qty.plus(l.qty), basis: p.basis.plus(l.basis) });
  }
  for (const [assetId, p] of positions) out.positions.push({ assetId, quantity: plain(p.qty), costBasis: plain(p.basis) });
  return out;
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

/** One line per account and side within an entry (fees and gains of several legs add up). */
function mergeLines(lines: JournalLine[]): JournalLine[] {
  const out: JournalLine[] = [];
  const byKey = new Map<string, JournalLine>();
  for (const l of lines) {
    if (l.assetId !== null) {
      out.push(l);
      continue;
    }
    const key = l.account;
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, l);
      out.push(l);
      continue;
    }
    const net = new Decimal(prev.debit).minus(prev.credit).plus(l.debit).minus(l.credit);
    prev.debit = net.gt(0) ? plain(net) : '0';
    prev.credit = net.lt(0) ? plain(net.neg()) : '0';
  }
  return out.filter((l) => l.assetId !== null || l.debit !== '0' || l.credit !== '0');
}

