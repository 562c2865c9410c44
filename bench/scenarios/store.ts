import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { claimViewDefinition } from '../../src/claims/claims.module';
import { claimDecider, type ClaimCommand, type ClaimEvent } from '../../src/claims/claim.decider';
import { ClaimViews } from '../../src/claims/read-models/claim-views';
import { historyProjection } from '../../src/audit/history.projection';
import { fold } from '../../src/common/decider';
import { Database } from '../../src/database/database';
import { CommandRunner, toDomainEvent } from '../../src/event-store/command-runner';
import { EventStore } from '../../src/event-store/event-store';
import type { NewEvent } from '../../src/event-store/event-store.types';
import { claimHistory, claimRecorded, eventPool } from '../lib/payloads';
import { RAW_SCHEMA, rawFloor } from '../lib/raw-floor';
import { alternate, type Context, type Measure, type Prepared, type Scenario } from '../lib/scenario';
import type { BenchDatabase } from '../lib/server';
import { timed } from '../lib/stats';

const STREAM_LENGTH = 30;

/** The claim view as ClaimsModule registers it, into another table if named; with the audit history, the app's inline projections on a claim. */
export const claimViewProjection = (table = 'claim_view') => claimViewDefinition.create(() => table);

interface Setup {
  readonly db: BenchDatabase;
  readonly store: EventStore;
  readonly clients: Client[];
}

const setUp = async (context: Context, name: string, workers: number, inline = false): Promise<Setup> => {
  const db = await context.server.database(name, workers);
  await db.admin.query(RAW_SCHEMA);
  const store = new EventStore(new Database(db.dataSource));
  if (inline) {
    store.registerInlineProjection(claimViewProjection());
    store.registerInlineProjection(historyProjection);
  }
  const clients = await Promise.all(
    Array.from({ length: workers }, async () => {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      return client;
    }),
  );
  // open the store's pool too, so connection set-up is never measured
  const pool = new Database(db.dataSource).pool;
  const held = await Promise.all(Array.from({ length: workers }, () => pool.connect()));
  held.forEach((client) => client.release());
  return { db, store, clients };
};

const tearDown = async ({ db, clients }: Setup): Promise<void> => {
  await Promise.all(clients.map((client) => client.end()));
  await db.close();
};

const appendScenario = (workers: number, batch: number, floor: 'cte' | 'tx'): Scenario => {
  const floorLabel = floor === 'cte' ? `Dcte${batch === 1 ? 1 : batch} (one statement)` : `D${workers} (BEGIN; version; INSERT; COMMIT)`;
  return {
    name: `append-${workers}x${batch}`,
    group: 'append',
    what: `${workers} writer(s) × ${batch} event(s) per append, own streams of ${STREAM_LENGTH}, no projections`,
    subject: 'claimtrail',
    baseline: `raw ${floorLabel}`,
    goal:
      workers === 1 && batch === 1
        ? { text: '≥ 0.85 × Dcte1', met: (ratio) => ratio >= 0.85 }
        : workers === 32
          ? { text: '≥ 0.8 × D32', met: (ratio) => ratio >= 0.8 }
          : undefined,
    async prepare(context): Promise<Prepared> {
      const setup = await setUp(context, `append_${workers}x${batch}`, workers);
      const pool = eventPool();
      const { warmupMs, durationMs } = context.options;
      const run = (variant: string, append: (w: number, stream: string, version: number, events: NewEvent[]) => Promise<unknown>) => async (): Promise<Measure> => {
        const t = await timed({ workers, warmupMs, durationMs }, (w) => {
          let stream = `claim-${randomUUID()}`;
          let version = 0;
          let k = w * 13;
          return async () => {
            const events = Array.from({ length: batch }, () => pool[k++ % pool.length]);
            await append(w, stream, version, events);
            version += batch;
            if (version >= STREAM_LENGTH) {
              stream = `claim-${randomUUID()}`;
              version = 0;
            }
            return batch;
          };
        });
        return { variant, value: t.eventsPerSec, unit: 'events/s', ...t };
      };
      const ours = run('claimtrail', (_w, stream, version, events) => setup.store.append(stream, version === 0 ? 'no_stream' : version, events));
      const raw = run(`raw ${floorLabel}`, (w, stream, version, events) =>
        floor === 'cte' ? rawFloor.appendCte(setup.clients[w], stream, version, events) : rawFloor.appendTx(setup.clients[w], stream, version, events),
      );
      return { round: (r) => alternate(r, [raw, ours]), close: () => tearDown(setup) };
    },
  };
};

