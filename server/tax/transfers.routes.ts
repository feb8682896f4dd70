/**
 * Own-wallet transfer pairings (ours; rules in transfers.ts): list them, pair two
 * transactions by hand, confirm a detected pairing, undo any pairing. Every change reruns the
 * tax pass before answering (so gains, lots and holdings already reflect it) and records a
 * `transfer_detection.confirmed` / `transfer_detection.undone` webhook event.
 */
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Clock } from '../clock.ts';
import type { RouteArea } from '../http/routes.ts';
import { grantOf } from '../http/locals.ts';
import { requireScope } from '../http/bearer.middleware.ts';
import { dataError, DataError } from '../errors.ts';
import { randomId } from '../crypto.ts';
import { Decimal } from '../lib/decimal.ts';
import { enqueueEvent } from '../webhooks/outbox.repository.ts';
import { findLiveTransactions } from '../data/transactions.repository.ts';
import type { TaxPasses } from './pass.ts';
import type { PairRow } from './transfers.ts';
import * as pairs from './transfer-pairs.repository.ts';

const Id = z.string().min(1).max(128);
export const TransfersQuery = z.strictObject({ status: z.enum(['paired', 'detected', 'confirmed', 'undone']).optional() });
export const TransferPairBody = z.strictObject({ outTransactionId: Id, inTransactionId: Id });
const PairParams = z.strictObject({ id: Id });

type Half = { id: string; integration_id: string; timestamp: number; type: string; legs: string; failed: number };

function movingLeg(t: Half, kind: 'incoming' | 'outgoing'): { assetId: string; quantity: string } | null {
  let legs: { kind?: string; assetId?: string; quantity?: string }[] = [];
  try {
    legs = JSON.parse(t.legs) as typeof legs;
  } catch {
    return null;
  }
  const moves = legs.filter((l) => l.kind !== 'fee');
  return moves.length === 1 && moves[0]!.kind === kind && moves[0]!.assetId && moves[0]!.quantity
    ? { assetId: moves[0]!.assetId, quantity: moves[0]!.quantity }
    : null;
}

export type TransferDeps = { db: Db; write: Writer; clock: Clock; taxPasses: Pick<TaxPasses, 'run' | 'ensure'> };

