/**
 * A connect server in its own process, for the multi-process race and the crash tests:
 * configured from the environment (CONNECT_DB, CONNECT_PORT=0, …), system clock. Prints
 * `{"url": …}` on one stdout line once listening; SIGTERM closes it cleanly.
 */
import { startConnectServer } from '../../../server/start.ts';

// The sync engine is off unless KC_TEST_SYNC=1: these tests are about the Connect flow, and
// sandbox syncs of every integration the load adds would only compete for the two cores
// (the sync engine's own crash and restart tests live in test/server/sync/).
const running = await startConnectServer({ sync: process.env.KC_TEST_SYNC === '1' ? undefined : false });
process.stdout.write(`${JSON.stringify({ url: running.url, pid: process.pid })}\n`);
process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
