import { Client } from 'pg';
import type { Database } from '../database/database';
import type { Checkpoint } from '../event-store/checkpoint';
import type { EventStore } from '../event-store/event-store';
import type { InlineProjection } from '../event-store/event-store.types';
import type { CommitNotifier } from '../event-store/notifier';
import { lockCheckpoint, saveCheckpoint } from './checkpoints';
import { applyAll } from './projection';
import { ReplayReader, type ReplayPage } from './replay-reader';

export interface WorkerOptions {
  readonly databaseUrl: string;
  /** How often a standby tries to take the lease. */
  readonly leaseRetryMs?: number;
  /** Longest wait for new events when no notification arrives. */
  readonly pollMs?: number;
  readonly catchUpBatch?: number;
  readonly liveBatch?: number;
  readonly log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Test hook: runs inside each projection transaction after the rows are written, before the checkpoint. */
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
          continue;
        }
        const next = page.end;
        const nextLimit = page.count === limit ? this.catchUpBatch : this.liveBatch;
        if (page.count === limit) {
          ahead = { from: next, limit: nextLimit, page: this.reader.read(next, nextLimit) };
          reading = ahead.page.catch(() => undefined);
        }
        const outcome = await this.db.transaction(async (tx): Promise<'fenced' | 'applied' | Checkpoint> => {
          const row = await lockCheckpoint(tx, this.name);
          if (!row || row.epoch !== lease.epoch) return 'fenced';
          if (row.transactionId !== checkpoint.transactionId || row.globalPosition !== checkpoint.globalPosition) {
            return { transactionId: row.transactionId, globalPosition: row.globalPosition };
          }
          await applyAll(this.projection, page.events, tx);
          await this.options.afterApply?.();
          await saveCheckpoint(tx, this.name, next, page.count);
          return 'applied';
        });
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
