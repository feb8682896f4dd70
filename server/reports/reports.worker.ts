/**
 * Generates reports in the background from the persisted `reports` queue: one at a time,
 * claimed by a conditional UPDATE (queued → running). A report left `running` by a stopped
 * process is queued again on start, so a restart loses nothing.
 */
import type { Db } from '../db/database.ts';
import { writeTransaction } from '../db/database.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { ensureTaxResults } from '../tax/pass.ts';
import { allDisposals, allIncome, assetsById } from '../tax/tax.repository.ts';
import { capitalGainsCsv, incomeCsv } from './reports.csv.ts';
import { form8949Csv, turboTaxCsv } from './forms.ts';

export type ReportWorker = { start(): Promise<void>; stop(): Promise<void>; kick(): void; waitIdle(timeoutMs?: number): Promise<void> };

export function createReportWorker(deps: { db: Db; clock: Clock; logger: Logger }): ReportWorker {
  const { db, clock, logger } = deps;
  let running = false;
  let busy: Promise<void> | undefined;
  let again = false;

  async function drain(): Promise<void> {
    for (;;) {
      if (!running) return;
      const next = await db.selectFrom('reports').select(['id']).where('status', '=', 'queued').orderBy('created_at').orderBy('id').limit(1).executeTakeFirst();
      if (!next) return;
      const claimed = await writeTransaction(db, (trx) =>
        trx.updateTable('reports').set((eb) => ({ status: 'running', started_at: clock.now(), attempts: eb('attempts', '+', 1) })).where('id', '=', next.id).where('status', '=', 'queued').executeTakeFirst());
      if (Number(claimed.numUpdatedRows) !== 1) continue;
      await generate(next.id);
    }
  }

  async function generate(id: string): Promise<void> {
    const r = await db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    try {
      await ensureTaxResults(db, r.workspace_id, clock.now());
      let content: string;
      let rows: number;
      const currency = (await db.selectFrom('tax_runs').select('currency').where('workspace_id', '=', r.workspace_id).executeTakeFirst())?.currency ?? 'USD';
      if (r.type !== 'income') {
        const disposals = await allDisposals(db, r.workspace_id, r.tax_year);
        const assets = await assetsById(db, disposals.map((d) => d.asset_id));
        content = r.type === 'form_8949' ? form8949Csv(disposals, assets, r.tax_year) : r.type === 'turbotax' ? turboTaxCsv(disposals, assets) : capitalGainsCsv(disposals, assets, currency);
        rows = disposals.length;
      } else {
        const income = await allIncome(db, r.workspace_id, r.tax_year);
        content = incomeCsv(income, await assetsById(db, income.map((i) => i.asset_id)), currency);
        rows = income.length;
      }
      await writeTransaction(db, (trx) => trx.updateTable('reports').set({ status: 'completed', content, rows, error: null, completed_at: clock.now() }).where('id', '=', id).execute());
    } catch (error) {
      logger.error({ report: id, err: error instanceof Error ? error.message : String(error) }, 'reports: generation failed');
      await writeTransaction(db, (trx) => trx.updateTable('reports').set({ status: 'failed', error: 'The report could not be generated', completed_at: clock.now() }).where('id', '=', id).execute());
    }
  }

  function kick() {
    if (!running) return;
    if (busy) {
      again = true;
      return;
    }
    busy = drain()
      .catch((error: unknown) => logger.error({ err: String(error) }, 'reports: worker failed'))
      .finally(() => {
        busy = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  }

  return {
    async start() {
      running = true;
      await writeTransaction(db, (trx) => trx.updateTable('reports').set({ status: 'queued' }).where('status', '=', 'running').execute());
      kick();
    },
    async stop() {
      running = false;
      await busy;
    },
    kick,
    async waitIdle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const left = await db.selectFrom('reports').select('id').where('status', 'in', ['queued', 'running']).limit(1).executeTakeFirst();
        if (!left && !busy) return;
        if (Date.now() > deadline) throw new Error('reports: still busy after waitIdle timeout');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}
