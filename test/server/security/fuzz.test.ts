/**
 * Property-based fuzzing of every operation of the OpenAPI document, 60 cases each (FUZZ_RUNS):
 * never a 5xx or a stack trace, a 4xx is the JSON envelope and writes nothing (see
 * fuzz-harness.ts for the audit and OTP-attempt exceptions), no unhandled rejection, no
 * error logged. `npm run fuzz` runs thousands per route.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers.ts';
import { fuzzRoute, fuzzTargets, quietSyncEngine } from './fuzz-harness.ts';

// Small in npm test (every documented operation is driven); `npm run fuzz` runs more.
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

let server: TestServer;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

before(async () => {
  process.on('unhandledRejection', onRejection);
  server = await startTestServer();
  await quietSyncEngine(server);
});
after(async () => {
  process.off('unhandledRejection', onRejection);
  await server.stop();
});

describe('fuzzing every JSON route', async () => {
  const probe = await startTestServer();
  const names = (await fuzzTargets(probe)).map((t) => t.name);
  await probe.stop();
  let targets: Awaited<ReturnType<typeof fuzzTargets>>;
  before(async () => {
    targets = await fuzzTargets(server);
  });

  for (const name of names) {
    test(`${name}: ${RUNS} cases`, async (t) => {
      const stats = await fuzzRoute(
        server,
        targets.find((x) => x.name === name)!,
        { numRuns: RUNS },
      );
      t.diagnostic(`${name}: ${JSON.stringify(stats.statuses)}`);
      assert.equal(stats.runs, RUNS);
    });
  }

  test('no unhandled rejection and no error logged while fuzzing', () => {
    assert.deepEqual(rejections, []);
    const errors = server.logs.filter((l) => /"level":(50|60)/.test(l));
    assert.deepEqual(errors, []);
  });
});
