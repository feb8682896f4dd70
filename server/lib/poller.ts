/**
 * The background loop every worker shares (sync runner, webhook dispatcher, report worker):
 * runs `tick` every `intervalMs` (or only when woken, without one), and at once on `wake()`.
 * Ticks never overlap: a wake-up during a tick runs one more tick right after it. A tick's
 * error goes to `onError` and the loop goes on. `stop()` ends the loop and waits for the
 * tick in progress.
 */
export type Poller = {
  /** Starts the loop; resolves after the first tick. */
  start(): Promise<void>;
  /** Stops scheduling ticks and waits for the running one. */
  stop(): Promise<void>;
  /** Runs a tick as soon as possible (after the running one, if any). */
  wake(): void;
  /** Between start() and stop(). */
  readonly running: boolean;
  /** A tick is running or one more is due right after it. */
  readonly busy: boolean;
};

export type PollerOptions = {
  tick: () => Promise<void>;
  /** Time between ticks; without it the loop ticks only when woken. */
  intervalMs?: number;
  onError: (error: unknown) => void;
};

export function createPoller(options: PollerOptions): Poller {
  let running = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let again = false;

  function schedule(): void {
    clearTimeout(timer);
    if (!running || options.intervalMs === undefined) return;
    timer = setTimeout(() => void run(), options.intervalMs);
    timer.unref();
  }

  function run(): Promise<void> {
    if (!running) return Promise.resolve();
    if (current) {
      again = true;
      return current;
    }
    clearTimeout(timer);
    current = (async () => {
      try {
        await options.tick();
      } catch (error) {
        options.onError(error);
      }
    })().finally(() => {
      current = undefined;
      if (again && running) {
        again = false;
        setImmediate(() => void run());
      } else {
        again = false;
        schedule();
      }
    });
    return current;
  }

  return {
    async start() {
      if (running) return;
      running = true;
      await run();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      await current;
    },
    wake() {
      if (!running) return;
      if (current) again = true;
      else setImmediate(() => void run());
    },
    get running() {
      return running;
    },
    get busy() {
      return current !== undefined || again;
    },
  };
}
