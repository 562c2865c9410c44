import { claimViewDefinition } from '../../src/claims/claims.module';
import { dashboardProjection } from '../../src/claims/read-models/dashboard.projection';
import { Database } from '../../src/database/database';
import { openDatabase } from '../../src/database/data-source';
import { START, type Checkpoint } from '../../src/event-store/checkpoint';
import { EventStore } from '../../src/event-store/event-store';
import type { InlineProjection } from '../../src/event-store/event-store.types';
import { CommitNotifier } from '../../src/event-store/notifier';
import { AsyncProjectionWorker } from '../../src/projections/async-projection-worker';
import { DEFAULT_BATCH, ProjectionRebuilder } from '../../src/projections/rebuild';
import { ReplayReader } from '../../src/projections/replay-reader';
import { bulkLoadClaims } from '../lib/bulk-load';
import type { Context, Measure, Prepared, Scenario } from '../lib/scenario';
import type { BenchDatabase } from '../lib/server';
import { claimViewProjection } from './store';

// 20,000 measured 1.8 × faster than 5,000 (fewer rewrites of the same hot rows); BENCH_REPLAY_BATCH overrides
const BATCH = Number(process.env.BENCH_REPLAY_BATCH ?? DEFAULT_BATCH);

/**
 * A replay of the claim view over the global order (pages from ReplayReader, as rebuilds and async
 * workers read them; applyBatch and the checkpoint in one transaction per page): how the 90% catch-up
 * scenario starts from, and measures, a view that is nearly up to date.
 */
export const replayClaimView = async (
  db: Database,
  store: EventStore,
  projection: InlineProjection,
  from: Checkpoint,
  until: number = Number.POSITIVE_INFINITY,
  checkpointName = 'bench_replay',
): Promise<{ events: number; checkpoint: Checkpoint }> => {
  const reader = new ReplayReader(db, store, projection);
  let checkpoint = from;
  let events = 0;
  while (events < until) {
    const page = await reader.read(checkpoint, Math.min(BATCH, until - events));
    if (!page.end) break;
    checkpoint = page.end;
    const batch = page.events;
    await db.transaction(async (tx) => {
      await projection.applyBatch!(batch, tx);
      await tx.query(
        `INSERT INTO projection_checkpoints (name, transaction_id, global_position, events_applied) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position,
           events_applied = projection_checkpoints.events_applied + EXCLUDED.events_applied, updated_at = now()`,
        [checkpointName, checkpoint.transactionId, checkpoint.globalPosition, page.count],
      );
    });
    events += page.count;
  }
  return { events, checkpoint };
};

/** The read-only floor: the same rows in the same order by keyset pages, no decoding beyond pg's own. */
const readFloor = async (db: BenchDatabase): Promise<number> => {
  let after: [string, string] = ['0', '0'];
  let count = 0;
  for (;;) {
    const { rows } = await db.admin.query<{ t: string; g: string }>({
      name: 'floor_page',
      text: `SELECT transaction_id::text AS t, global_position AS g, stream_id, stream_version, type, data, metadata, recorded_at
             FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) ORDER BY transaction_id, global_position LIMIT ${BATCH}`,
      values: after,
    });
    if (rows.length === 0) return count;
    count += rows.length;
    after = [rows[rows.length - 1].t, rows[rows.length - 1].g];
  }
};

interface Loaded {
  readonly db: BenchDatabase;
  readonly store: EventStore;
  readonly database: Database;
  /** The same database as the table owner, as the CLI's rebuild runs. */
  readonly owner: Database;
}

let shared: Promise<Loaded> | null = null;

