/**
 * The books of open lots the engine takes from and adds to. `LotBooks` keeps lots for FIFO,
 * LIFO, HIFO and average cost, per asset (universal) or per wallet and asset
 * (wallet-by-wallet), and honours a specific identification (the disposal names the
 * acquisitions whose lots it uses) before the method's order. The UK pool has its own
 * books (uk-pool.ts) behind the same interface.
 */
import { Decimal, ZERO } from '../lib/decimal.ts';

export type CostBasisMethod = 'FIFO' | 'LIFO' | 'HIFO' | 'AVERAGE' | 'UK_POOL';
export type LotTracking = 'universal' | 'wallet';

export type Lot = { id: string; transactionId: string; seq: number; assetId: string; walletId: string; acquiredAt: number; qty: Decimal; basis: Decimal };
export type Part = { lot: Lot | null; acquiredAt: number | null; qty: Decimal; basis: Decimal };
export type NewLot = {
  assetId: string;
  walletId: string;
  transactionId: string;
  acquiredAt: number;
  qty: Decimal;
  basis: Decimal;
  id?: string;
  matchable: boolean;
};
/** How a take happens: `disposal` takes are the ones the UK matching rules match; `selection` names acquisition transactions. */
export type TakeHow = { disposal: boolean; at: number; selection?: { transactionId: string; quantity: Decimal }[] };

export interface Books {
  add(lot: NewLot): void;
  take(assetId: string, walletId: string, qty: Decimal, how: TakeHow): Part[];
  open(): Lot[];
}

export const round8 = (d: Decimal) => d.toDecimalPlaces(8);

/** Splits `total` over `weights` at 8 dp; the last share takes the remainder so the shares add up exactly. */
export function allocate(total: Decimal, weights: Decimal[]): Decimal[] {
  const sum = weights.reduce((t, w) => t.plus(w), ZERO);
  let left = total;
  return weights.map((w, i) => {
    if (i === weights.length - 1) return left;
    const share = sum.isZero() ? round8(total.div(weights.length)) : round8(total.times(w).div(sum));
    left = left.minus(share);
    return share;
  });
}

/** Takes up to `qty` from `lot` (basis pro rata at 8 dp, remainder stays on the lot). */
export function cut(lot: Lot, qty: Decimal): Part {
  if (lot.qty.lte(qty)) {
    const part = { lot, acquiredAt: lot.acquiredAt, qty: lot.qty, basis: lot.basis };
    lot.qty = ZERO;
    lot.basis = ZERO;
    return part;
  }
  const basis = round8(lot.basis.times(qty).div(lot.qty));
  lot.qty = lot.qty.minus(qty);
  lot.basis = lot.basis.minus(basis);
  return { lot, acquiredAt: lot.acquiredAt, qty, basis };
}

type Book = { lots: Lot[]; head: number; qty: Decimal; basis: Decimal };

/**
 * Lots kept sorted in the order the method takes them (binary insertion), so a take reads
 * from one end: FIFO and average cost from the earliest, LIFO from the latest, HIFO from the
 * highest unit cost at acquisition. Average cost keeps the book's total cost: a take costs
 * its share of it, and the lots' own costs are that total spread by quantity.
 */
export class LotBooks implements Books {
  private books = new Map<string, Book>();
  private seq = 0;
  private unit = new Map<Lot, Decimal>();
  constructor(
    private method: Exclude<CostBasisMethod, 'UK_POOL'>,
    private tracking: LotTracking,
  ) {}

  private bookOf(assetId: string, walletId: string): Book {
    const key = this.tracking === 'wallet' ? `${walletId}\u0000${assetId}` : assetId;
    let b = this.books.get(key);
    if (!b) this.books.set(key, (b = { lots: [], head: 0, qty: ZERO, basis: ZERO }));
    return b;
  }

  /** Negative when `a` is taken before `b` (LIFO is stored earliest first and taken from the end). */
  private before(a: Lot, b: Lot): number {
    if (this.method === 'HIFO') {
      const c = this.unit.get(b)!.comparedTo(this.unit.get(a)!);
      if (c) return c;
    }
    return a.acquiredAt - b.acquiredAt || a.seq - b.seq;
  }

