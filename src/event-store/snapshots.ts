import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { Decider, DomainEvent } from '../common/decider';
import { statement, type Database } from '../database/database';
import type { Checkpoint } from './checkpoint';
import type { EventStore } from './event-store';
import type { ReadStreamOptions, Upcaster } from './event-store.types';

/**
 * A read that folds at least this many events past the newest snapshot it may use leaves a snapshot
 * behind at the last multiple of it, so a later read near that point folds fewer than this many.
 */
export const SNAPSHOT_EVERY = 100;

/** Changes when the way a state is stored changes, so that rows of an older format are never read. */
const FORMAT = 1;

const MAX_VERSION = 2 ** 31 - 1;
const END_OF_LOG: Checkpoint = { transactionId: '18446744073709551615', globalPosition: '0' };

export type Evolver<State, Event extends DomainEvent> = Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'> & {
  /** The text of the module evolve lives in, so that a change to any helper it calls there also retires old snapshots. */
  readonly source?: string;
};

/** The decider with the text of its module (give `require.resolve('./x.decider')`): part of the snapshot key. */
export const withSourceOf = <D extends object>(decider: D, modulePath: string): D & { readonly source: string } => ({
  ...decider,
  source: readFileSync(modulePath, 'utf8'),
});

export interface FoldedState<State> {
  readonly state: State;
  /** The stream's last version at that point; 0 when it had no event yet. */
  readonly version: number;
  /** The version of the snapshot the fold started from; 0 when it started from the first event. */
  readonly snapshotVersion: number;
  /** How many events were read and folded on top of the snapshot. */
  readonly folded: number;
}

type Row = {
  stream_version: number;
  transaction_id: string;
  global_position: string;
  /** Set on the snapshot row only. */
  state: unknown;
  /** Null on the snapshot row, set on every event row. */
  type: string | null;
  schema_version: number | null;
  data: Record<string, unknown> | null;
};

// The newest usable snapshot and the events after it, in one round trip. A snapshot is usable when it is
// at or below the version asked for and every event folded into it lies before the global-order cut.
const READ_FROM_SNAPSHOT = statement(`
  WITH snapshot AS (
    SELECT stream_version, transaction_id, global_position, state FROM stream_snapshots
    WHERE stream_id = $1 AND state_schema = $2 AND stream_version <= $3
      AND (transaction_id, global_position) < ($4::xid8, $5::bigint)
    ORDER BY stream_version DESC LIMIT 1)
  SELECT stream_version, transaction_id::text AS transaction_id, global_position, state,
         NULL::text AS type, NULL::integer AS schema_version, NULL::jsonb AS data
  FROM snapshot
  UNION ALL
  SELECT stream_version, transaction_id::text, global_position, NULL::jsonb, type, schema_version, data FROM events
  WHERE stream_id = $1 AND stream_version > COALESCE((SELECT stream_version FROM snapshot), 0) AND stream_version <= $3
    AND (transaction_id, global_position) < ($4::xid8, $5::bigint)
  ORDER BY stream_version`);

// A cache entry need not survive a crash, so its commit does not wait for the WAL flush.
const WRITE_SNAPSHOT = statement(`
  WITH cache AS (SELECT set_config('synchronous_commit', 'off', true))
  INSERT INTO stream_snapshots (stream_id, state_schema, stream_version, transaction_id, global_position, state)
  SELECT $1::text, $2::text, $3::integer, $4::xid8, $5::bigint, $6::jsonb FROM cache
  ON CONFLICT DO NOTHING`);

const later = (a: Checkpoint, b: Checkpoint | null): boolean =>
  b === null ||
  BigInt(a.transactionId) > BigInt(b.transactionId) ||
  (a.transactionId === b.transactionId && BigInt(a.globalPosition) > BigInt(b.globalPosition));

// EventStore keeps its upcasters private; a snapshot must hold exactly the fold of what readStream returns.
const upcastersOf = (store: EventStore): ReadonlyMap<string, Upcaster> => store['upcasters'];

