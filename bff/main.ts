/** `npm run bff`: the BFF alone (configured by environment, see bff/README.md), with graceful shutdown. */
import { ConfigError } from './config.ts';
import { startBff } from './start.ts';

try {
  const running = await startBff();
  running.ctx.logger.info({ url: running.url, connect: running.ctx.config.connectUrl }, 'bff listening');
  console.log(`Kryptos Connect BFF on ${running.url} (connect server: ${running.ctx.config.connectUrl})`);
  const stop = (signal: string) => {
    running.ctx.logger.info({ signal }, 'shutting down');
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(78);
  }
  throw error;
}
