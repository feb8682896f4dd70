/**
 * The tax engine: a pure function from a workspace's transactions to lots, disposals (with
 * the lots they used), income, open positions, per-transaction flags and a double-entry
 * journal. No I/O; `pass.ts` loads and stores. Exact decimal.js throughout; every money
 * value is made at 8 dp (like the data API, amounts.ts) when a quantity is valued or a
 * lot's basis is split, and the remainder stays on the lot — so basis is conserved to the
 * last digit, gains are exact differences and every journal entry balances exactly. Reports
 * round to the cent at the edge.
 *
 * Rules (documented in README "Tax engine"):
 * - Lots are per asset across the user's wallets (universal). FIFO takes the earliest lot,
 *   LIFO the latest, HIFO the highest unit cost (ties: earliest); AVERAGE keeps one unit cost
 *   per asset (re-averaged on every acquisition) and uses lot dates first-in-first-out for
 *   the holding period.
 * - A trade or payment's outgoing legs are disposals: proceeds = quantity × price, less the
 *   transaction's fees (value at market) shared pro rata. Its incoming legs are acquisitions
 *   whose basis is the gross value given up (so an entry balances); with no disposal in the
 *   transaction (a fiat purchase) the basis is the received value plus the fees.
 * - A fee paid in crypto is itself a disposal (kind `fee`) at its market value.
 * - The two halves of a movement between the user's own integrations (same `transferId`,
 *   one outgoing and one incoming leg) move lots with their dates and basis: no disposal.
 *   Other withdrawals remove lots at cost; other deposits start a lot at market value.
 * - Income labels (staking rewards, airdrops, interest, …) are income at market value on
 *   receipt and start a lot at that value; spam is never income.
 * - Term: long when held more than `longTermDays` days.
 * - A missing price (no price, no fallback) values the leg at 0 and flags the transaction;
 *   disposing of more than the lots hold takes the rest at basis 0 and flags it (missing
 *   purchase). Nothing is guessed silently.
 * - A failed transaction only spends its fees.
 */
import { Decimal, ZERO, plain } from '../data/amounts.ts';

export type CostBasisMethod = 'FIFO' | 'LIFO' | 'HIFO' | 'AVERAGE';
export type LegKind = 'incoming' | 'outgoing' | 'fee';
export type EngineLeg = { kind: LegKind; assetId: string; quantity: string; price: string | null; walletId: string };
export type EngineTransaction = {
  id: string; timestamp: number; type: string; label: string; failed: boolean; isSpam: boolean; transferId: string | null; legs: EngineLeg[];
};
export type EngineOptions = { method: CostBasisMethod; longTermDays: number };

export type LotUse = { lotId: string; transactionId: string; acquiredAt: number | null; quantity: string; costBasis: string };
export type Disposal = {
  id: string; transactionId: string; assetId: string; kind: 'disposal' | 'fee'; quantity: string; acquiredAt: number | null; disposedAt: number;
  term: 'short' | 'long'; proceeds: string; costBasis: string; gain: string; fee: string; lots: LotUse[]; missingPrice: boolean; missingPurchase: boolean;
};
export type IncomeEvent = { id: string; transactionId: string; assetId: string; label: string; quantity: string; receivedAt: number; value: string; missingPrice: boolean };
export type OpenLot = { id: string; transactionId: string; assetId: string; acquiredAt: number; quantity: string; costBasis: string };
export type Position = { assetId: string; quantity: string; costBasis: string };
export type TransactionResult = { transactionId: string; missingPrice: boolean; missingPurchase: boolean; costBasis: string | null; gains: string | null };
export type JournalLine = { account: string; walletId: string | null; assetId: string | null; quantity: string | null; debit: string; credit: string };
export type JournalEntry = { transactionId: string; timestamp: number; lines: JournalLine[] };
export type EngineResult = {
  disposals: Disposal[]; income: IncomeEvent[]; lots: OpenLot[]; positions: Position[]; transactions: TransactionResult[]; journal: JournalEntry[];
};

