/**
 * The app's tax reads and report files, forwarded to the connect server's tax and report
 * endpoints with the user's Bearer token (a fixed set of paths; ids checked by pattern):
 * `GET /api/kryptos/tax/summary`, `POST /api/kryptos/reports {type, year}`,
 * `GET /api/kryptos/reports`, `GET /api/kryptos/reports/:id/download` (text/csv).
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { BffContext } from './context.ts';
import { requirePartnerUser } from './partner-user.ts';
import { dataError, HttpError } from './errors.ts';
import type { RawResponse } from './connect-client.ts';

const ReportBody = z.strictObject({ type: z.enum(['capital_gains', 'income']), year: z.number().int().min(1970).max(2200) });
const YearQuery = z.strictObject({ year: z.coerce.number().int().min(1970).max(2200).optional() });

export function taxRoutes(ctx: BffContext): Router {
  const router = Router();

  async function token(req: Request): Promise<string> {
    let userId: string;
    try {
      userId = await requirePartnerUser(ctx, req);
    } catch (error) {
      if (error instanceof HttpError) throw dataError(401, 'unauthorized', error.message);
      throw error;
    }
    const connection = await ctx.store.find(userId).catch(() => undefined);
    if (!connection) throw dataError(401, 'unauthorized', 'Not connected to Kryptos; connect first');
    return connection.accessToken;
  }

  function relay(res: Response, upstream: RawResponse, csvName?: string) {
    res.set('Cache-Control', 'no-store');
    const isCsv = upstream.status === 200 && upstream.contentType?.startsWith('text/csv');
    if (isCsv && csvName) res.set('Content-Disposition', `attachment; filename="${csvName}"`);
    res
      .status(upstream.status)
      .type(isCsv ? 'text/csv' : upstream.contentType?.startsWith('application/json') ? 'application/json' : 'text/plain')
      .send(upstream.body);
  }

  router.get('/api/kryptos/tax/summary', async (req, res) => {
    const q = YearQuery.parse(req.query);
    relay(res, await ctx.connect.data('tax/summary', new URLSearchParams(q.year ? { year: String(q.year) } : {}), await token(req)));
  });
  router.get('/api/kryptos/reports', async (req, res) => {
    relay(res, await ctx.connect.data('reports', new URLSearchParams(), await token(req)));
  });
  router.post('/api/kryptos/reports', async (req, res) => {
    const body = ReportBody.parse(req.body);
    relay(res, await ctx.connect.createReport(body, await token(req)));
  });
  router.get('/api/kryptos/reports/:id/download', async (req, res) => {
    const id = String(req.params.id);
    if (!/^rpt_[0-9a-f]{24}$/.test(id)) throw dataError(404, 'not_found', 'No such report');
    relay(res, await ctx.connect.data(`reports/${id}/download`, new URLSearchParams(), await token(req)), `kryptos-${id}.csv`);
  });
  return router;
}
