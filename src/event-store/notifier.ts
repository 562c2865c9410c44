import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { RetryUntilStopped } from '../database/retry-until-stopped';

const CHANNEL = 'claimtrail_events';
const RECONNECT_MS = 1000;
/** At most one NOTIFY per this many milliseconds from one process; the last commit in a gap is always announced. */
const NOTIFY_GAP_MS = 5;

/**
 * Wakes subscribers when events are committed, in this process or any other on the same database.
 * Appenders call `committed()` after commit; it wakes this process' subscribers at once and other
 * processes with at most one NOTIFY per 5 ms (sent after the gap, so no commit goes unannounced), outside
 * the append transaction, so commits never queue on PostgreSQL's notification lock. The NOTIFY carries
 * this process' nonce and its own listener ignores it: local subscribers were already woken. A missed
 * notification only delays a subscriber until its next poll.
 */
export class CommitNotifier {
  private readonly waiters = new Set<() => void>();
  private listener: Client | null = null;
  private pendingNotify = false;
  private lastNotifyAt = 0;
  private readonly nonce = randomUUID();
  private closed = false;
  private readonly listening = new RetryUntilStopped(() => this.listen(), RECONNECT_MS);

  constructor(
    private readonly url: string,
    private readonly notify: (channel: string, payload: string) => Promise<unknown>,
  ) {}

  async start(): Promise<void> {
    await this.listening.start();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url, application_name: 'claimtrail-listener' });
    client.on('notification', (message) => {
      if (message.payload !== this.nonce) this.wakeAll();
    });
    client.on('error', () => {
      if (this.listener === client) this.listener = null;
      void client.end().catch(() => undefined);
      this.listening.retry();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
    // Anything committed while we were not listening must not wait for the next poll.
    this.wakeAll();
  }

  /** Called after a commit: wake local subscribers now, and other processes with one NOTIFY per gap. */
  committed(): void {
    this.wakeAll();
    if (this.pendingNotify || this.closed) return;
    this.pendingNotify = true;
    const send = () => {
      this.pendingNotify = false;
      this.lastNotifyAt = Date.now();
      this.notify(CHANNEL, this.nonce).catch(() => undefined);
    };
    const wait = this.lastNotifyAt + NOTIFY_GAP_MS - Date.now();
    if (wait <= 0) setImmediate(send);
    else setTimeout(send, wait);
  }

  /** Resolves on the next commit notification or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  private wakeAll(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listening.stop();
    this.wakeAll();
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }
}
