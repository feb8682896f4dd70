/**
 * The books of open lots the engine takes from and adds to. `LotBooks` keeps lots for FIFO,
 * LIFO, HIFO and average cost, per asset (universal) or per wallet and asset
 * (wallet-by-wallet), and honours a specific identification (the disposal names the
 * acquisitions whose lots it uses) before the method's order. The UK pool has its own
 * books (uk-pool.ts) behind the same interface.
 */
import { Decimal, ZERO } from '../data/amounts.ts';

export type CostBasisMethod = 'FIFO' | 'LIFO' | 'HIFO' | 'AVERAGE' | 'UK_POOL';
export type LotTracking = 'universal' | 'wallet';

export type Lot = { id: string; transactionId: string; seq: number; assetId: string; walletId: string; acquiredAt: number; qty: Decimal; basis: Decimal };
export type Part = { lot: Lot | null; acquiredAt: number | null; qty: Decimal; basis: Decimal };
export type NewLot = { assetId: string; walletId: string; transactionId: string; acquiredAt: number; qty: Decimal; basis: Decimal; id?: string; matchable: boolean };
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

export class LotBooks implements Books {
  private books = new Map<string, Lot[]>();
  private seq = 0;
  constructor(private method: Exclude<CostBasisMethod, 'UK_POOL'>, private tracking: LotTracking) {}

  private lotsOf(assetId: string, walletId: string): Lot[] {
    const key = this.tracking === 'wallet' ? `${walletId}\u0000${assetId}` : assetId;
    let l = this.books.get(key);
    if (!l) this.books.set(key, (l = []));
    return l;
  }

  add(n: NewLot): void {
    if (n.qty.lte(0)) return;
    const lots = this.lotsOf(n.assetId, n.walletId);
    const seq = this.seq++;
    lots.push({ id: n.id ?? `${n.transactionId}:${seq}`, transactionId: n.transactionId, seq, assetId: n.assetId, walletId: n.walletId, acquiredAt: n.acquiredAt, qty: n.qty, basis: n.basis });
    if (this.method === 'AVERAGE' && lots.length > 1) {
      const total = lots.reduce((t, l) => t.plus(l.basis), ZERO);
      const shares = allocate(total, lots.map((l) => l.qty));
      lots.forEach((l, i) => (l.basis = shares[i]!));
    }
  }

  take(assetId: string, walletId: string, qty: Decimal, how: TakeHow): Part[] {
    const lots = this.lotsOf(assetId, walletId);
    const parts: Part[] = [];
    let left = qty;
    // Specific identification first (not under average cost, where every unit costs the same).
    if (how.selection && this.method !== 'AVERAGE') {
      for (const s of how.selection) {
        let want = Decimal.min(s.quantity, left);
        for (const lot of lots) {
          if (want.lte(0)) break;
          if (lot.transactionId !== s.transactionId || lot.qty.lte(0)) continue;
          const p = cut(lot, want);
          parts.push(p);
          want = want.minus(p.qty);
          left = left.minus(p.qty);
        }
      }
    }
    if (left.gt(0)) {
      const order = lots.filter((l) => l.qty.gt(0));
      if (this.method === 'LIFO') order.sort((a, b) => b.acquiredAt - a.acquiredAt || b.seq - a.seq);
      else if (this.method === 'HIFO') order.sort((a, b) => b.basis.div(b.qty).comparedTo(a.basis.div(a.qty)) || a.acquiredAt - b.acquiredAt || a.seq - b.seq);
      else order.sort((a, b) => a.acquiredAt - b.acquiredAt || a.seq - b.seq);
      for (const lot of order) {
        if (left.lte(0)) break;
        const p = cut(lot, left);
        parts.push(p);
        left = left.minus(p.qty);
      }
    }
    if (parts.length) {
      const kept = lots.filter((l) => l.qty.gt(0));
      lots.length = 0;
      lots.push(...kept);
    }
    if (left.gt(0)) parts.push({ lot: null, acquiredAt: null, qty: left, basis: ZERO });
    return parts;
  }

  open(): Lot[] {
    return [...this.books.values()].flat().filter((l) => l.qty.gt(0));
  }
}
