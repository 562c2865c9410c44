// Claimtrail's event store as a peer-bench store (see ../shared/peer-bench/README.md, "Adding a store").
// It loads the compiled code (run `npm run build` first) and drives the real classes: EventStore over
// Database over TypeORM's pg pool, with the project's migrations applied.
//
// mode (--mode, or the default):
//   raw     : no inline projections (append / read / aggregate scenarios measure the store alone)
//   inline  : the inline projections of a real stream type: a state view (SELECT-free batched upsert
//             per append) and the audit history, in the append transaction (default for `command`)
// `command` always goes through CommandRunner (load, fold, decide, append with the version read).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, URL } from 'node:url';
import pg from 'pg';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.CLAIMTRAIL_DIST ?? path.resolve(here, '..', '..', 'dist');
const require = createRequire(import.meta.url);
const load = (file) => require(path.join(dist, file));

const { openDatabase } = load('src/database/data-source.js');
const { Database } = load('src/database/database.js');
const { EventStore } = load('src/event-store/event-store.js');
const { CommandRunner } = load('src/event-store/command-runner.js');
const { stateViewProjection } = load('src/projections/state-view.projection.js');
const { historyProjection } = load('src/audit/history.projection.js');

// The harness' event types (lib/payload.mjs); the state view handles them all, like claim_view handles a claim's.
const PEER_TYPES = ['ClaimFiled', 'PolicyVerified', 'DocumentAttached', 'AdjusterAssigned', 'DamageAssessed', 'ReserveSet', 'PaymentApproved', 'ClaimNoteAdded'];

const VIEW_TABLE = `
CREATE TABLE IF NOT EXISTS peer_view (
  id               text PRIMARY KEY,
  count            integer NOT NULL,
  version          integer NOT NULL,
  created_position bigint NOT NULL,
  last_position    bigint NOT NULL,
  state            jsonb NOT NULL
)`;

// The harness' raw stores own public.events and public.streams: ours live in their own schema
// (CLAIMTRAIL_SCHEMA lets a second build, e.g. the code before an optimisation, run beside it).
const SCHEMA = process.env.CLAIMTRAIL_SCHEMA ?? 'claimtrail';

const inSchema = (url) => {
  const withPath = new URL(url);
  withPath.searchParams.set('options', `-c search_path=${SCHEMA}`);
  return withPath.toString();
};

export async function createStore({ url: serverUrl, concurrency, mode }) {
  const withProjections = mode === 'inline';
  const setup = new pg.Client({ connectionString: serverUrl });
  await setup.connect();
  await setup.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  await setup.end();
  const url = inSchema(serverUrl);
  const dataSource = await openDatabase(url, Math.max(1, concurrency));
  const db = new Database(dataSource);
  let queries = 0;
  const count = (client) => {
    const query = client.query.bind(client);
    client.query = (...args) => {
      queries++;
      return query(...args);
    };
  };
  const counted = new WeakSet();
  const countOnce = (client) => {
    if (counted.has(client)) return;
    counted.add(client);
    count(client);
  };
  db.pool.on('connect', countOnce);
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(VIEW_TABLE);

  const store = new EventStore(db);
  let viewRegistered = false;
  const registerView = (evolve, initialState) => {
    if (viewRegistered || !withProjections) return;
    viewRegistered = true;
    store.registerInlineProjection(
      stateViewProjection({ name: 'peer_view', table: 'peer_view', handles: PEER_TYPES, initialState: initialState(), evolve, columns: (s) => ({ count: s.count }) }),
    );
  };
  if (withProjections) store.registerInlineProjection(historyProjection);
  const runner = new CommandRunner(store);
  const deciders = new WeakMap();

  // Pre-open the pool so connection set-up is not measured.
  const clients = await Promise.all(Array.from({ length: Math.max(1, concurrency) }, () => db.pool.connect()));
  clients.forEach((client) => {
    countOnce(client);
    client.release();
  });

  return {
    name: withProjections ? 'claimtrail-inline' : 'claimtrail',
    async reset() {
      await admin.query(`SET claimtrail.maintenance = 'on'`);
      await admin.query('TRUNCATE events, streams, stream_history, peer_view RESTART IDENTITY');
      await admin.query(`RESET claimtrail.maintenance`);
    },
    context: () => null,
    append: (_ctx, streamId, expected, events) => store.append(streamId, expected === 0 ? 'no_stream' : expected, events),
    read: (_ctx, streamId) => store.readStream(streamId),
    async aggregate(_ctx, streamId, evolve, initialState) {
      const events = await store.readStream(streamId);
      let state = initialState();
      for (const event of events) state = evolve(state, event);
      return state;
    },
    async command(_ctx, streamId, newEvents, evolve, initialState) {
      registerView(evolve, initialState);
      let decider = deciders.get(evolve);
      if (!decider) {
        decider = { initialState: initialState(), evolve, decide: (command) => command.data.events };
        deciders.set(evolve, decider);
      }
      const context = { actor: 'bench', role: 'editor', now: new Date().toISOString() };
      return runner.handle(decider, streamId, { type: 'Bench', data: { events: newEvents }, context });
    },
    queryCount: () => queries,
    async close() {
      await admin.end();
      await dataSource.destroy();
    },
  };
}
