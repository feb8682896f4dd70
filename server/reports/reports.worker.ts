/**
 * Generates reports in the background from the persisted `reports` queue: one at a time,
 * claimed by a conditional UPDATE (queued → running). A report left `running` by a stopped
 * process is queued again on start, so a restart loses nothing.
 */
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { TaxPasses } from '../tax/pass.ts';
import { createPoller } from '../lib/poller.ts';
import { allDisposals, allIncome, assetsById } from '../tax/tax.repository.ts';
import * as queue from './report-queue.repository.ts';
import { capitalGainsCsv, incomeCsv } from './reports.csv.ts';
import { form8949Csv, turboTaxCsv } from './forms.ts';

export type ReportWorker = { start(): Promise<void>; stop(): Promise<void>; kick(): void; waitIdle(timeoutMs?: number): Promise<void> };

/** What the worker uses (start.ts hands it these). */
export type ReportWorkerDeps = { db: Db; write: Writer; clock: Clock; logger: Logger; taxPasses: TaxPasses };

export function createReportWorker(deps: ReportWorkerDeps): ReportWorker {
  const { db, write, clock, logger } = deps;

  /** Generates queued reports until none is left. */
  async function drain(): Promise<void> {
    for (;;) {
      if (!poller.running) return;
      const next = await queue.nextQueued(db);
      if (!next) return;
      if (!(await write((trx) => queue.claimReport(trx, next.id, clock.now())))) continue;
      await generate(next.id);
    }
  }

  async function generate(id: string): Promise<void> {
    const r = await queue.findReport(db, id);
    try {
      await deps.taxPasses.ensure(r.workspace_id, clock.now());
      let content: string;
      let rows: number;
      const currency = (await queue.taxRunCurrency(db, r.workspace_id)) ?? 'USD';
      if (r.type !== 'income') {
        const disposals = await allDisposals(db, r.workspace_id, r.tax_year);
        const assets = await assetsById(
          db,
          disposals.map((d) => d.asset_id),
        );
        content =
          r.type === 'form_8949'
            ? form8949Csv(disposals, assets, r.tax_year)
            : r.type === 'turbotax'
              ? turboTaxCsv(disposals, assets)
              : capitalGainsCsv(disposals, assets, currency);
        rows = disposals.length;
      } else {
        const income = await allIncome(db, r.workspace_id, r.tax_year);
        content = incomeCsv(
          income,
          await assetsById(
            db,
            income.map((i) => i.asset_id),
          ),
          currency,
        );
        rows = income.length;
      }
      await write((trx) => queue.completeReport(trx, id, content, rows, clock.now()));
    } catch (error) {
      logger.error({ report: id, err: error instanceof Error ? error.message : String(error) }, 'reports: generation failed');
      await write((trx) => queue.failReport(trx, id, 'The report could not be generated', clock.now()));
    }
  }

  // No interval: reports are generated when queued (kick) and on start.
  const poller = createPoller({ tick: drain, onError: (error) => logger.error({ err: String(error) }, 'reports: worker failed') });

  return {
    async start() {
      if (poller.running) return;
      await write((trx) => queue.requeueRunning(trx));
      // The queue drains in the background; start() does not wait for it.
      void poller.start();
    },
    stop: () => poller.stop(),
    kick: () => poller.wake(),
    async waitIdle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (!(await queue.anyUnfinished(db)) && !poller.busy) return;
        if (Date.now() > deadline) throw new Error('reports: still busy after waitIdle timeout');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
