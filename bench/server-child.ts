/**
 * The connect server under benchmark, in its own process: a real SQLite file with
 * synchronous=FULL (checked at boot), rate limits raised so they do not cap the run, logs at
 * info level to /dev/null (formatting cost included, terminal cost not).
 */
import { openSync } from 'node:fs';
import pino from 'pino';
import { startConnectServer } from '../server/start.ts';

const dbFile = process.env.BENCH_DB!;
const running = await startConnectServer({
  env: {
    ...process.env,
    NODE_ENV: 'development',
    CONNECT_PORT: '0',
    CONNECT_DB: dbFile,
    LOG_LEVEL: 'info',
    CONNECT_RATE_LIMIT_PER_MINUTE: '10000000',
    CONNECT_IP_RATE_LIMIT_PER_MINUTE: '10000000',
  },
  logDestination: pino.destination({ fd: openSync('/dev/null', 'w'), sync: false }),
});
const synchronous = running.storage.engine.sqlite.pragma('synchronous', { simple: true });
process.send?.({ url: running.url, synchronous });
process.on('disconnect', () => void running.close().then(() => process.exit(0)));
