/** Reads of the stored tax pass results (the pass writes them; see pass.ts). */
import type { Db } from '../db/database.ts';

export type DisposalFilter = { year?: number; assets?: string[]; term?: 'short' | 'long'; kind?: 'disposal' | 'fee' };

function disposals(db: Db, workspaceId: string, f: DisposalFilter) {
  return db
    .selectFrom('tax_disposals')
    .where('workspace_id', '=', workspaceId)
    .$if(f.year !== undefined, (q) => q.where('tax_year', '=', f.year!))
    .$if(f.assets !== undefined, (q) => q.where('asset_id', 'in', f.assets!))
    .$if(f.term !== undefined, (q) => q.where('term', '=', f.term!))
    .$if(f.kind !== undefined, (q) => q.where('kind', '=', f.kind!));
}

export async function listDisposals(db: Db, workspaceId: string, f: DisposalFilter, limit: number, offset: number) {
  const [rows, count] = await Promise.all([
    disposals(db, workspaceId, f).selectAll().orderBy('seq').limit(limit).offset(offset).execute(),
    disposals(db, workspaceId, f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export type DisposalRow = Awaited<ReturnType<typeof listDisposals>>['rows'][number];

export async function allDisposals(db: Db, workspaceId: string, year?: number) {
  return disposals(db, workspaceId, { year }).selectAll().orderBy('seq').execute();
}

function income(db: Db, workspaceId: string, f: { year?: number; assets?: string[] }) {
  return db
    .selectFrom('tax_income')
    .where('workspace_id', '=', workspaceId)
    .$if(f.year !== undefined, (q) => q.where('tax_year', '=', f.year!))
    .$if(f.assets !== undefined, (q) => q.where('asset_id', 'in', f.assets!));
}

export async function listIncome(db: Db, workspaceId: string, f: { year?: number; assets?: string[] }, limit: number, offset: number) {
  const [rows, count] = await Promise.all([
    income(db, workspaceId, f).selectAll().orderBy('seq').limit(limit).offset(offset).execute(),
    income(db, workspaceId, f)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

export type IncomeRow = Awaited<ReturnType<typeof listIncome>>['rows'][number];

export async function allIncome(db: Db, workspaceId: string, year?: number) {
  return income(db, workspaceId, { year }).selectAll().orderBy('seq').execute();
}

export async function listLots(db: Db, workspaceId: string, assets: string[] | undefined, limit: number, offset: number) {
  const base = () =>
    db
      .selectFrom('tax_lots')
      .where('workspace_id', '=', workspaceId)
      .$if(assets !== undefined, (q) => q.where('asset_id', 'in', assets!));
  const [rows, count] = await Promise.all([
    base().selectAll().orderBy('seq').limit(limit).offset(offset).execute(),
    base()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { rows, total: Number(count.n) };
}

/** Journal entries `offset … offset + limit − 1` (an entry's `seq` is its position). */
export async function ledgerPage(db: Db, workspaceId: string, limit: number, offset: number) {
  const [lines, count] = await Promise.all([
    db
      .selectFrom('ledger_lines')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('seq', '>=', offset)
      .where('seq', '<', offset + limit)
      .orderBy('seq')
      .orderBy('line')
      .execute(),
    db
      .selectFrom('ledger_lines')
      .select((eb) => eb.fn.max('seq').as('last'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst(),
  ]);
  const last = count?.last;
  return { lines, total: last === null || last === undefined ? 0 : Number(last) + 1 };
}

export async function allLedgerLines(db: Db, workspaceId: string) {
  return db
    .selectFrom('ledger_lines')
    .select(['account', 'wallet_id', 'asset_id', 'quantity', 'debit', 'credit'])
    .where('workspace_id', '=', workspaceId)
    .execute();
}

export async function findRun(db: Db, workspaceId: string) {
  return db.selectFrom('tax_runs').selectAll().where('workspace_id', '=', workspaceId).executeTakeFirst();
}

export async function assetsById(db: Db, ids: Iterable<string>) {
  const list = [...new Set(ids)];
  const out = new Map<string, { id: string; symbol: string; name: string; type: string; is_spam: number }>();
  for (let i = 0; i < list.length; i += 500) {
    for (const a of await db
      .selectFrom('assets')
      .select(['id', 'symbol', 'name', 'type', 'is_spam'])
      .where('id', 'in', list.slice(i, i + 500))
      .execute())
      out.set(a.id, a);
  }
  return out;
}