  add(n: NewLot): void {
    if (n.qty.lte(0)) return;
    const b = this.bookOf(n.assetId, n.walletId);
    const seq = this.seq++;
    const lot: Lot = {
      id: n.id ?? `${n.transactionId}:${seq}`,
      transactionId: n.transactionId,
      seq,
      assetId: n.assetId,
      walletId: n.walletId,
      acquiredAt: n.acquiredAt,
      qty: n.qty,
      basis: n.basis,
    };
    if (this.method === 'HIFO') this.unit.set(lot, n.basis.div(n.qty));
    let lo = b.head;
    let hi = b.lots.length;
    if (hi > lo && this.before(b.lots[hi - 1]!, lot) <= 0) lo = hi; // the usual case: later than every lot
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.before(b.lots[mid]!, lot) <= 0) lo = mid + 1;
      else hi = mid;
    }
    b.lots.splice(lo, 0, lot);
    b.qty = b.qty.plus(n.qty);
    b.basis = b.basis.plus(n.basis);
  }

  private cutFrom(b: Book, lot: Lot, want: Decimal): Part {
    if (this.method !== 'AVERAGE') return cut(lot, want);
    // Average cost: the part costs its share of the book's total.
    const q = Decimal.min(lot.qty, want);
    const basis = q.eq(b.qty) ? b.basis : round8(b.basis.times(q).div(b.qty));
    lot.qty = lot.qty.minus(q);
    return { lot, acquiredAt: lot.acquiredAt, qty: q, basis };
  }

  take(assetId: string, walletId: string, qty: Decimal, how: TakeHow): Part[] {
    const b = this.bookOf(assetId, walletId);
    const parts: Part[] = [];
    let left = qty;
    const took = (p: Part) => {
      parts.push(p);
      left = left.minus(p.qty);
      b.qty = b.qty.minus(p.qty);
      b.basis = b.basis.minus(p.basis);
    };
    // Specific identification first (not under average cost, where every unit costs the same).
    if (how.selection && this.method !== 'AVERAGE') {
      for (const s of how.selection) {
        let want = Decimal.min(s.quantity, left);
        for (let i = b.head; i < b.lots.length && want.gt(0); i++) {
          const lot = b.lots[i]!;
          if (lot.transactionId !== s.transactionId || lot.qty.lte(0)) continue;
          const p = this.cutFrom(b, lot, want);
          want = want.minus(p.qty);
          took(p);
        }
      }
    }
    if (this.method === 'LIFO') {
      for (let i = b.lots.length - 1; i >= b.head && left.gt(0); i--) if (b.lots[i]!.qty.gt(0)) took(this.cutFrom(b, b.lots[i]!, left));
      while (b.lots.length > b.head && b.lots[b.lots.length - 1]!.qty.lte(0)) b.lots.pop();
    } else {
      for (let i = b.head; i < b.lots.length && left.gt(0); i++) if (b.lots[i]!.qty.gt(0)) took(this.cutFrom(b, b.lots[i]!, left));
      while (b.head < b.lots.length && b.lots[b.head]!.qty.lte(0)) b.head++;
      if (b.head > 1024 && b.head * 2 > b.lots.length) {
        b.lots = b.lots.slice(b.head);
        b.head = 0;
      }
    }
    if (how.selection) b.lots = b.lots.filter((l, i) => i < b.head || l.qty.gt(0));
    if (b.qty.isZero()) b.basis = ZERO;
    if (left.gt(0)) parts.push({ lot: null, acquiredAt: null, qty: left, basis: ZERO });
    return parts;
  }

  open(): Lot[] {
    const out: Lot[] = [];
    for (const b of this.books.values()) {
      const lots = b.lots.slice(b.head).filter((l) => l.qty.gt(0));
      if (this.method === 'AVERAGE' && lots.length) {
        const shares = allocate(
          b.basis,
          lots.map((l) => l.qty),
        );
        lots.forEach((l, i) => (l.basis = shares[i]!));
      }
      out.push(...lots);
    }
    return out;
  }
}
