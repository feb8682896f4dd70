/** Invariants every engine result keeps, whatever the method: shared by the engine tests. */
import assert from 'node:assert/strict';
import type { EngineResult } from '../../../server/tax/engine.ts';
import { Decimal } from '../../../server/lib/decimal.ts';

/**
 * Every journal entry balances; the asset accounts equal the open positions (quantity and
 * cost); the open lots add up to the positions; each gain is exactly proceeds − basis.
 */
export function assertBalanced(r: EngineResult) {
  const qty = new Map<string, Decimal>();
  const usd = new Map<string, Decimal>();
  for (const e of r.journal) {
    const debit = e.lines.reduce((t, l) => t.plus(l.debit), new Decimal(0));
    const credit = e.lines.reduce((t, l) => t.plus(l.credit), new Decimal(0));
    assert.equal(debit.toFixed(), credit.toFixed(), `entry of ${e.transactionId} balances`);
    for (const l of e.lines) {
      if (!l.assetId) continue;
      qty.set(l.assetId, (qty.get(l.assetId) ?? new Decimal(0)).plus(l.quantity!));
      usd.set(l.assetId, (usd.get(l.assetId) ?? new Decimal(0)).plus(l.debit).minus(l.credit));
    }
  }
  for (const p of r.positions) {
    assert.equal(qty.get(p.assetId)?.toFixed(), new Decimal(p.quantity).toFixed(), `${p.assetId} quantity`);
    assert.equal(usd.get(p.assetId)?.toFixed(), new Decimal(p.costBasis).toFixed(), `${p.assetId} basis`);
  }
  for (const [asset, q] of qty)
    if (q.gt(0))
      assert.ok(
        r.positions.some((p) => p.assetId === asset),
        `${asset} held has a position`,
      );
  // Lots add up to the positions.
  for (const p of r.positions) {
    const lots = r.lots.filter((l) => l.assetId === p.assetId);
    assert.equal(lots.reduce((t, l) => t.plus(l.quantity), new Decimal(0)).toFixed(), new Decimal(p.quantity).toFixed());
    assert.equal(lots.reduce((t, l) => t.plus(l.costBasis), new Decimal(0)).toFixed(), new Decimal(p.costBasis).toFixed());
  }
  // Each gain is exactly proceeds − basis.
  for (const d of r.disposals) assert.equal(new Decimal(d.proceeds).minus(d.costBasis).toFixed(), new Decimal(d.gain).toFixed());
}
