/**
 * Transfers between the workspace's own wallets: which outgoing transaction and which incoming
 * one are the two halves of one movement (so the tax engine moves the lots with their dates
 * and basis instead of a disposal at cost and a new lot at market value). Rules, in order:
 *
 * 1. Pairings a partner confirmed or made through the API (`/api/v1/transfers`) stand.
 * 2. Halves sharing a `transferId` (from a source, or given in `POST /api/v0/transactions`).
 * 3. Halves naming each other's wallet (`receiver.walletId` on the outgoing one,
 *    `sender.walletId` on the incoming one; one side naming is enough when the other names
 *    no other wallet): same asset, received ≤ sent, whatever the time between them — halves
 *    named on both sides first, then the nearest in time.
 * 4. Detection (a workspace setting, on by default): a withdrawal and a deposit in two
 *    different wallets of the workspace, same asset, the deposit within the window after the
 *    withdrawal (default 24 h), received ≤ sent and sent − received ≤ the withdrawal's fee in
 *    that asset plus the tolerance (default 1 % of what was sent); the nearest deposit first.
 *    Income (staking rewards, airdrops…) and spam are never halves.
 *
 * A pairing undone through the API is remembered and never made again by rules 2–4.
 * A half is one transaction with exactly one non-fee leg of its direction and none other.
 */
import { Decimal } from '../lib/decimal.ts';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import { randomId } from '../crypto.ts';
import { enqueueEvent } from '../webhooks/outbox.repository.ts';
import { INCOME_LABELS } from './engine.ts';
import * as repo from './pass.repository.ts';

export type TransferLeg = { kind: 'incoming' | 'outgoing' | 'fee'; assetId: string; quantity: string };
export type TransferTx = {
  id: string;
  walletId: string;
  timestamp: number;
  type: string;
  label: string;
  failed: boolean;
  isSpam: boolean;
  legs: TransferLeg[];
  transferId: string | null;
  sender: string | null;
  receiver: string | null;
};
export type TransferSettings = { detection: boolean; windowHours: number; tolerancePercent: string };
export type Origin = 'transferId' | 'named' | 'detected' | 'api';
export type Match = { out: string; in: string; assetId: string; origin: Origin };

type Half = { tx: TransferTx; assetId: string; qty: Decimal };

function half(tx: TransferTx, kind: 'incoming' | 'outgoing'): Half | null {
  if (tx.failed || tx.isSpam) return null;
  const moves = tx.legs.filter((l) => l.kind !== 'fee');
  if (moves.length !== 1 || moves[0]!.kind !== kind) return null;
  return { tx, assetId: moves[0]!.assetId, qty: new Decimal(moves[0]!.quantity).abs() };
}

export const pairKey = (out: string, inn: string) => `${out}\u0000${inn}`;

/** The pairings rules 2–4 make, after the `fixed` ones (rule 1), never an `undone` one. */
export function findTransfers(txs: TransferTx[], settings: TransferSettings, fixed: Match[], undone: Set<string>, wallets: Set<string>): Match[] {
  const used = new Set(fixed.flatMap((m) => [m.out, m.in]));
  const out: Match[] = [...fixed];
  const outs = txs.map((t) => half(t, 'outgoing')).filter((h): h is Half => h !== null);
  const ins = txs.map((t) => half(t, 'incoming')).filter((h): h is Half => h !== null);
  const take = (o: Half, i: Half, origin: Origin) => {
    used.add(o.tx.id);
    used.add(i.tx.id);
    out.push({ out: o.tx.id, in: i.tx.id, assetId: o.assetId, origin });
  };
  const free = (o: Half, i: Half) =>
    !used.has(o.tx.id) && !used.has(i.tx.id) && o.tx.id !== i.tx.id && o.assetId === i.assetId && !undone.has(pairKey(o.tx.id, i.tx.id));

  // 2. A shared transferId: one outgoing and one incoming half.
  const groups = new Map<string, { outs: Half[]; ins: Half[] }>();
  for (const [list, side] of [
    [outs, 'outs'],
    [ins, 'ins'],
  ] as const) {
    for (const h of list) {
      if (!h.tx.transferId) continue;
      const g = groups.get(h.tx.transferId) ?? { outs: [], ins: [] };
      g[side].push(h);
      groups.set(h.tx.transferId, g);
    }
  }
  for (const g of groups.values()) if (g.outs.length === 1 && g.ins.length === 1 && free(g.outs[0]!, g.ins[0]!)) take(g.outs[0]!, g.ins[0]!, 'transferId');

  // 3. Halves naming each other's wallet.
  // How many sides name the other's wallet (0: not named, or one names a third wallet).
  const named = (o: Half, i: Half) => {
    const r = o.tx.receiver && wallets.has(o.tx.receiver) ? o.tx.receiver : null;
    const s = i.tx.sender && wallets.has(i.tx.sender) ? i.tx.sender : null;
    if (o.tx.walletId === i.tx.walletId || (r ?? i.tx.walletId) !== i.tx.walletId || (s ?? o.tx.walletId) !== o.tx.walletId) return 0;
    return (r ? 1 : 0) + (s ? 1 : 0);
  };
  // Both sides named first, then the nearest in time, over every candidate pair.
  const candidates = outs
    .flatMap((o) =>
      o.tx.receiver || ins.some((i) => i.tx.sender) ? ins.map((i) => ({ o, i, n: named(o, i), dt: Math.abs(i.tx.timestamp - o.tx.timestamp) })) : [],
    )
    .filter((c) => c.n > 0 && c.i.qty.lte(c.o.qty))
    .sort((a, b) => b.n - a.n || a.dt - b.dt || (a.o.tx.id < b.o.tx.id ? -1 : 1));
  for (const c of candidates) if (free(c.o, c.i)) take(c.o, c.i, 'named');

  // 4. Detection between the workspace's own wallets.
  if (settings.detection) {
    const windowMs = settings.windowHours * 3_600_000;
    const tolerance = new Decimal(settings.tolerancePercent).div(100);
    const deposits = ins.filter((i) => i.tx.type === 'deposit' && !INCOME_LABELS.has(i.tx.label));
    for (const o of [...outs].sort((a, b) => a.tx.timestamp - b.tx.timestamp)) {
      if (used.has(o.tx.id) || (o.tx.type !== 'withdrawal' && o.tx.type !== 'transfer')) continue;
      const fee = o.tx.legs.filter((l) => l.kind === 'fee' && l.assetId === o.assetId).reduce((t, l) => t.plus(new Decimal(l.quantity).abs()), new Decimal(0));
      const slack = fee.plus(o.qty.times(tolerance));
      const best = deposits
        .filter(
          (i) =>
            free(o, i) &&
            i.tx.walletId !== o.tx.walletId &&
            i.tx.timestamp >= o.tx.timestamp &&
            i.tx.timestamp - o.tx.timestamp <= windowMs &&
            i.qty.lte(o.qty) &&
            o.qty.minus(i.qty).lte(slack),
        )
        .sort((a, b) => a.tx.timestamp - b.tx.timestamp || (a.tx.id < b.tx.id ? -1 : 1))[0];
      if (best) take(o, best, 'detected');
    }
  }
  return out;
}

