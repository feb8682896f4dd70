/**
 * Graceful stop on SIGTERM / SIGINT, once. Ctrl-C signals the whole process group and npm
 * relays the signal again, so a second one arrives while the first is still closing: it is
 * ignored rather than left to Node's default action, which would cut the close short.
 */
export function stopOnSignal(stop: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop(signal);
    });
  }
}