/** One database of replayEvents events for every replay scenario (loading it is the slow part); dropped at the end. */
const loadOnce = (context: Context): Promise<Loaded> => {
  shared ??= (async () => {
    const db = await context.server.database('replay', 4);
    const owner = new Database(await openDatabase(db.url, 4, undefined, { role: 'owner' }));
    context.server.atStop(async () => {
      shared = null;
      await owner.dataSource.destroy();
      await db.close();
    });
    const total = context.options.replayEvents;
    const started = Date.now();
    let next = 0.1;
    await bulkLoadClaims(db.admin, total, (done) => {
      if (done / total >= next || done === total) {
        context.progress(`loaded ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} events (COPY, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
        next = Math.floor((done / total) * 10 + 1) / 10;
      }
    });
    await db.admin.query('VACUUM (ANALYZE) events');
    await db.admin.query('CREATE TABLE claim_view_replay (LIKE claim_view INCLUDING ALL)');
    await db.admin.query('CREATE TABLE claim_view_at90 (LIKE claim_view INCLUDING ALL)');
    const database = new Database(db.dataSource);
    return { db, store: new EventStore(database), database, owner };
  })();
  return shared;
};

const release = (): Promise<void> => Promise.resolve();

const rate = (variant: string, events: number, ms: number): Measure => ({ variant, value: (events * 1000) / ms, unit: 'events/s' });

const rebuildScenario: Scenario = {
  name: 'rebuild',
  group: 'replay',
  what: `npm run cli -- rebuild claim_view: shadow table, every event in batches of ${DEFAULT_BATCH.toLocaleString('en-US')}, swap (ProjectionRebuilder)`,
  subject: 'claimtrail',
  baseline: 'raw read floor',
  goal: { text: '≥ 50,000 events/s', met: (_ratio, m) => m.value >= 50_000 },
  async prepare(context): Promise<Prepared> {
    const loaded = await loadOnce(context);
    const rebuilder = new ProjectionRebuilder(loaded.owner, new EventStore(loaded.owner));
    return {
      async round(): Promise<Measure[]> {
        let t = performance.now();
        const floor = await readFloor(loaded.db);
        const floorMs = performance.now() - t;
        t = performance.now();
        const { events } = await rebuilder.rebuild(claimViewDefinition);
        const ms = performance.now() - t;
        return [rate('raw read floor', floor, floorMs), rate('claimtrail', events, ms)];
      },
      close: release,
    };
  },
};

const asyncCatchUpScenario: Scenario = {
  name: 'async-catch-up',
  group: 'replay',
  what: 'the dashboard worker (AsyncProjectionWorker: lease, fencing epoch, checkpoint compare-and-set) catching up from an empty view',
  subject: 'claimtrail',
  goal: { text: '≥ 50,000 events/s', met: (_ratio, m) => m.value >= 50_000 },
  async prepare(context): Promise<Prepared> {
    const loaded = await loadOnce(context);
    const total = context.options.replayEvents;
    const notifier = new CommitNotifier(loaded.db.url, () => Promise.resolve());
    return {
      async round(): Promise<Measure[]> {
        await loaded.owner.query('TRUNCATE dashboard_claims, dashboard_changes');
        await loaded.owner.query(`DELETE FROM projection_checkpoints WHERE name = 'dashboard'`);
        const abort = new AbortController();
        const worker = new AsyncProjectionWorker('dashboard', dashboardProjection.create((table) => table), loaded.database, loaded.store, notifier, {
          databaseUrl: loaded.db.url,
          pollMs: 50,
        });
        const t = performance.now();
        const running = worker.run(abort.signal);
        let applied = 0;
        while (applied < total) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          const rows = await loaded.owner.query<{ applied: string }>(`SELECT events_applied AS applied FROM projection_checkpoints WHERE name = 'dashboard'`);
          applied = Number(rows[0]?.applied ?? 0);
        }
        const ms = performance.now() - t;
        abort.abort();
        await running;
        return [rate('claimtrail', applied, ms)];
      },
      close: () => notifier.close(),
    };
  },
};

const catchUpScenario: Scenario = {
  name: 'catch-up',
  group: 'replay',
  what: 'catch-up of a claim view 90% up to date: the last 10% of the events, onto existing rows',
  subject: 'claimtrail',
  goal: { text: '≥ 50,000 events/s', met: (_ratio, m) => m.value >= 50_000 },
  async prepare(context): Promise<Prepared> {
    const loaded = await loadOnce(context);
    const total = context.options.replayEvents;
    const at90 = await replayClaimView(loaded.database, loaded.store, claimViewProjection('claim_view_at90'), START, Math.floor(total * 0.9), 'bench_at90');
    return {
      async round(): Promise<Measure[]> {
        await loaded.db.admin.query('TRUNCATE claim_view_replay');
        await loaded.db.admin.query('INSERT INTO claim_view_replay SELECT * FROM claim_view_at90');
        const t = performance.now();
        const { events } = await replayClaimView(loaded.database, loaded.store, claimViewProjection('claim_view_replay'), at90.checkpoint, Number.POSITIVE_INFINITY, 'bench_catch_up');
        return [rate('claimtrail', events, performance.now() - t)];
      },
      close: release,
    };
  },
};

export const replayScenarios: Scenario[] = [catchUpScenario, rebuildScenario, asyncCatchUpScenario];
