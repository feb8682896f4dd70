/** `npm run server`: the connect server alone, with graceful shutdown on SIGTERM/SIGINT. */
import { ConfigError } from './config.ts';
import { startConnectServer } from './start.ts';
import { stopOnSignal } from './shutdown.ts';

try {
  const running = await startConnectServer();
  running.ctx.logger.info({ url: running.url, db: running.ctx.config.dbFile, mailer: running.ctx.mailer.kind }, 'connect server listening');
  console.log(`Kryptos Connect server on ${running.url}  (API reference: ${running.url}/docs)`);
  stopOnSignal((signal) => {
    running.ctx.logger.info({ signal }, 'shutting down');
    void running.close().then(() => {
      running.ctx.logger.info('stopped');
      process.exit(0);
    });
  });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
