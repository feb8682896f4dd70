/**
 * UK share pooling for cryptoassets (HMRC Cryptoassets Manual, CRYPTO22200 on): for each
 * asset, a disposal is matched first with acquisitions on the same day (all of a day's
 * acquisitions and disposals each count as one), then with acquisitions in the 30 days
 * after it ("bed and breakfast", earliest first), and what is left comes out of the
 * Section 104 pool at its average cost. The pool is one per asset across the user's wallets.
 *
 * The 30-day rule looks ahead, so the engine runs twice: a first run with `RecordingBooks`
 * notes every acquisition (quantity, cost, day) and every disposal in order; `planMatches`
 * matches them; the second run uses `UkBooks`, which gives each disposal its matched
 * acquisitions and keeps them out of the pool. Acquisition costs do not depend on the
 * matching (they are what was given up, or market value), so both runs see the same ones.
 */
import { Decimal, ZERO } from '../lib/decimal.ts';
import { LotBooks, round8, type Books, type Lot, type NewLot, type Part, type TakeHow } from './books.ts';
import { dayNumber, localDate } from './dates.ts';

type AddEvent = { seq: number; assetId: string; transactionId: string; at: number; day: number; qty: Decimal; basis: Decimal; matchable: boolean };
type TakeEvent = { seq: number; assetId: string; at: number; day: number; qty: Decimal; matchable: boolean };
export type Match = { add: AddEvent; qty: Decimal; basis: Decimal };
export type Plan = { byTake: Map<number, Match[]>; reserved: Map<number, { qty: Decimal; basis: Decimal }> };

/** Universal FIFO books that note every add and take for the matching plan. */
export class RecordingBooks implements Books {
  adds: AddEvent[] = [];
  takes: TakeEvent[] = [];
  private inner = new LotBooks('FIFO', 'universal');
  constructor(private zone: string) {}
  add(n: NewLot): void {
    // Only acquisitions are numbered (one per incoming leg in both runs); lots an own-wallet transfer moves are not.
    if (n.matchable)
      this.adds.push({
        seq: this.adds.length,
        assetId: n.assetId,
        transactionId: n.transactionId,
        at: n.acquiredAt,
        day: dayNumber(localDate(n.acquiredAt, this.zone)),
        qty: n.qty,
        basis: n.basis,
        matchable: n.qty.gt(0),
      });
    this.inner.add(n);
  }
  take(assetId: string, walletId: string, qty: Decimal, how: TakeHow): Part[] {
    this.takes.push({ seq: this.takes.length, assetId, at: how.at, day: dayNumber(localDate(how.at, this.zone)), qty, matchable: how.disposal });
    return this.inner.take(assetId, walletId, qty, how);
  }
  open(): Lot[] {
    return this.inner.open();
  }
}

