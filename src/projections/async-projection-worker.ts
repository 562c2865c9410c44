import { Client } from 'pg';
import type { Database } from '../database/database';
import type { Checkpoint } from '../event-store/checkpoint';
import type { EventStore } from '../event-store/event-store';
import type { InlineProjection } from '../event-store/event-store.types';
import type { CommitNotifier } from '../event-store/notifier';
import { advanceCheckpoint, checkpointBlocker } from './checkpoints';
import { applyAll, handles } from './projection';
import { ReplayReader, type ReplayPage } from './replay-reader';

export interface WorkerOptions {
  readonly databaseUrl: string;
  /** How often a standby tries to take the lease. */
  readonly leaseRetryMs?: number;
  /** Longest wait for new events when no notification arrives. */
  readonly pollMs?: number;
  /**
   * How long a live worker lets commits gather after a notification before it reads them: under steady
   * writes one transaction then applies several events instead of one each (default 5 ms).
   */
  readonly gatherMs?: number;
  readonly catchUpBatch?: number;
  readonly liveBatch?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Test hook: runs inside each projection transaction after the rows are written, before it commits. */
  readonly afterApply?: () => Promise<void>;
}

interface Lease {
  readonly epoch: string;
  readonly checkpoint: Checkpoint;
  lost: boolean;
  release(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * Runs one async projection. Of all the workers for a projection, across processes, only the holder
 * of its advisory lock works; taking the lock bumps the fencing epoch, and every projection
 * transaction checks the epoch and compare-and-sets the checkpoint, in the same transaction as the
 * rows. So an old leader that lost its lock can never write after a new one took over, and a crash
 * between rows and checkpoint is impossible: they commit together or not at all.
 */
export class AsyncProjectionWorker {
  private readonly leaseRetryMs: number;
  private readonly pollMs: number;
  private readonly gatherMs: number;
  private readonly catchUpBatch: number;
  private readonly liveBatch: number;
  private readonly reader: ReplayReader;

  constructor(
    private readonly name: string,
    private readonly projection: InlineProjection,
    private readonly db: Database,
    store: EventStore,
    private readonly notifier: CommitNotifier,
    private readonly options: WorkerOptions,
  ) {
    this.leaseRetryMs = options.leaseRetryMs ?? 2000;
    this.pollMs = options.pollMs ?? 1000;
    this.gatherMs = options.gatherMs ?? 5;
    this.catchUpBatch = options.catchUpBatch ?? 10_000;
    this.liveBatch = options.liveBatch ?? 200;
    this.reader = new ReplayReader(db, store, projection);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const lease = await this.acquire().catch((error: Error) => {
        this.options.log?.('projection lease attempt failed', { projection: this.name, error: error.message });
        return null;
      });
      if (!lease) {
        await sleep(this.leaseRetryMs, signal);
        continue;
      }
      this.options.log?.('projection lease taken', { projection: this.name, epoch: lease.epoch });
      try {
        await this.work(lease, signal);
      } catch (error) {
        this.options.log?.('projection worker failed; retrying', { projection: this.name, error: (error as Error).message });
        await sleep(this.leaseRetryMs, signal);
      } finally {
        await lease.release();
      }
    }
  }

  private async acquire(): Promise<Lease | null> {
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: `claimtrail-lease:${this.name}` });
    const lease = { lost: false };
    client.on('error', () => (lease.lost = true));
    client.on('end', () => (lease.lost = true));
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [
      `claimtrail:projection:${this.name}`,
    ]);
    if (!rows[0].locked) {
      await client.end().catch(() => undefined);
      return null;
    }
    await this.db.query('INSERT INTO projection_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING', [this.name]);
    // Waits for an old leader's transaction in flight, then fences it out for good.
    const [row] = await this.db.query<{ epoch: string; transaction_id: string; global_position: string }>(
      `UPDATE projection_checkpoints SET epoch = epoch + 1 WHERE name = $1
       RETURNING epoch, transaction_id::text AS transaction_id, global_position`,
      [this.name],
    );
    return Object.assign(lease, {
      epoch: row.epoch,
      checkpoint: { transactionId: row.transaction_id, globalPosition: row.global_position },
      release: () => client.end().catch(() => undefined),
    });
  }

  private async work(lease: Lease, signal: AbortSignal): Promise<void> {
    let checkpoint = lease.checkpoint;
    let limit = this.catchUpBatch;
    // While catching up, the next page is read while this one is applied. It starts where this one
    // ends, so it is used only if this one commits and nothing moved the checkpoint meanwhile.
    let ahead: { from: Checkpoint; limit: number; page: Promise<ReplayPage> } | null = null;
    let reading: Promise<unknown> = Promise.resolve();
    try {
      while (!signal.aborted && !lease.lost) {
        const page: ReplayPage = ahead?.from === checkpoint && ahead.limit === limit ? await ahead.page : await this.reader.read(checkpoint, limit);
        ahead = null;
        if (!page.end) {
          limit = this.liveBatch;
          await this.notifier.wait(this.pollMs);
          if (this.gatherMs > 0) await sleep(this.gatherMs, signal);
          continue;
        }
        const next = page.end;
        const nextLimit = page.count === limit ? this.catchUpBatch : this.liveBatch;
        if (page.count === limit) {
          ahead = { from: next, limit: nextLimit, page: this.reader.read(next, nextLimit) };
          reading = ahead.page.catch(() => undefined);
        }
        // The checkpoint moves first, by compare-and-set on this epoch and the old position, so the row is
        // locked for the rest of the transaction; the rows and the checkpoint then commit together or not at
        // all. A page with nothing this projection handles moves the checkpoint in one statement of its own.
        const from = checkpoint;
        const outcome: 'fenced' | 'applied' | Checkpoint = page.events.some((event) => handles(this.projection, event.type))
          ? await this.db.transaction(async (tx) => {
              if (!(await advanceCheckpoint(tx, this.name, lease.epoch, from, next, page.count))) return checkpointBlocker(tx, this.name, lease.epoch);
              await applyAll(this.projection, page.events, tx);
              await this.options.afterApply?.();
              return 'applied' as const;
            })
          : (await advanceCheckpoint(this.db.pool, this.name, lease.epoch, from, next, page.count))
            ? 'applied'
            : await checkpointBlocker(this.db.pool, this.name, lease.epoch);
        if (outcome === 'fenced') {
          this.options.log?.('projection lease lost to a newer worker', { projection: this.name, epoch: lease.epoch });
          return;
        }
        // A rebuild swapped in tables that are further along; continue from where they are.
        checkpoint = outcome === 'applied' ? next : outcome;
        limit = nextLimit;
      }
    } finally {
      // Never leave a read behind on the pool.
      await reading;
    }
  }
}
