/**
 * Keeps a background connection (a LISTEN client) coming back: `start` tries at once, and after any
 * failure, or a `retry` from an error handler, tries again `delayMs` later, with at most one attempt
 * waiting at a time, until `stop`. The timer never keeps the process alive.
 */
export class RetryUntilStopped {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly attempt: () => Promise<void>,
    private readonly delayMs: number,
  ) {}

  /** Tries now; a failure schedules the next attempt instead of rejecting. */
  start(): Promise<void> {
    return this.attempt().catch(() => this.retry());
  }

  /** Tries again after the delay, unless an attempt is already waiting or it was stopped. */
  retry(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.start();
    }, this.delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
