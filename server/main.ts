/** `npm run server`: the connect server alone, with graceful shutdown on SIGTERM/SIGINT. */
import { ConfigError } from './config.ts';
import { startConnectServer } from './start.ts';

try {
  const running = await startConnectServer();
  running.ctx.logger.info({ url: running.url, db: running.ctx.config.dbFile, mailer: running.ctx.mailer.kind }, 'connect server listening');
  console.log(`Kryptos Connect server on ${running.url}  (API reference: ${running.url}/docs)`);
  // Ctrl-C signals the whole process group, and npm and tsx relay it again: a repeated signal
  // must not kill the server halfway through its graceful close (which is bounded anyway).
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.ctx.logger.info({ signal }, 'shutting down');
    void running.close().then(() => {
      running.ctx.logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
