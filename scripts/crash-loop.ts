/**
 * `npm run crash-loop [-- --iterations N]`: kill -9 the connect server under a load of
 * consent + exchange + revoke N times (default 20) and check the database after each kill
 * (test/server/security/crash-harness.ts). Exits non-zero on the first broken invariant.
 */
import { parseArgs } from 'node:util';
import { runCrashLoop } from '../test/server/security/crash-harness.ts';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '20' } }, strict: true });
const iterations = Number(values.iterations);
if (!Number.isInteger(iterations) || iterations < 1 || iterations > 10_000) {
  console.error('--iterations must be a whole number between 1 and 10000');
  process.exit(64);
}

const started = Date.now();
try {
  const summary = await runCrashLoop({ iterations, log: (line) => console.log(line) });
  console.log(
    `OK: ${summary.iterations} kills in ${Math.round((Date.now() - started) / 1000)} s; ${summary.publicTokens} public tokens, ${summary.grants} grants, ${summary.revoked} revokes and ${summary.replays} replay revocations acknowledged, none lost.`,
  );
  console.log(`Last acknowledged revoke before each kill (ms): ${summary.lastRevokeBeforeKillMs.join(', ')}`);
} catch (error) {
  console.error('CRASH LOOP FAILED:', error);
  process.exit(1);
}
