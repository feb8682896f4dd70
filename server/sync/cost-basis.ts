/**
 * The cost-basis pass, run for a workspace after each sync: average cost per asset over
 * all of the workspace's transactions in time order (FIFO/LIFO/HIFO come with the tax
 * issue). Writes `asset_cost_basis` (quantity held and its USD basis) and, for disposals,
 * `transactions.total_cost_basis` and `total_gains`.
 *
 * Rules: an incoming leg adds its quantity at its USD value; an outgoing leg of a trade or
 * payment is a disposal (proceeds − average cost); an outgoing leg of a withdrawal or
 * transfer (to an exchange, into a staking or lending protocol) and a fee leg leave at
 * cost without a gain. The two halves of a
 * movement between the user's own accounts (same `transferId`, both present) are not
 * disposals: the outgoing half's basis travels to the incoming half. A leg without a
 * price takes that day's stored price; still none → `missing_price`. Disposing of more than
 * was acquired → `missing_purchase`. All arithmetic is exact (decimal.js).
 */
import type { Db } from '../db/database.ts';
import { writeTransaction } from '../db/database.ts';
import { Decimal, decimalString, ZERO } from './decimal.ts';
import { dayOf } from './source.ts';

type Leg = { kind: 'incoming' | 'outgoing' | 'fee'; assetId: string; quantity: string; price: string | null; account?: unknown };
type Pool = { qty: Decimal; cost: Decimal };

const usd = (d: Decimal) => decimalString(d.toDecimalPlaces(8));