export const DAY_MS = 86_400_000;

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

const round = (d: Decimal) => d.toDecimalPlaces(8);

type Lot = { id: string; transactionId: string; seq: number; assetId: string; acquiredAt: number; qty: Decimal; basis: Decimal };
type Part = { lot: Lot | null; acquiredAt: number | null; qty: Decimal; basis: Decimal };

/** Splits `total` over `weights` at 8 dp; the last share takes the remainder so the shares add up exactly. */
export function allocate(total: Decimal, weights: Decimal[]): Decimal[] {
  const sum = weights.reduce((t, w) => t.plus(w), ZERO);
  let left = total;
  return weights.map((w, i) => {
    if (i === weights.length - 1) return left;
    const share = sum.isZero() ? round(total.div(weights.length)) : round(total.times(w).div(sum));
    left = left.minus(share);
    return share;
  });
}

export function computeTax(input: EngineTransaction[], options: EngineOptions): EngineResult {
  const txs = [...input].sort((a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const books = new Map<string, Lot[]>();
  let lotSeq = 0;
  const out: EngineResult = { disposals: [], income: [], lots: [], positions: [], transactions: [], journal: [] };
  const longMs = options.longTermDays * DAY_MS;

  const lotsOf = (assetId: string) => {
    let l = books.get(assetId);
    if (!l) books.set(assetId, (l = []));
    return l;
  };

  function addLot(assetId: string, txId: string, acquiredAt: number, qty: Decimal, basis: Decimal, id = `${txId}:${lotSeq}`) {
    if (qty.lte(0)) return;
    const lots = lotsOf(assetId);
    lots.push({ id, transactionId: txId, seq: lotSeq++, assetId, acquiredAt, qty, basis });
    if (options.method === 'AVERAGE' && lots.length > 1) {
      const total = lots.reduce((t, l) => t.plus(l.basis), ZERO);
      const shares = allocate(total, lots.map((l) => l.qty));
      lots.forEach((l, i) => (l.basis = shares[i]!));
    }
  }

  /** Takes `qty` of an asset from its lots in the method's order; what the lots lack comes back as a part without a lot. */
  function take(assetId: string, qty: Decimal): Part[] {
    const lots = lotsOf(assetId);
    const order = [...lots];
    if (options.method === 'LIFO') order.sort((a, b) => b.acquiredAt - a.acquiredAt || b.seq - a.seq);
    else if (options.method === 'HIFO') order.sort((a, b) => b.basis.div(b.qty).comparedTo(a.basis.div(a.qty)) || a.acquiredAt - b.acquiredAt || a.seq - b.seq);
    else order.sort((a, b) => a.acquiredAt - b.acquiredAt || a.seq - b.seq);
    const parts: Part[] = [];
    let left = qty;
    for (const lot of order) {
      if (left.lte(0)) break;
      if (lot.qty.lte(left)) {
        parts.push({ lot, acquiredAt: lot.acquiredAt, qty: lot.qty, basis: lot.basis });
        left = left.minus(lot.qty);
        lot.qty = ZERO;
        lot.basis = ZERO;
      } else {
        const basis = round(lot.basis.times(left).div(lot.qty));
        parts.push({ lot, acquiredAt: lot.acquiredAt, qty: left, basis });
        lot.qty = lot.qty.minus(left);
        lot.basis = lot.basis.minus(basis);
        left = ZERO;
      }
    }
    books.set(assetId, lots.filter((l) => l.qty.gt(0)));
    if (left.gt(0)) parts.push({ lot: null, acquiredAt: null, qty: left, basis: ZERO });
    return parts;
  }

  const isLong = (acquiredAt: number | null, at: number) => acquiredAt !== null && at - acquiredAt > longMs;

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

    if (pair) {
      // Own wallets: lots travel with their dates and basis (scaled when a bridge delivers a different quantity).
      for (const m of outs) {
        let parts = carried.get(tx.transferId!);
        if (!parts) {
          parts = take(m.leg.assetId, m.qty);
          carried.set(tx.transferId!, parts);
          if (parts.some((p) => p.lot === null)) missingPurchase = true;
        }
        const basis = parts.reduce((t, p) => t.plus(p.basis), ZERO);
        line('', basis, 'credit', { walletId: m.leg.walletId, assetId: m.leg.assetId, quantity: m.qty.neg() });
        line(ACCOUNTS.transit, basis, 'debit');
      }
      for (const m of ins) {
        let parts = carried.get(tx.transferId!);
        if (!parts) {
          // The incoming half comes first in time: take the lots now, once, for both halves.
          parts = take(pair.out.leg.assetId, new Decimal(pair.out.leg.quantity).abs());
          carried.set(tx.transferId!, parts);
          if (parts.some((p) => p.lot === null)) missingPurchase = true;
        }
        const sent = parts.reduce((t, p) => t.plus(p.qty), ZERO);
        const qtys = sent.eq(m.qty) ? parts.map((p) => p.qty) : allocateQuantity(m.qty, parts.map((p) => p.qty));
        parts.forEach((p, i) => addLot(m.leg.assetId, p.lot?.transactionId ?? tx.id, p.acquiredAt ?? tx.timestamp, qtys[i]!, p.basis, p.lot ? `${p.lot.id}>${tx.id}` : undefined));
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
        const parts = take(l.leg.assetId, l.qty);
        if (parts.some((p) => p.lot === null)) missingPurchase = true;
        const proceeds = grossValues[i]!.minus(feeShares[i]!);
        const r = dispose(tx, l.index, l.leg, 'disposal', parts, proceeds, feeShares[i]!, gross[i] === null);
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
          addLot(l.leg.assetId, tx.id, tx.timestamp, l.qty, shares[i]!);
          line('', shares[i]!, 'debit', { walletId: l.leg.walletId, assetId: l.leg.assetId, quantity: l.qty });
        });
      } else {
        line(ACCOUNTS.spending, given, 'debit');
      }
    } else {
      // Removals at cost (withdrawals, stakes, transfers out of the workspace).
      for (const l of outs) {
        const parts = take(l.leg.assetId, l.qty);
        if (parts.some((p) => p.lot === null)) missingPurchase = true;
        const basis = parts.reduce((t, p) => t.plus(p.basis), ZERO);
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
        addLot(l.leg.assetId, tx.id, tx.timestamp, l.qty, basis);
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
      const parts = take(f.leg.assetId, f.qty);
      if (parts.some((p) => p.lot === null)) missingPurchase = true;
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

  for (const [assetId, lots] of [...books].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const open = lots.filter((l) => l.qty.gt(0));
    if (!open.length) continue;
    for (const l of open.sort((a, b) => a.acquiredAt - b.acquiredAt || a.seq - b.seq)) {
      out.lots.push({ id: l.id, transactionId: l.transactionId, assetId, acquiredAt: l.acquiredAt, quantity: plain(l.qty), costBasis: plain(l.basis) });
    }
    out.positions.push({ assetId, quantity: plain(open.reduce((t, l) => t.plus(l.qty), ZERO)), costBasis: plain(open.reduce((t, l) => t.plus(l.basis), ZERO)) });
  }
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

/** The tax year of a moment (UTC), named by the calendar year it starts in; `start` is MM-DD. */
export function taxYearOf(ms: number, start: string): number {
  const [m, d] = start.split('-').map(Number) as [number, number];
  const y = new Date(ms).getUTCFullYear();
  return ms >= Date.UTC(y, m - 1, d) ? y : y - 1;
}

/** [from, to) of a tax year in ms. */
export function taxYearRange(year: number, start: string): [number, number] {
  const [m, d] = start.split('-').map(Number) as [number, number];
  return [Date.UTC(year, m - 1, d), Date.UTC(year + 1, m - 1, d)];
}