const context = (role: 'editor' | 'reviewer' = 'editor') => ({ actor: 'bench-editor', role, now: '2023-09-05T10:00:00.000Z' });

/** The i-th command on a claim (from 1): a citation of a new source, then a verdict change, in turn. */
const nextCommand = (i: number): ClaimCommand => {
  if (i % 2 === 1) {
    const data = eventPool(1)[0].data;
    return {
      type: 'CiteSource',
      data: { ...data, source: { reliability: 'C', anonymous: false } } as unknown as Extract<ClaimCommand, { type: 'CiteSource' }>['data'],
      context: context(),
    };
  }
  return {
    type: 'ChangeVerdict',
    data: { verdict: (i / 2) % 2 === 1 ? 'reported' : 'disputed', reason: 'a second source on record', override: false, sources: {} },
    context: context(),
  };
};

const commandScenario: Scenario = {
  name: 'command',
  group: 'command',
  what: 'command on a claim: load, fold, decide, append 1 event; inline claim view + history on (1 writer)',
  subject: 'claimtrail',
  baseline: 'raw Kraw1',
  goal: { text: '≥ 0.8 × Kraw1', met: (ratio) => ratio >= 0.8 },
  async prepare(ctx): Promise<Prepared> {
    const setup = await setUp(ctx, 'command', 1, true);
    const runner = new CommandRunner(setup.store);
    const { warmupMs, durationMs } = ctx.options;
    const newClaim = async (record: (stream: string, event: NewEvent) => Promise<unknown>): Promise<string> => {
      const id = randomUUID();
      await record(`claim-${id}`, claimRecorded(id));
      return `claim-${id}`;
    };
    const run = (variant: string, record: (stream: string, event: NewEvent) => Promise<unknown>, command: (stream: string, i: number) => Promise<void>) => async (): Promise<Measure> => {
      let stream = await newClaim(record);
      let length = 1;
      const t = await timed({ workers: 1, warmupMs, durationMs }, () => async () => {
        await command(stream, length);
        if (++length >= STREAM_LENGTH) {
          stream = await newClaim(record);
          length = 1;
        }
        return 1;
      });
      return { variant, value: t.opsPerSec, unit: 'commands/s', ...t };
    };
    const ours = run(
      'claimtrail',
      (stream, event) => setup.store.append(stream, 'no_stream', [event]),
      async (stream, i) => {
        await runner.handle(claimDecider, stream, nextCommand(i));
      },
    );
    const raw = run(
      'raw Kraw1',
      (stream, event) => rawFloor.appendCte(setup.clients[0], stream, 0, [event]),
      async (stream, i) => {
        const rows = await rawFloor.read(setup.clients[0], stream);
        const state = fold(claimDecider, rows.map((row) => ({ type: row.type, data: row.data })) as ClaimEvent[]);
        const decided = claimDecider.decide(nextCommand(i), state);
        await rawFloor.appendCte(setup.clients[0], stream, rows.length, decided.map((e) => ({ type: e.type, data: e.data, metadata: {} })));
      },
    );
    return { round: (r) => alternate(r, [raw, ours]), close: () => tearDown(setup) };
  },
};

