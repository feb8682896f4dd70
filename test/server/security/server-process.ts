/**
 * A connect server in its own process, for the multi-process race and the crash tests:
 * configured from the environment (CONNECT_DB, CONNECT_PORT=0, …), system clock. Prints
 * `{"url": …}` on one stdout line once listening; SIGTERM closes it cleanly.
 */
import { startConnectServer } from '../../../server/start.ts';

const running = await startConnectServer();
process.stdout.write(`${JSON.stringify({ url: running.url, pid: process.pid })}\n`);
process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
