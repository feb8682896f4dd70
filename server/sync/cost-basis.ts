/**
 * The cost-basis pass, run for a workspace after each sync: the tax engine (server/tax)
 * with the workspace's method (FIFO, LIFO, HIFO or average cost) over all of its
 * transactions. It writes `asset_cost_basis` (quantity held and its USD basis, which
 * holdings read), each transaction's `total_cost_basis`, `total_gains`, `missing_price` and
 * `missing_purchase`, the realised gains, income, open lots and ledger of the tax
 * endpoints, and a `costbasis.completed` webhook event. The rules are in server/tax/engine.ts.
 * Passes go through the server's one per-workspace queue (`TaxPasses`, tax/pass.ts).
 */
import type { TaxPasses } from '../tax/pass.ts';

export async function computeCostBasis(passes: TaxPasses, workspaceId: string, now: number): Promise<void> {
  await passes.run(workspaceId, now);
}
