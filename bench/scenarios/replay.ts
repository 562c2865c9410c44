import { Database } from '../../src/database/database';
import { START, type Checkpoint } from '../../src/event-store/checkpoint';
import { EventStore } from '../../src/event-store/event-store';
import type { InlineProjection } from '../../src/event-store/event-store.types';
import { bulkLoadClaims } from '../lib/bulk-load';
import type { Context, Measure, Prepared, Scenario } from '../lib/scenario';
import type { BenchDatabase } from '../lib/server';
import { claimViewProjection } from './store';

// 20,000 measured 1.8 × faster than 5,000 (fewer rewrites of the same hot rows); BENCH_REPLAY_BATCH overrides
const BATCH = Number(process.env.BENCH_REPLAY_BATCH ?? 20_000);

/**
 * The hook for the real thing: today a replay of the claim view over the global order
 * (EventStore.readAll in batches, applyBatch and the checkpoint in one transaction per batch, as the
 * async worker does). When the rebuild command lands (src/projections/rebuild.ts), make `rebuild`
 * call ProjectionRebuilder.rebuild with the claim_view definition and keep the figures comparable.
 */
export const replayClaimView = async (
  db: Database,
  store: EventStore,
  projection: InlineProjection,
  from: Checkpoint,
  until: number = Number.POSITIVE_INFINITY,
  checkpointName = 'bench_replay',
): Promise<{ events: number; checkpoint: Checkpoint }> => {
  let checkpoint = from;
  let events = 0;
  while (events < until) {
    const batch = await store.readAll(checkpoint, Math.min(BATCH, until - events));
    if (batch.length === 0) break;
    const last = batch[batch.length - 1];
    checkpoint = { transactionId: last.transactionId, globalPosition: last.globalPosition };
    await db.transaction(async (tx) => {
      await projection.applyBatch!(batch, tx);
      await tx.query(
        `INSERT INTO projection_checkpoints (name, transaction_id, global_position, events_applied) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET transaction_id = EXCLUDED.transaction_id, global_position = EXCLUDED.global_position,
           events_applied = projection_checkpoints.events_applied + EXCLUDED.events_applied, updated_at = now()`,
        [checkpointName, checkpoint.transactionId, checkpoint.globalPosition, batch.length],
      );
    });
    events += batch.length;
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
}

let shared: Promise<Loaded> | null = null;

/** One database of replayEvents events for both replay scenarios (loading it is the slow part); dropped at the end. */
const loadOnce = (context: Context): Promise<Loaded> => {
  shared ??= (async () => {
    const db = await context.server.database('replay', 4);
    context.server.atStop(async () => {
      shared = null;
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
    return { db, store: new EventStore(database), database };
  })();
  return shared;
};

const release = (): Promise<void> => Promise.resolve();

const rate = (variant: string, events: number, ms: number): Measure => ({ variant, value: (events * 1000) / ms, unit: 'events/s' });

const rebuildScenario: Scenario = {
  name: 'rebuild',
  group: 'replay',
  what: `full rebuild of the claim view into a fresh table over every event (readAll batches of ${BATCH.toLocaleString('en-US')})`,
  subject: 'claimtrail',
  baseline: 'raw read floor',
  goal: { text: '≥ 50,000 events/s', met: (_ratio, m) => m.value >= 50_000 },
  async prepare(context): Promise<Prepared> {
    const loaded = await loadOnce(context);
    return {
      async round(): Promise<Measure[]> {
        await loaded.db.admin.query('TRUNCATE claim_view_replay');
        await loaded.db.admin.query(`DELETE FROM projection_checkpoints WHERE name = 'bench_replay'`);
        let t = performance.now();
        const floor = await readFloor(loaded.db);
        const floorMs = performance.now() - t;
        t = performance.now();
        const { events } = await replayClaimView(loaded.database, loaded.store, claimViewProjection('claim_view_replay'), START);
        const ms = performance.now() - t;
        return [rate('raw read floor', floor, floorMs), rate('claimtrail', events, ms)];
      },
      close: release,
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

export const replayScenarios: Scenario[] = [catchUpScenario, rebuildScenario];
