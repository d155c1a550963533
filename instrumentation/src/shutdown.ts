/**
 * Flushing before the process goes away, without changing how it goes away:
 * - beforeExit (the event loop ran dry): flush; the process then exits as it would have.
 * - SIGTERM / SIGINT: flush. If the application has its own handler, it decides what happens
 *   next, as before. If not, the signal is raised again once flushed, so the process ends the
 *   way Node ends it by default (killed by that signal).
 */
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Longest the process is held for a flush: within an orchestrator's grace period (10-30 s), and
 * a bounded delay when the collector is unreachable (the exporter would retry for longer).
 */
const FLUSH_TIMEOUT_MS = 5_000;

export interface Flushable {
  /** Spans of calls that can no longer finish are ended (the process is ending). */
  closeOpenCalls(): void;
  /** Whether spans ended since the last flush began. */
  unflushed(): boolean;
  flush(): Promise<void>;
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

export function flushOnExit(target: Flushable): void {
  // A flush does I/O, so beforeExit comes again once it is done; with no new spans since, that
  // one does nothing and the process exits (metrics, cumulative, would otherwise export forever).
  let pending = false;
  process.on('beforeExit', () => {
    if (pending) return;
    target.closeOpenCalls();
    if (!target.unflushed()) return;
    pending = true;
    // The gRPC exporter's sockets do not hold the event loop open; this does, until the export is done.
    const hold = setInterval(() => undefined, 1_000);
    const done = (): void => {
      clearInterval(hold);
      pending = false;
    };
    void withTimeout(target.flush(), FLUSH_TIMEOUT_MS).then(done);
  });

  for (const signal of SIGNALS) {
    let flushing = false;
    const onSignal = (): void => {
      const applicationHandles = process.listenerCount(signal) > 1;
      const reraise = (): void => {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      };
      // A second signal while flushing (Ctrl-C twice) means "now".
      if (flushing) {
        if (!applicationHandles) reraise();
        return;
      }
      flushing = true;
      if (!applicationHandles) target.closeOpenCalls();
      const hold = setInterval(() => undefined, 1_000);
      void withTimeout(target.flush(), FLUSH_TIMEOUT_MS).then(() => {
        clearInterval(hold);
        flushing = false;
        if (!applicationHandles) reraise();
      });
    };
    process.on(signal, onSignal);
  }
}