/** `api`: the transfers area at `/api/v1`. */
export function transferRoutes(api: RouteArea, { db, write, clock, taxPasses }: TransferDeps): void {
  const halves = (workspaceId: string, ids: string[]) => findLiveTransactions(db, workspaceId, ids);

  async function view(workspaceId: string, list: PairRow[]) {
    const rows = list.length
      ? await halves(
          workspaceId,
          list.flatMap((p) => [p.out_transaction_id, p.in_transaction_id]),
        )
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const side = (id: string, kind: 'incoming' | 'outgoing') => {
      const t = byId.get(id);
      return {
        transactionId: id,
        walletId: t?.integration_id ?? null,
        timestamp: t?.timestamp ?? null,
        quantity: t ? (movingLeg(t, kind)?.quantity ?? null) : null,
      };
    };
    return list.map((p) => ({
      id: p.id,
      status: p.status,
      origin: p.origin,
      assetId: p.asset_id,
      out: side(p.out_transaction_id, 'outgoing'),
      in: side(p.in_transaction_id, 'incoming'),
      createdAt: p.created_at,
      updatedAt: p.updated_at,
    }));
  }

  const findPair = async (workspaceId: string, id: string) => {
    const p = await pairs.findPair(db, workspaceId, id);
    if (!p) throw dataError('not_found', 'No transfer pairing with this id in the workspace', [{ path: 'id', message: 'Not found' }]);
    return p;
  };

  /** Sets a pairing's status with its webhook event, reruns the pass and answers the pairing. */
  async function settle(workspaceId: string, p: PairRow, status: 'confirmed' | 'undone') {
    const now = clock.now();
    await write(async (trx) => {
      await pairs.setPairStatus(trx, p.id, status, now);
      await enqueueEvent(trx, {
        workspaceId,
        event: status === 'confirmed' ? 'transfer_detection.confirmed' : 'transfer_detection.undone',
        now,
        data: {
          transferPairId: p.id,
          outTransactionId: p.out_transaction_id,
          inTransactionId: p.in_transaction_id,
          assetId: p.asset_id,
          status,
          origin: p.origin,
          timestamp: now,
        },
      });
    });
    await taxPasses.run(workspaceId, now);
    return (await view(workspaceId, [{ ...p, status, updated_at: now }]))[0]!;
  }

  api.get(
    '/transfers',
    {
      query: TransfersQuery,
      summary:
        'Own-wallet transfer pairings: id, status (paired, detected, confirmed, undone), origin (transferId, named, detected, api), asset and both halves (transactions:read)',
    },
    requireScope('transactions:read'),
    async (req, res) => {
      const q = TransfersQuery.parse(req.query);
      const g = grantOf(res);
      await taxPasses.ensure(g.workspaceId, clock.now());
      const list = await pairs.listPairs(db, g.workspaceId, q.status);
      res.json({ message: 'Transfer pairings retrieved successfully', data: await view(g.workspaceId, list), user_id: g.userId, timestamp: clock.now() });
    },
  );

  api.post(
    '/transfers',
    {
      body: TransferPairBody,
      summary:
        'Pair an outgoing and an incoming transaction of two different own wallets by hand (transactions:write): 201 with the pairing (status confirmed)',
      description:
        '400 invalid_parameters (not one outgoing / one incoming movement, different assets, the same wallet, more received than sent); 404 not_found (a transaction not in the workspace); 409 transfer_conflict (a half already in a pairing: undo that one first).',
    },
    requireScope('transactions:write'),
    async (req, res) => {
      const body = TransferPairBody.parse(req.body);
      const g = grantOf(res);
      await taxPasses.ensure(g.workspaceId, clock.now());
      const rows = await halves(g.workspaceId, [body.outTransactionId, body.inTransactionId]);
      const out = rows.find((r) => r.id === body.outTransactionId);
      const inn = rows.find((r) => r.id === body.inTransactionId);
      const missing = [
        [out, 'outTransactionId'],
        [inn, 'inTransactionId'],
      ]
        .filter(([r]) => !r)
        .map(([, path]) => ({ path, message: 'Transaction not found' }));
      if (missing.length) throw dataError('not_found', 'No transaction with this id in the workspace', missing);
      const o = movingLeg(out!, 'outgoing');
      const i = movingLeg(inn!, 'incoming');
      const problems: { path: string; message: string }[] = [];
      if (!o || out!.failed) problems.push({ path: 'outTransactionId', message: 'Not a transaction with exactly one outgoing movement' });
      if (!i || inn!.failed) problems.push({ path: 'inTransactionId', message: 'Not a transaction with exactly one incoming movement' });
      if (o && i && o.assetId !== i.assetId) problems.push({ path: 'inTransactionId', message: `Different assets: ${o.assetId} sent, ${i.assetId} received` });
      if (o && i && o.assetId === i.assetId && new Decimal(i.quantity).abs().gt(new Decimal(o.quantity).abs())) {
        problems.push({ path: 'inTransactionId', message: `More received (${i.quantity}) than sent (${o.quantity})` });
      }
      if (out!.integration_id === inn!.integration_id) problems.push({ path: 'inTransactionId', message: 'Both halves are in the same wallet' });
      if (problems.length) throw dataError('invalid_parameters', 'These transactions cannot be paired', problems);
      const taken = await pairs.activePairsOf(db, g.workspaceId, [out!.id, inn!.id]);
      if (taken.length)
        throw new DataError(409, 'transfer_conflict', 'A half is already paired: undo that pairing first', { extra: { existing: taken.map((t) => t.id) } });
      const now = clock.now();
      const id = randomId('tp_', 12);
      const pair: PairRow = {
        id,
        out_transaction_id: out!.id,
        in_transaction_id: inn!.id,
        asset_id: o!.assetId,
        origin: 'api',
        status: 'confirmed',
        created_at: now,
        updated_at: now,
      };
      await write(async (trx) => {
        // A manual pairing replaces an earlier undone record of the same two halves.
        await pairs.replacePair(trx, g.workspaceId, pair);
        await enqueueEvent(trx, {
          workspaceId: g.workspaceId,
          event: 'transfer_detection.confirmed',
          now,
          data: {
            transferPairId: id,
            outTransactionId: out!.id,
            inTransactionId: inn!.id,
            assetId: o!.assetId,
            status: 'confirmed',
            origin: 'api',
            timestamp: now,
          },
        });
      });
      await taxPasses.run(g.workspaceId, now);
      res.status(201).json({ message: 'Transfer paired successfully', data: (await view(g.workspaceId, [pair]))[0], user_id: g.userId, timestamp: now });
    },
  );

  api.post(
    '/transfers/:id/confirm',
    {
      summary: 'Confirm a pairing (transactions:write): it then stands whatever detection later finds; 404 not_found, 409 transfer_conflict when it was undone',
    },
    requireScope('transactions:write'),
    async (req, res) => {
      const { id } = PairParams.parse(req.params);
      const g = grantOf(res);
      const p = await findPair(g.workspaceId, id);
      if (p.status === 'undone')
        throw new DataError(409, 'transfer_conflict', 'This pairing was undone: pair the two transactions again with POST /api/v1/transfers');
      const data = p.status === 'confirmed' ? (await view(g.workspaceId, [p]))[0] : await settle(g.workspaceId, p, 'confirmed');
      res.json({ message: 'Transfer pairing confirmed', data, user_id: g.userId, timestamp: clock.now() });
    },
  );

  api.delete(
    '/transfers/:id',
    { summary: 'Undo a pairing (transactions:write): the halves count as a withdrawal and a deposit again, and no rule pairs them again; 404 not_found' },
    requireScope('transactions:write'),
    async (req, res) => {
      const { id } = PairParams.parse(req.params);
      const g = grantOf(res);
      const p = await findPair(g.workspaceId, id);
      const data = p.status === 'undone' ? (await view(g.workspaceId, [p]))[0] : await settle(g.workspaceId, p, 'undone');
      res.json({ message: 'Transfer pairing undone', data, user_id: g.userId, timestamp: clock.now() });
    },
  );
}
