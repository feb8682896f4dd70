/**
 * Tax reports (ours, behind `reports:write` / `reports:read`): `POST /v1/reports` queues a
 * capital-gains or income CSV for a tax year and answers 202 at once; the report worker
 * generates it in the background; `GET /v1/reports` lists them with their status and
 * `GET /v1/reports/:id/download` returns the file. A report is visible to the grant that
 * asked for it.
 */
import type { Response } from 'express';
import type { Db } from '../db/database.ts';
import type { Writer } from '../db/group-commit.ts';
import type { Clock } from '../clock.ts';
import type { RouteArea } from '../http/routes.ts';
import { grantOf } from '../http/locals.ts';
import { requireScope } from '../http/bearer.middleware.ts';
import { randomId } from '../crypto.ts';
import { dataError, DataError } from '../errors.ts';
import { workspaceCurrency } from '../prices/fx.ts';
import { ReportBody, ReportsQuery } from '../tax/tax.schema.ts';
import { findGrantReport, insertReport, listGrantReports, reportContent } from './reports.repository.ts';
import { reportView } from './reports.view.ts';

/** `kick`: wakes the report worker (a queued report is generated at once). */
export type ReportDeps = { db: Db; write: Writer; clock: Clock; kick: () => void };

/** `api`: the reports area at `/api/v1`. */
export function reportRoutes(api: RouteArea, { db, write, clock, kick }: ReportDeps): void {
  async function findOwn(res: Response, id: string) {
    const g = grantOf(res);
    const r = /^rpt_[0-9a-f]{24}$/.test(id) ? await findGrantReport(db, g.workspaceId, g.grantId, id) : undefined;
    if (!r) throw dataError('not_found', 'No such report');
    return r;
  }

  api.post(
    '/reports',
    {
      body: ReportBody,
      summary:
        'Queue a capital_gains, income, form_8949 (IRS Form 8949, short and long term apart, with part totals) or turbotax (TurboTax crypto gain/loss CSV) file for a tax year; 202 with the report id, generated in the background (reports:write)',
    },
    requireScope('reports:write'),
    async (req, res) => {
      const body = ReportBody.parse(req.body);
      const g = grantOf(res);
      const now = clock.now();
      if (body.type === 'form_8949' || body.type === 'turbotax') {
        // US forms are in US dollars: a workspace computed in another currency would fill them with the wrong unit.
        const currency = await workspaceCurrency(db, g.workspaceId);
        if (currency !== 'USD') {
          throw dataError(
            'invalid_parameters',
            `${body.type === 'form_8949' ? 'Form 8949' : 'TurboTax'} files are in USD; this workspace computes in ${currency} (set baseCurrency to USD)`,
            [{ path: 'type', message: 'needs a USD workspace' }],
          );
        }
      }
      const row = {
        id: randomId('rpt_', 12),
        workspace_id: g.workspaceId,
        grant_id: g.grantId,
        type: body.type,
        tax_year: body.year,
        status: 'queued' as const,
        rows: null,
        content: null,
        error: null,
        created_at: now,
        started_at: null,
        completed_at: null,
      };
      await write((trx) => insertReport(trx, row));
      kick();
      res.status(202).json({ message: 'Report queued', data: reportView({ ...row, attempts: 0 }), user_id: g.userId, timestamp: now });
    },
  );

  api.get(
    '/reports',
    { query: ReportsQuery, summary: 'Reports this grant asked for, newest first, with status (reports:read)' },
    requireScope('reports:read'),
    async (req, res) => {
      const q = ReportsQuery.parse(req.query);
      const g = grantOf(res);
      const rows = await listGrantReports(db, g.workspaceId, g.grantId, q.limit);
      res.json({ message: 'Reports retrieved successfully', data: rows.map(reportView), user_id: g.userId, timestamp: clock.now() });
    },
  );

  api.get('/reports/:id', { summary: 'One report and its status (reports:read)' }, requireScope('reports:read'), async (req, res) => {
    const r = await findOwn(res, String(req.params.id));
    res.json({ message: 'Report retrieved successfully', data: reportView(r), user_id: grantOf(res).userId, timestamp: clock.now() });
  });

  api.get(
    '/reports/:id/download',
    { summary: 'The report file (text/csv); 409 report_not_ready until it is completed (reports:read)' },
    requireScope('reports:read'),
    async (req, res) => {
      const r = await findOwn(res, String(req.params.id));
      if (r.status !== 'completed') throw new DataError(409, 'report_not_ready', `The report is ${r.status}`, { extra: { status: r.status } });
      const content = await reportContent(db, r.id);
      const name = `${{ capital_gains: 'capital-gains', income: 'income', form_8949: 'form-8949', turbotax: 'turbotax-gains' }[r.type]}-${r.tax_year}.csv`;
      res
        .set('Cache-Control', 'no-store')
        .set('Content-Disposition', `attachment; filename="${name}"`)
        .type('text/csv; charset=utf-8')
        .send(content ?? '');
    },
  );
}
