/**
 * `npm run fuzz [-- --runs N] [-- --route <substring>] [-- --seed S]`: property-based fuzzing
 * of every operation of the connect server's OpenAPI document (test/server/security/fuzz-harness.ts),
 * 1000 cases per operation by default (bounded: about half an hour on 2 cores). Exits non-zero with the shrunk counterexample on failure.
 */
import { parseArgs } from 'node:util';
import { startTestServer } from '../test/server/helpers.ts';
import { fuzzRoute, fuzzTargets, quietSyncEngine } from '../test/server/security/fuzz-harness.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '1000' }, route: { type: 'string' }, seed: { type: 'string' } }, strict: true });
const runs = Number(values.runs);
const seed = values.seed === undefined ? undefined : Number(values.seed);
if (!Number.isInteger(runs) || runs < 1 || (seed !== undefined && !Number.isInteger(seed))) {
  console.error('--runs and --seed must be whole numbers');
  process.exit(64);
}

const rejections: unknown[] = [];
process.on('unhandledRejection', (reason) => rejections.push(reason));
const server = await startTestServer();
await quietSyncEngine(server);
let failed = false;
try {
  const targets = (await fuzzTargets(server)).filter((t) => !values.route || t.name.includes(values.route));
  if (targets.length === 0) throw new Error(`no route matches ${values.route}`);
  for (const target of targets) {
    const started = Date.now();
    const stats = await fuzzRoute(server, target, { numRuns: runs, seed });
    console.log(
      `ok  ${target.name.padEnd(40)} ${String(stats.runs).padStart(6)} cases  ${String(Date.now() - started).padStart(6)} ms  ${JSON.stringify(stats.statuses)}`,
    );
  }
  const errors = server.logs.filter((l) => /"level":(50|60)/.test(l));
  if (rejections.length || errors.length) throw new Error(`unhandled rejections: ${rejections.length}; error log lines: ${errors.join('')}`);
} catch (error) {
  failed = true;
  console.error('FUZZ FAILED:', error instanceof Error ? error.message : error);
} finally {
  await server.stop();
}
process.exit(failed ? 1 : 0);
