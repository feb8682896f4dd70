/**
 * Specific identification (ours, `tax:write` / `tax:read`): a disposal names the
 * acquisitions whose lots it uses, per asset. `PUT /v1/tax/transactions/:id/lots` stores the
 * choice and recomputes before it answers; `DELETE` forgets it; `GET /v1/tax/lot-selections`
 * lists them. The engine takes the named lots first (what is still open of them at the
 * disposal) and the rest by the method; average cost and the UK pool have no lots to
 * choose from and ignore selections (`honoured: false`).
 */
import { z } from 'zod';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Clock } from '../clock.ts';
import type { RouteArea } from '../http/routes.ts';
import { grantOf } from '../http/locals.ts';
import { requireScope } from '../http/bearer.middleware.ts';
import { dataError } from '../errors.ts';
import { Decimal, ZERO, PositiveDecimalString, plain } from '../lib/decimal.ts';
import { findLiveTransactions } from '../data/transactions.repository.ts';
import { loadSettings } from './pass.ts';
import type { TaxPasses } from './pass.ts';
import { deleteLotSelection, listLotSelections, upsertLotSelection } from './lot-selections.repository.ts';

export const LotSelectionBody = z.strictObject({
  assetId: z.string().min(1).max(200),
  lots: z
    .array(z.strictObject({ transactionId: z.string().min(1).max(200), quantity: PositiveDecimalString }))
    .min(1)
    .max(100),
});
const DeleteQuery = z.strictObject({ assetId: z.string().min(1).max(200) });
const ListQuery = z.strictObject({});

const LOT_METHODS = new Set(['FIFO', 'LIFO', 'HIFO']);
type Leg = { kind: string; assetId: string; quantity: string };

export type SelectionDeps = { db: Db; write: Writer; clock: Clock; taxPasses: Pick<TaxPasses, 'run'> };

/** `api`: the tax area at `/api/v1`. */
export function selectionRoutes(api: RouteArea, { db, write, clock, taxPasses }: SelectionDeps): void {
  const findTx = async (workspaceId: string, id: string) => (await findLiveTransactions(db, workspaceId, [id]))[0];
  const quantityOf = (legsJson: string, kind: string, assetId: string) => {
    let legs: Leg[] = [];
    try {
      legs = JSON.parse(legsJson) as Leg[];
    } catch {
      /* unreadable legs hold nothing */
    }
    return legs.filter((l) => l.kind === kind && l.assetId === assetId).reduce((t, l) => t.plus(new Decimal(l.quantity).abs()), ZERO);
  };
  const honoured = async (workspaceId: string) => LOT_METHODS.has((await loadSettings(db, workspaceId))?.method ?? 'FIFO');

  api.put(
    '/tax/transactions/:id/lots',
    {
      body: LotSelectionBody,
      summary:
        'Specific identification: the acquisitions (transaction ids) whose lots this disposal uses for an asset, with quantities; recomputed before the answer (tax:write)',
      description:
        'The disposal must be a trade or payment with an outgoing leg of assetId; every named transaction must acquire that asset no later than the disposal, each quantity at most what it acquired, together at most what the disposal gives up. Errors: 404 not_found, 400 invalid_parameters (details name the field). Honoured by FIFO, LIFO and HIFO; AVERAGE and UK_POOL ignore it (honoured: false).',
    },
    requireScope('tax:write'),
    async (req, res) => {
      const body = LotSelectionBody.parse(req.body);
      const g = grantOf(res);
      const disposal = await findTx(g.workspaceId, String(req.params.id));
      if (!disposal) throw dataError('not_found', 'No such transaction');
      const given = quantityOf(disposal.legs, 'outgoing', body.assetId);
      if (!(disposal.type === 'trade' || disposal.type === 'payment') || given.isZero()) {
        throw dataError('invalid_parameters', 'The transaction does not dispose of this asset', [
          { path: 'assetId', message: 'No outgoing leg of this asset in a trade or payment' },
        ]);
      }
      const seen = new Set<string>();
      let total = ZERO;
      for (const [i, l] of body.lots.entries()) {
        const path = `lots.${i}.transactionId`;
        if (seen.has(l.transactionId)) throw dataError('invalid_parameters', 'An acquisition is named twice', [{ path, message: 'Named twice' }]);
        seen.add(l.transactionId);
        const acquisition = await findTx(g.workspaceId, l.transactionId);
        const acquired = acquisition ? quantityOf(acquisition.legs, 'incoming', body.assetId) : ZERO;
        if (!acquisition || acquired.isZero())
          throw dataError('invalid_parameters', 'The named transaction acquires none of this asset', [
            { path, message: 'Not an acquisition of this asset in the workspace' },
          ]);
        if (acquisition.timestamp > disposal.timestamp)
          throw dataError('invalid_parameters', 'The named acquisition comes after the disposal', [{ path, message: 'Acquired after the disposal' }]);
        const q = new Decimal(l.quantity);
        if (q.gt(acquired))
          throw dataError('invalid_parameters', 'More than the named transaction acquired', [
            { path: `lots.${i}.quantity`, message: `At most ${plain(acquired)}` },
          ]);
        total = total.plus(q);
      }
      if (total.gt(given))
        throw dataError('invalid_parameters', 'The named lots add up to more than the disposal gives up', [
          { path: 'lots', message: `At most ${plain(given)} in total` },
        ]);
      const now = clock.now();
      const row = {
        workspace_id: g.workspaceId,
        transaction_id: disposal.id,
        asset_id: body.assetId,
        lots: JSON.stringify(body.lots.map((l) => ({ transactionId: l.transactionId, quantity: plain(new Decimal(l.quantity)) }))),
        updated_at: now,
      };
      await write((trx) => upsertLotSelection(trx, row));
      await taxPasses.run(g.workspaceId, now);
      res.json({
        message: 'Lot selection saved',
        data: { transactionId: disposal.id, assetId: body.assetId, lots: JSON.parse(row.lots) as unknown[], honoured: await honoured(g.workspaceId) },
        user_id: g.userId,
        timestamp: now,
      });
    },
  );

  api.delete(
    '/tax/transactions/:id/lots',
    { query: DeleteQuery, summary: "Forget a disposal's lot selection for an asset; the method decides again (tax:write)" },
    requireScope('tax:write'),
    async (req, res) => {
      const q = DeleteQuery.parse(req.query);
      const g = grantOf(res);
      const now = clock.now();
      const deleted = await write((trx) => deleteLotSelection(trx, g.workspaceId, String(req.params.id), q.assetId));
      if (!deleted) throw dataError('not_found', 'No lot selection for this transaction and asset');
      await taxPasses.run(g.workspaceId, now);
      res.json({ message: 'Lot selection removed', user_id: g.userId, timestamp: now });
    },
  );

  api.get(
    '/tax/lot-selections',
    { query: ListQuery, summary: 'Every lot selection of the workspace (tax:read)' },
    requireScope('tax:read'),
    async (req, res) => {
      ListQuery.parse(req.query);
      const g = grantOf(res);
      const rows = await listLotSelections(db, g.workspaceId);
      const h = await honoured(g.workspaceId);
      res.json({
        message: 'Lot selections retrieved successfully',
        data: rows.map((r) => ({
          transactionId: r.transaction_id,
          assetId: r.asset_id,
          lots: JSON.parse(r.lots) as unknown[],
          honoured: h,
          updatedAt: r.updated_at,
        })),
        user_id: g.userId,
        timestamp: clock.now(),
      });
    },
  );
}
