/**
 * kill -9 under load, five times (`npm run crash-loop` runs twenty): see crash-harness.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCrashLoop } from './crash-harness.ts';

test('kill -9 during consent + exchange + revoke, restart, five times: nothing acknowledged is lost, nothing half-written', async (t) => {
  const summary = await runCrashLoop({ iterations: 5, log: (line) => t.diagnostic(line) });
  assert.equal(summary.iterations, 5);
  assert.ok(summary.grants > 0 && summary.revoked > 0, JSON.stringify(summary));
  t.diagnostic(`revokes acknowledged this close before a kill (ms): ${summary.lastRevokeBeforeKillMs.join(', ')}`);
});
