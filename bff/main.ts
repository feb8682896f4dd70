/** `npm run bff`: the BFF alone (configured by environment, see bff/README.md), with graceful shutdown. */
import { ConfigError } from './config.ts';
import { startBff } from './start.ts';

try {
  const running = await startBff();
  running.ctx.logger.info({ url: running.url, connect: running.ctx.config.connectUrl }, 'bff listening');
  console.log(`Kryptos Connect BFF on ${running.url} (connect server: ${running.ctx.config.connectUrl})`);
  // Once: Ctrl-C signals the whole process group and npm relays it again; a repeat must not
  // cut the graceful close short (Node's default action for a signal without a listener).
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    running.ctx.logger.info({ signal }, 'shutting down');
    void running.close().then(() => process.exit(0));
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
