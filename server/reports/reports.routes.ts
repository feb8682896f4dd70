/**
 * Tax reports (ours, behind `reports:write` / `reports:read`): `POST /v1/reports` queues a
 * capital-gains or income CSV for a tax year and answers 202 at once; the report worker
 * generates it in the background; `GET /v1/reports` lists them with their status and
 * `GET /v1/reports/:id/download` returns the file. A report is visible to the grant that
 * asked for it.
 */
import { Router, type Response } from 'express';
import type { AppContext } from '../context.ts';
import { route } from '../openapi.ts';
import { randomId } from '../crypto.ts';
import { HttpError, dataError } from '../errors.ts';
import { grantOf, requireScope } from '../data/bearer.middleware.ts';
import { ReportBody, ReportsQuery } from '../tax/tax.schema.ts';
import type { Selectable } from 'kysely';
import type { ReportsTable } from '../db/tables.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function reportView(r: Omit<Selectable<ReportsTable>, 'content'>) {
  return {
    id: r.id, type: r.type, year: r.tax_year, status: r.status, rows: r.rows, error: r.error, createdAt: iso(r.created_at), completedAt: iso(r.completed_at),
    downloadUrl: r.status === 'completed' ? `/api/v1/reports/${r.id}/download` : null, format: 'text/csv',
  };
}

const COLUMNS = ['id', 'workspace_id', 'grant_id', 'type', 'tax_year', 'status', 'rows', 'error', 'attempts', 'created_at', 'started_at', 'completed_at'] as const;

export function reportRoutes(ctx: AppContext): Router {
  const router = Router({ strict: true, caseSensitive: true });
  const { db, clock } = ctx;

  async function findOwn(res: Response, id: string) {
    const g = grantOf(res);
    const r = /^rpt_[0-9a-f]{24}$/.test(id)
      ? await db.selectFrom('reports').select(COLUMNS).where('id', '=', id).where('workspace_id', '=', g.workspaceId).where('grant_id', '=', g.grantId).executeTakeFirst()
      : undefined;
    if (!r) throw dataError('not_found', 'No such report');
    return r;
  }

  route({ method: 'post', path: '/api/v1/reports', tag: 'Tax & accounting (ours)', auth: 'bearer', body: ReportBody, summary: 'Queue a capital_gains, income, form_8949 (IRS Form 8949, short and long term apart, with part totals) or turbotax (TurboTax crypto gain/loss CSV) file for a tax year; 202 with the report id, generated in the background (reports:write)' });
  router.post('/v1/reports', requireScope('reports:write'), async (req, res) => {
    const body = ReportBody.parse(req.body);
    const g = grantOf(res);
    const now = clock.now();
    if (body.type === 'form_8949' || body.type === 'turbotax') {
      // US forms are in US dollars: a workspace computed in another currency would fill them with the wrong unit.
      const w = await db.selectFrom('workspaces').select('base_currency').where('id', '=', g.workspaceId).executeTakeFirst();
      if (w && w.base_currency !== 'USD') {
        throw dataError('invalid_parameters', `${body.type === 'form_8949' ? 'Form 8949' : 'TurboTax'} files are in USD; this workspace computes in ${w.base_currency} (set baseCurrency to USD)`, [{ path: 'type', message: 'needs a USD workspace' }]);
      }
    }
    const row = { id: randomId('rpt_', 12), workspace_id: g.workspaceId, grant_id: g.grantId, type: body.type, tax_year: body.year, status: 'queued' as const, rows: null, content: null, error: null, created_at: now, started_at: null, completed_at: null };
    await ctx.write((trx) => trx.insertInto('reports').values(row).execute());
    ctx.reports?.kick();
    res.status(202).json({ message: 'Report queued', data: reportView({ ...row, attempts: 0 }), user_id: g.userId, timestamp: now });
  });

  route({ method: 'get', path: '/api/v1/reports', tag: 'Tax & accounting (ours)', auth: 'bearer', query: ReportsQuery, summary: 'Reports this grant asked for, newest first, with status (reports:read)' });
  router.get('/v1/reports', requireScope('reports:read'), async (req, res) => {
    const q = ReportsQuery.parse(req.query);
    const g = grantOf(res);
    const rows = await db.selectFrom('reports').select(COLUMNS).where('workspace_id', '=', g.workspaceId).where('grant_id', '=', g.grantId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
    res.json({ message: 'Reports retrieved successfully', data: rows.map(reportView), user_id: g.userId, timestamp: clock.now() });
  });

  route({ method: 'get', path: '/api/v1/reports/:id', tag: 'Tax & accounting (ours)', auth: 'bearer', summary: 'One report and its status (reports:read)' });
  router.get('/v1/reports/:id', requireScope('reports:read'), async (req, res) => {
    const r = await findOwn(res, String(req.params.id));
    res.json({ message: 'Report retrieved successfully', data: reportView(r), user_id: grantOf(res).userId, timestamp: clock.now() });
  });

  route({ method: 'get', path: '/api/v1/reports/:id/download', tag: 'Tax & accounting (ours)', auth: 'bearer', summary: 'The report file (text/csv); 409 report_not_ready until it is completed (reports:read)' });
  router.get('/v1/reports/:id/download', requireScope('reports:read'), async (req, res) => {
    const r = await findOwn(res, String(req.params.id));
    if (r.status !== 'completed') throw new HttpError(409, 'report_not_ready', `The report is ${r.status}`, { extra: { status: r.status } });
    const { content } = await db.selectFrom('reports').select('content').where('id', '=', r.id).executeTakeFirstOrThrow();
    const name = `${{ capital_gains: 'capital-gains', income: 'income', form_8949: 'form-8949', turbotax: 'turbotax-gains' }[r.type]}-${r.tax_year}.csv`;
    res.set('Cache-Control', 'no-store').set('Content-Disposition', `attachment; filename="${name}"`).type('text/csv; charset=utf-8').send(content ?? '');
  });

  return router;
}