const upcast = (upcasters: ReadonlyMap<string, Upcaster>, type: string, schemaVersion: number, data: Record<string, unknown>): Record<string, unknown> => {
  for (let upcaster = upcasters.get(`${type}@${schemaVersion}`); upcaster; ) {
    data = upcaster.upcast(data);
    schemaVersion += 1;
    upcaster = upcasters.get(`${type}@${schemaVersion}`);
  }
  return data;
};

/**
 * The key a snapshot is stored under: the decider's evolve and initial state and the store's upcasters, as
 * code. A deployment that changes any of them reads none of the older snapshots and folds from the events.
 * With `source` (withSourceOf), the whole text of evolve's module is part of it too, so helpers it calls
 * there count; code in other modules does not: see docs/decisions/050-snapshots.md.
 */
export const stateSchemaOf = <State, Event extends DomainEvent>(decider: Evolver<State, Event>, upcasters: ReadonlyMap<string, Upcaster>): string => {
  const hash = createHash('sha256').update(JSON.stringify([FORMAT, decider.evolve.toString(), decider.initialState, decider.source ?? null]));
  for (const [key, upcaster] of [...upcasters.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    hash.update(JSON.stringify([key, upcaster.upcast.toString()]));
  }
  return hash.digest('hex').slice(0, 32);
};

let writeFailureReported = false;

/**
 * The state of a stream at a version or an instant (the same options as readStream, with the same
 * answer): the newest usable snapshot, then the events after it. When it folded `every` events or more,
 * it stores the state at the last multiple of `every` it passed. Snapshots are a cache: the events stay
 * the only truth, and without any snapshot this is exactly a fold of readStream.
 */
export const foldAt = async <State, Event extends DomainEvent>(
  db: Database,
  store: EventStore,
  streamId: string,
  decider: Evolver<State, Event>,
  at: ReadStreamOptions = {},
  every = SNAPSHOT_EVERY,
): Promise<FoldedState<State>> => {
  const before = at.before ?? (at.asOf === undefined ? END_OF_LOG : await store.cutAt(at.asOf));
  const upcasters = upcastersOf(store);
  const stateSchema = stateSchemaOf(decider, upcasters);
  const rows = await db.query<Row>(READ_FROM_SNAPSHOT, [streamId, stateSchema, at.toVersion ?? MAX_VERSION, before.transactionId, before.globalPosition]);
  const lastVersion = rows.length === 0 ? 0 : rows[rows.length - 1].stream_version;
  const keepAt = Math.floor(lastVersion / every) * every;
  let state = decider.initialState;
  let snapshotVersion = 0;
  let reached: Checkpoint | null = null;
  let keep: { reached: Checkpoint; state: string } | null = null;
  for (const row of rows) {
    if (row.type === null) {
      state = row.state as State;
      snapshotVersion = row.stream_version;
    } else {
      const data = upcast(upcasters, row.type, row.schema_version ?? 1, row.data ?? {});
      state = decider.evolve(state, { type: row.type, data } as Event);
    }
    const position = { transactionId: row.transaction_id, globalPosition: row.global_position };
    if (later(position, reached)) reached = position;
    if (row.stream_version === keepAt && keepAt > snapshotVersion && reached !== null) keep = { reached, state: JSON.stringify(state) };
  }
  if (keep !== null) {
    await db
      .query(WRITE_SNAPSHOT, [streamId, stateSchema, keepAt, keep.reached.transactionId, keep.reached.globalPosition, keep.state])
      .catch((error: unknown) => {
        // A read-only replica, or a missing grant: reads stay correct, only slower. Said once per process.
        if (writeFailureReported) return;
        writeFailureReported = true;
        process.emitWarning(`stream snapshots cannot be written, as-of reads fold whole streams: ${String(error)}`, { code: 'CLAIMTRAIL_SNAPSHOTS' });
      });
  }
  return { state, version: lastVersion, snapshotVersion, folded: rows.length - (snapshotVersion > 0 ? 1 : 0) };
};
