/**
 * `npm run bench`: every benchmark, each section measured next to its baseline in the same
 * run (these machines are noisy: compare ratios, not absolute numbers). Everything talks to
 * 127.0.0.1 and every load run is bounded in time.
 *
 *   BENCH_DURATION=10 BENCH_CONNECTIONS=50 BENCH_ONLY=connect,data,widget npm run bench
 *
 * Sections: connect (link tokens and exchange vs bare Express), data (v1 reads on 100,000
 * transactions vs bare Express), widget (gzipped size vs Lit, click → first paint), sync
 * (transactions imported per second from a local EVM chain and a local exchange server), tax
 * (a full tax pass on 100,000 transactions for each cost-basis method).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectBench, DURATION, CONNECTIONS, type LoadRow } from './connect.ts';
import { dataBench } from './data.ts';
import { widgetBench, formatRows as formatWidgetRows } from './widget.ts';
import { syncBench } from './sync.ts';
import { taxBench, formatTaxRows } from './tax.ts';

const here = import.meta.dirname;
const only = new Set((process.env.BENCH_ONLY ?? 'connect,data,widget,sync,tax').split(',').map((s) => s.trim()));

function loadTable(title: string, rows: LoadRow[]): string {
  const base = rows[0]!.rps;
  return [
    `### ${title}`,
    '| run | req/s | p50 ms | p99 ms | ratio to bare Express | errors | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.name} | ${r.rps} | ${r.p50} | ${r.p99} | ${Math.round((r.rps / base) * 1000) / 1000} | ${r.errors} | ${r.non2xx} |`),
  ].join('\n');
}

const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version, connections: CONNECTIONS, duration: DURATION };
const out: string[] = [`connections=${CONNECTIONS} duration=${DURATION}s node=${process.version}`];
let failed = false;

if (only.has('connect')) {
  const rows = await connectBench();
  results.connect = rows;
  out.push(loadTable('Connect endpoints (synchronous=FULL, fresh public token per exchange)', rows));
  failed ||= rows.slice(1).some((r) => r.errors > 0 || r.non2xx > 0);
}
if (only.has('data')) {
  const rows = await dataBench();
  results.data = rows;
  out.push(loadTable('Data reads, workspace with 100,000 transactions', rows));
  const first = rows[1];
  const deep = rows[2];
  if (first && deep) out.push(`deep page p99 / first page p99 = ${(deep.p99 / Math.max(first.p99, 1)).toFixed(2)}`);
  failed ||= rows.slice(1).some((r) => r.errors > 0 || r.non2xx > 0);
}
if (only.has('widget')) {
  const rows = await widgetBench();
  results.widget = rows;
  out.push('### Widget', formatWidgetRows(rows));
}

if (only.has('sync')) {
  const rows = await syncBench();
  results.sync = rows;
  out.push(['### Sync throughput', '| measure | value |', '|---|---:|', ...rows.map((r) => `| ${r.name} | ${r.value} ${r.unit} |`)].join('\n'));
}

if (only.has('tax')) {
  const rows = await taxBench();
  results.tax = rows;
  out.push(formatTaxRows(rows));
}

console.log(out.join('\n\n'));
mkdirSync(join(here, 'results'), { recursive: true });
writeFileSync(join(here, 'results', 'latest.json'), JSON.stringify(results, null, 2));
if (failed) {
  console.error('some load runs had errors or non-2xx answers');
  process.exitCode = 1;
}
