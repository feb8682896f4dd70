/** A report as the reports API shows it (without its content). */
import type { Selectable } from 'kysely';
import type { ReportsTable } from '../db/tables.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function reportView(r: Omit<Selectable<ReportsTable>, 'content'>) {
  return {
    id: r.id,
    type: r.type,
    year: r.tax_year,
    status: r.status,
    rows: r.rows,
    error: r.error,
    createdAt: iso(r.created_at),
    completedAt: iso(r.completed_at),
    downloadUrl: r.status === 'completed' ? `/api/v1/reports/${r.id}/download` : null,
    format: 'text/csv',
  };
}