const readFoldScenario: Scenario = {
  name: 'read-fold-50',
  group: 'read',
  what: 'read a 50-event claim stream as a command loads it (EventStore.loadStream) and fold it with the claim decider (200 streams, 1 reader)',
  subject: 'claimtrail',
  baseline: 'raw SELECT',
  goal: { text: '≥ 0.8 × raw SELECT', met: (ratio) => ratio >= 0.8 },
  async prepare(ctx): Promise<Prepared> {
    const setup = await setUp(ctx, 'read_fold', 1);
    const streams: string[] = [];
    const count = ctx.options.smoke ? 10 : 200;
    for (let s = 0; s < count; s++) {
      const id = randomUUID();
      const stream = `claim-${id}`;
      const history = claimHistory(id, 50);
      for (let v = 0; v < 50; v += 10) {
        await setup.store.append(stream, v === 0 ? 'no_stream' : v, history.slice(v, v + 10));
        await rawFloor.appendCte(setup.clients[0], stream, v, history.slice(v, v + 10));
      }
      streams.push(stream);
    }
    const { warmupMs, durationMs } = ctx.options;
    const run = (variant: string, read: (stream: string) => Promise<number>) => async (): Promise<Measure> => {
      let k = 0;
      const t = await timed({ workers: 1, warmupMs, durationMs }, () => () => read(streams[(k++ * 7919) % streams.length]));
      return { variant, value: t.eventsPerSec, unit: 'events/s', ...t };
    };
    const ours = run('claimtrail', async (stream) => {
      // loadStream: the read a command folds (CommandRunner); readStream also decodes metadata, hashes and positions.
      const events = await setup.store.loadStream(stream);
      const state = fold(claimDecider, events.map(toDomainEvent) as ClaimEvent[]);
      if (state.status === 'absent') throw new Error('folded nothing');
      return events.length;
    });
    const raw = run('raw SELECT', async (stream) => (await rawFloor.read(setup.clients[0], stream)).length);
    return { round: (r) => alternate(r, [raw, ours]), close: () => tearDown(setup) };
  },
};

const asOfScenario: Scenario = {
  name: 'asof-1000',
  group: 'read',
  what: 'as-of read of a claim with 1,000 events (a time 90% in): the GET ?asOf= path (ClaimViews.findAt, snapshots every 100 versions)',
  subject: 'claimtrail',
  baseline: 'raw SELECT',
  goal: { text: 'p50 < 5 ms', met: (_ratio, m) => (m.p50 ?? Infinity) < 5 },
  async prepare(ctx): Promise<Prepared> {
    const setup = await setUp(ctx, 'asof', 1);
    const id = randomUUID();
    const stream = `claim-${id}`;
    const history = claimHistory(id, 1000, 10);
    let now = Date.parse('2023-09-01T00:00:00Z');
    const timedStore = new EventStore(new Database(setup.db.dataSource), () => new Date(now));
    for (let v = 0; v < history.length; v += 10) {
      now += 60_000;
      await timedStore.append(stream, v === 0 ? 'no_stream' : v, history.slice(v, v + 10));
      await rawFloor.appendCte(setup.clients[0], stream, v, history.slice(v, v + 10));
    }
    const minute = (m: number) => new Date(Date.parse('2023-09-01T00:00:00Z') + m * 60_000);
    const asOf = minute(90);
    const views = new ClaimViews(new Database(setup.db.dataSource), setup.store);
    const { warmupMs, durationMs } = ctx.options;
    const run = (variant: string, read: () => Promise<number>) => async (): Promise<Measure> => {
      const t = await timed({ workers: 1, warmupMs, durationMs }, () => read);
      return { variant, value: t.opsPerSec, unit: 'reads/s', ...t };
    };
    const ours = run('claimtrail', async () => {
      const view = await views.findAt(id, { asOf });
      if (view?.version !== 900) throw new Error(`as-of read found version ${view?.version}`);
      return 1;
    });
    // Every instant of the history in turn (versions 10 … 1,000): up to 99 events past a snapshot.
    let k = 0;
    const anyInstant = run('claimtrail, any instant', async () => {
      const m = 1 + ((k++ * 37) % 100);
      const view = await views.findAt(id, { asOf: minute(m) });
      if (view?.version !== m * 10) throw new Error(`as-of read at minute ${m} found version ${view?.version}`);
      return 1;
    });
    // What findAt did before snapshots: read every event up to the cut and fold them all.
    const fullFold = run('full fold, no snapshot', async () => {
      const events = await setup.store.readStream(stream, { asOf });
      const state = fold(claimDecider, events.map(toDomainEvent) as ClaimEvent[]);
      if (state.status === 'absent' || events.length !== 900) throw new Error(`as-of read folded ${events.length} events`);
      return events.length;
    });
    const raw = run('raw SELECT', async () => (await rawFloor.read(setup.clients[0], stream)).length);
    return { round: (r) => alternate(r, [raw, fullFold, ours, anyInstant]), close: () => tearDown(setup) };
  },
};

export const storeScenarios: Scenario[] = [
  appendScenario(1, 1, 'cte'),
  appendScenario(1, 10, 'cte'),
  appendScenario(8, 1, 'tx'),
  appendScenario(32, 1, 'tx'),
  commandScenario,
  readFoldScenario,
  asOfScenario,
];
