/**
 * What the API areas need of the tax passes: run one now (after a change), make sure stored
 * results are fresh (before a read), or rerun in the background (after a settings change).
 * The routes take it as a dependency; `taxPassQueue` adapts the pass functions to it.
 */
import type { Db } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { ensureTaxResults, rerunTaxPass, runTaxPass } from './pass.ts';

export type TaxPassQueue = {
  run(workspaceId: string, now: number): Promise<unknown>;
  ensure(workspaceId: string, now: number): Promise<void>;
  rerun(workspaceId: string): void;
};

export function taxPassQueue(deps: { db: Db; clock: Clock; logger: Pick<Logger, 'error'> }): TaxPassQueue {
  return {
    run: (workspaceId, now) => runTaxPass(deps.db, workspaceId, now),
    ensure: (workspaceId, now) => ensureTaxResults(deps.db, workspaceId, now),
    rerun: (workspaceId) => rerunTaxPass(deps, workspaceId),
  };
}