export type PairRow = {
  id: string;
  out_transaction_id: string;
  in_transaction_id: string;
  asset_id: string;
  origin: Origin;
  status: 'paired' | 'detected' | 'confirmed' | 'undone';
  created_at: number;
  updated_at: number;
};

export const ENGINE_TRANSFER_PREFIX = 'pair:';

/**
 * Runs the rules for the workspace during its tax pass: stores new pairings (a
 * `transfer_detection.detected` webhook event for each detected one, in the same write),
 * drops stored unconfirmed ones no rule makes any more, and returns the `transferId` the
 * engine sees per transaction (`null`: not a half, even if a source said so).
 */
export async function resolveTransfers(
  deps: { db: Db; write: Writer },
  workspaceId: string,
  txs: TransferTx[],
  now: number,
): Promise<Map<string, string | null>> {
  const { db, write } = deps;
  const [w, stored, wallets] = await Promise.all([
    repo.transferSettings(db, workspaceId),
    repo.transferPairs(db, workspaceId) as Promise<PairRow[]>,
    repo.liveWalletIds(db, workspaceId),
  ]);
  const settings: TransferSettings = {
    detection: (w?.transfer_detection ?? 1) === 1,
    windowHours: w?.transfer_window_hours ?? 24,
    tolerancePercent: w?.transfer_tolerance_percent ?? '1',
  };
  const ids = new Set(txs.map((t) => t.id));
  const undone = new Set(stored.filter((p) => p.status === 'undone').map((p) => pairKey(p.out_transaction_id, p.in_transaction_id)));
  const fixed = stored
    .filter((p) => p.status === 'confirmed' && ids.has(p.out_transaction_id) && ids.has(p.in_transaction_id))
    .map((p): Match => ({ out: p.out_transaction_id, in: p.in_transaction_id, assetId: p.asset_id, origin: p.origin }));
  const matches = findTransfers(txs, settings, fixed, undone, new Set(wallets));
  const byKey = new Map(stored.map((p) => [pairKey(p.out_transaction_id, p.in_transaction_id), p]));
  const made = new Set(matches.map((m) => pairKey(m.out, m.in)));
  const fresh = matches.filter((m) => !byKey.has(pairKey(m.out, m.in)));
  const stale = stored.filter((p) => (p.status === 'paired' || p.status === 'detected') && !made.has(pairKey(p.out_transaction_id, p.in_transaction_id)));
  const result = new Map<string, string | null>();
  for (const p of stored) if (p.status === 'undone') for (const id of [p.out_transaction_id, p.in_transaction_id]) result.set(id, null);
  const newIds = new Map<string, string>();
  if (fresh.length || stale.length) {
    await write(async (trx) => {
      for (const p of stale) await repo.deleteTransferPair(trx, p.id);
      for (const m of fresh) {
        const id = randomId('tp_', 12);
        newIds.set(pairKey(m.out, m.in), id);
        const status = m.origin === 'detected' ? 'detected' : 'paired';
        await repo.insertTransferPair(trx, {
          id,
          workspace_id: workspaceId,
          out_transaction_id: m.out,
          in_transaction_id: m.in,
          asset_id: m.assetId,
          origin: m.origin,
          status,
          created_at: now,
          updated_at: now,
        });
        if (status === 'detected') {
          await enqueueEvent(trx, {
            workspaceId,
            event: 'transfer_detection.detected',
            now,
            data: { transferPairId: id, outTransactionId: m.out, inTransactionId: m.in, assetId: m.assetId, status, origin: m.origin, timestamp: now },
          });
        }
      }
    });
  }
  for (const m of matches) {
    const key = pairKey(m.out, m.in);
    const id = byKey.get(key)?.id ?? newIds.get(key)!;
    result.set(m.out, ENGINE_TRANSFER_PREFIX + id);
    result.set(m.in, ENGINE_TRANSFER_PREFIX + id);
  }
  return result;
}