export async function computeCostBasis(db: Db, workspaceId: string, now: number): Promise<void> {
  const rows = await db
    .selectFrom('transactions as t')
    .innerJoin('integrations as i', 'i.id', 't.integration_id')
    .select(['t.id', 't.timestamp', 't.type', 't.legs', 't.raw', 't.total_cost_basis', 't.total_gains', 't.missing_price', 't.missing_purchase'])
    .where('t.workspace_id', '=', workspaceId)
    .where('i.deleted_at', 'is', null)
    .orderBy('t.timestamp')
    .orderBy('t.id')
    .execute();

  const parsed = rows.map((r) => {
    const raw = r.raw ? (JSON.parse(r.raw) as { transferId?: unknown }) : {};
    return { row: r, legs: JSON.parse(r.legs) as Leg[], transferId: typeof raw.transferId === 'string' ? raw.transferId : null };
  });

  // A transfer is internal only when both halves are in this workspace.
  const halves = new Map<string, { out: boolean; in: boolean }>();
  for (const t of parsed) {
    if (!t.transferId) continue;
    const h = halves.get(t.transferId) ?? { out: false, in: false };
    if (t.legs.some((l) => l.kind === 'outgoing')) h.out = true;
    if (t.legs.some((l) => l.kind === 'incoming')) h.in = true;
    halves.set(t.transferId, h);
  }

  const unpriced = new Set(parsed.flatMap((t) => t.legs.filter((l) => l.price === null).map((l) => l.assetId)));
  const dayPrices = new Map<string, string>();
  if (unpriced.size) {
    const stored = await db.selectFrom('asset_prices').select(['asset_id', 'day', 'price']).where('asset_id', 'in', [...unpriced]).execute();
    for (const p of stored) dayPrices.set(`${p.asset_id}@${p.day}`, p.price);
  }

  const pools = new Map<string, Pool>();
  const pool = (id: string) => {
    let p = pools.get(id);
    if (!p) pools.set(id, (p = { qty: ZERO, cost: ZERO }));
    return p;
  };
  /** Takes `q` out of the pool at average cost; `short` when the pool held less. */
  const take = (id: string, q: Decimal) => {
    const p = pool(id);
    if (q.gt(p.qty)) {
      const cost = p.cost;
      p.qty = ZERO;
      p.cost = ZERO;
      return { cost, short: true };
    }
    const cost = p.qty.isZero() ? ZERO : p.cost.times(q).div(p.qty);
    p.qty = p.qty.minus(q);
    p.cost = p.qty.isZero() ? ZERO : p.cost.minus(cost);
    return { cost, short: false };
  };

  const transit = new Map<string, Decimal>();
  const updates: { id: string; legs?: string; total_cost_basis: string | null; total_gains: string | null; missing_price: number; missing_purchase: number }[] = [];
  for (const t of parsed) {
    let legsChanged = false;
    for (const l of t.legs) {
      if (l.price !== null) continue;
      const found = dayPrices.get(`${l.assetId}@${dayOf(t.row.timestamp)}`);
      if (found) {
        l.price = found;
        legsChanged = true;
      }
    }
    const h = t.transferId ? halves.get(t.transferId) : undefined;
    const internal = Boolean(h?.out && h.in);
    const disposes = t.row.type === 'trade' || t.row.type === 'payment';
    let missingPrice = false;
    let missingPurchase = false;
    let disposal = false;
    let basis = ZERO;
    let proceeds = ZERO;
    const order = [...t.legs.filter((l) => l.kind !== 'incoming'), ...t.legs.filter((l) => l.kind === 'incoming')];
    for (const l of order) {
      const q = new Decimal(l.quantity);
      if (l.kind === 'fee') {
        if (take(l.assetId, q).short) missingPurchase = true;
      } else if (l.kind === 'outgoing') {
        const taken = take(l.assetId, q);
        if (taken.short) missingPurchase = true;
        if (internal) transit.set(t.transferId!, (transit.get(t.transferId!) ?? ZERO).plus(taken.cost));
        else if (disposes) {
          disposal = true;
          basis = basis.plus(taken.cost);
          if (l.price === null) missingPrice = true;
          else proceeds = proceeds.plus(q.times(l.price));
        }
      } else {
        const p = pool(l.assetId);
        let cost: Decimal;
        const carried = internal ? transit.get(t.transferId!) : undefined;
        if (carried !== undefined) {
          cost = carried;
          transit.delete(t.transferId!);
        } else if (l.price === null) {
          missingPrice = true;
          cost = ZERO;
        } else cost = q.times(l.price);
        p.qty = p.qty.plus(q);
        p.cost = p.cost.plus(cost);
      }
    }
    const next = {
      id: t.row.id,
      total_cost_basis: disposal ? usd(basis) : null,
      total_gains: disposal && !missingPrice ? usd(proceeds.minus(basis)) : null,
      missing_price: missingPrice ? 1 : 0,
      missing_purchase: missingPurchase ? 1 : 0,
    };
    const r = t.row;
    if (legsChanged || r.total_cost_basis !== next.total_cost_basis || r.total_gains !== next.total_gains || r.missing_price !== next.missing_price || r.missing_purchase !== next.missing_purchase) {
      updates.push({ ...next, ...(legsChanged ? { legs: JSON.stringify(t.legs) } : {}) });
    }
  }

  const holdings = [...pools].filter(([, p]) => !p.qty.isZero() || !p.cost.isZero()).sort(([a], [b]) => a.localeCompare(b));
  for (let i = 0; i < Math.max(updates.length, 1); i += 500) {
    const chunk = updates.slice(i, i + 500);
    const last = i + 500 >= updates.length;
    await writeTransaction(db, async (trx) => {
      for (const u of chunk) {
        const { id, ...set } = u;
        await trx.updateTable('transactions').set(set).where('id', '=', id).execute();
      }
      if (!last) return;
      await trx.deleteFrom('asset_cost_basis').where('workspace_id', '=', workspaceId).execute();
      for (let j = 0; j < holdings.length; j += 200) {
        await trx.insertInto('asset_cost_basis').values(holdings.slice(j, j + 200).map(([asset_id, p]) => ({
          workspace_id: workspaceId, asset_id, quantity: decimalString(p.qty), cost_basis: usd(p.cost), computed_at: now,
        }))).execute();
      }
    });
  }
}
