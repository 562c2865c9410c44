export const percentile = (sorted: readonly number[], p: number): number =>
  sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

export const median = (values: readonly number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

export interface Timing {
  /** Operations per second (an operation is one append, command, read or request). */
  readonly opsPerSec: number;
  /** Events per second (appended, read or applied). */
  readonly eventsPerSec: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly ops: number;
  readonly errors: number;
}

/**
 * `workers` loops run `op` until warm-up + duration; only operations that start after the warm-up and
 * end before the deadline count. `op` returns how many events it handled.
 */
export const timed = async (
  options: { workers: number; warmupMs: number; durationMs: number },
  makeOp: (worker: number) => () => Promise<number>,
): Promise<Timing> => {
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;
  const latencies: number[] = [];
  let events = 0;
  let errors = 0;
  let lastError: unknown;
  await Promise.all(
    Array.from({ length: options.workers }, async (_, worker) => {
      const op = makeOp(worker);
      for (;;) {
        const began = performance.now();
        if (began >= end) return;
        try {
          const n = await op();
          const ended = performance.now();
          if (began >= measureFrom && ended <= end) {
            latencies.push(ended - began);
            events += n;
          }
        } catch (error) {
          errors++;
          lastError = error;
          if (errors > 20) throw error;
        }
      }
    }),
  );
  if (errors > 0) console.warn(`  ${errors} failed operations, last: ${String(lastError)}`);
  latencies.sort((a, b) => a - b);
  const seconds = options.durationMs / 1000;
  return {
    opsPerSec: latencies.length / seconds,
    eventsPerSec: events / seconds,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    ops: latencies.length,
    errors,
  };
};