/** Same-day, then 30-day matches of every disposal (by take sequence), and how much of each acquisition they reserve. */
export function planMatches(adds: AddEvent[], takes: TakeEvent[]): Plan {
  const plan: Plan = { byTake: new Map(), reserved: new Map() };
  const left = new Map<number, Decimal>(adds.map((a) => [a.seq, a.qty]));
  const need = new Map<number, Decimal>(takes.map((t) => [t.seq, t.qty]));
  const match = (t: TakeEvent, a: AddEvent) => {
    const q = Decimal.min(need.get(t.seq)!, left.get(a.seq)!);
    if (q.lte(0)) return;
    need.set(t.seq, need.get(t.seq)!.minus(q));
    left.set(a.seq, left.get(a.seq)!.minus(q));
    const r = plan.reserved.get(a.seq) ?? { qty: ZERO, basis: ZERO };
    // The last match of an acquisition takes the rest of its cost, so cost is conserved.
    const basis = left.get(a.seq)!.isZero() ? a.basis.minus(r.basis) : round8(a.basis.times(q).div(a.qty));
    plan.reserved.set(a.seq, { qty: r.qty.plus(q), basis: r.basis.plus(basis) });
    plan.byTake.set(t.seq, [...(plan.byTake.get(t.seq) ?? []), { add: a, qty: q, basis }]);
  };
  const byAsset = new Map<string, { adds: AddEvent[]; takes: TakeEvent[] }>();
  const of = (id: string) => {
    let g = byAsset.get(id);
    if (!g) byAsset.set(id, (g = { adds: [], takes: [] }));
    return g;
  };
  for (const a of adds) if (a.matchable) of(a.assetId).adds.push(a);
  for (const t of takes) if (t.matchable && t.qty.gt(0)) of(t.assetId).takes.push(t);
  for (const g of byAsset.values()) {
    if (!g.adds.length || !g.takes.length) continue;
    // Acquisitions in day order (they come in time order already); `from(day)` is the first on or after `day`.
    const adds = g.adds;
    const from = (day: number) => {
      let lo = 0;
      let hi = adds.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (adds[mid]!.day < day) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const spent = (a: AddEvent) => left.get(a.seq)!.lte(0);
    // 1. Same day.
    for (const t of g.takes) for (let i = from(t.day); i < adds.length && adds[i]!.day === t.day && need.get(t.seq)!.gt(0); i++) match(t, adds[i]!);
    // 2. The 30 days after the disposal, earliest acquisition first; disposals in order. The window
    // only moves forward and spent acquisitions stay spent, so one pointer walks the acquisitions once.
    let next = 0;
    for (const t of g.takes) {
      next = Math.max(next, from(t.day + 1));
      while (next < adds.length && spent(adds[next]!)) next++;
      for (let i = next; i < adds.length && adds[i]!.day <= t.day + 30 && need.get(t.seq)!.gt(0); i++) match(t, adds[i]!);
    }
  }
  return plan;
}

type Pool = { qty: Decimal; basis: Decimal; firstAt: number; transactionId: string };

/** The second run: matched acquisitions go to their disposals, the rest into the Section 104 pool. */
export class UkBooks implements Books {
  private pools = new Map<string, Pool>();
  private addSeq = 0;
  private takeSeq = 0;
  constructor(private plan: Plan) {}

  add(n: NewLot): void {
    const r = n.matchable ? this.plan.reserved.get(this.addSeq++) : undefined;
    const qty = r ? n.qty.minus(r.qty) : n.qty;
    const basis = r ? n.basis.minus(r.basis) : n.basis;
    if (qty.lte(0)) return;
    const p = this.pools.get(n.assetId);
    if (!p) this.pools.set(n.assetId, { qty, basis, firstAt: n.acquiredAt, transactionId: n.transactionId });
    else {
      p.qty = p.qty.plus(qty);
      p.basis = p.basis.plus(basis);
      if (n.acquiredAt < p.firstAt) p.firstAt = n.acquiredAt;
    }
  }

  private poolLot(assetId: string, p: Pool): Lot {
    return { id: `pool:${assetId}`, transactionId: p.transactionId, seq: 0, assetId, walletId: '', acquiredAt: p.firstAt, qty: p.qty, basis: p.basis };
  }

  take(assetId: string, _walletId: string, qty: Decimal, _how: TakeHow): Part[] {
    const seq = this.takeSeq++;
    const parts: Part[] = [];
    let left = qty;
    for (const m of this.plan.byTake.get(seq) ?? []) {
      const lot: Lot = {
        id: `${m.add.transactionId}:${m.add.seq}`,
        transactionId: m.add.transactionId,
        seq: m.add.seq,
        assetId,
        walletId: '',
        acquiredAt: m.add.at,
        qty: ZERO,
        basis: ZERO,
      };
      parts.push({ lot, acquiredAt: m.add.at, qty: m.qty, basis: m.basis });
      left = left.minus(m.qty);
    }
    const p = this.pools.get(assetId);
    if (left.gt(0) && p && p.qty.gt(0)) {
      const q = Decimal.min(left, p.qty);
      const basis = q.eq(p.qty) ? p.basis : round8(p.basis.times(q).div(p.qty));
      parts.push({ lot: this.poolLot(assetId, p), acquiredAt: p.firstAt, qty: q, basis });
      p.qty = p.qty.minus(q);
      p.basis = p.basis.minus(basis);
      left = left.minus(q);
    }
    if (left.gt(0)) parts.push({ lot: null, acquiredAt: null, qty: left, basis: ZERO });
    return parts;
  }

  open(): Lot[] {
    return [...this.pools].filter(([, p]) => p.qty.gt(0)).map(([id, p]) => this.poolLot(id, p));
  }
}
