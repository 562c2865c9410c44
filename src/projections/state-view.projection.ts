import type { Decider, DomainEvent } from '../common/decider';
import type { Tx } from '../database/database';
import type { PlannedAppend, StoredEvent } from '../event-store/event-store.types';
import type { Checkpoint } from '../event-store/checkpoint';
import { isAfter } from './checkpoints';
import { isLaterPosition, type ProjectionDefinition, type ProjectionUse, type ReplayableProjection } from './projection';

export interface StateViewDefinition<State> {
  readonly name: string;
  /** A table with id, version, created_position, last_position, state and the filter columns. */
  readonly table: string;
  readonly handles: readonly string[];
  readonly initialState: State;
  evolve(state: State, event: DomainEvent): State;
  /** The filter columns a list query needs, derived from the folded state. */
  columns(state: State): Record<string, unknown>;
}

const UPSERT_ROWS = 1000;

/**
 * Rows a sole writer remembers, the most recently written kept. A rebuild of claims worked on side by
 * side touches some thousands of rows per batch, most of them again in the next one.
 */
export const REMEMBERED_ROWS = 10_000;

const idOfStream = (streamId: string): string => streamId.slice(streamId.indexOf('-') + 1);

interface StoredRow<State> {
  readonly state: State;
  readonly last_position: string;
  readonly created_position: string;
}

interface ViewRow {
  readonly id: string;
  readonly version: number;
  readonly createdPosition: string;
  readonly lastPosition: string;
  readonly state: unknown;
}

/**
 * A read model row per stream holding the folded aggregate state. The row remembers the last global
 * position it applied, so replaying an event it has seen changes nothing.
 *
 * Three ways to write it, all giving the same row: `apply` one event at a time; `applyBatch` for many
 * events of many streams (one read of the rows, one upsert); `planAppend` for an append whose caller
 * read the whole stream first, where the state is folded from those events and written inside the
 * append statement itself, without reading the row.
 *
 * A sole writer (a rebuild's shadow table) holds the rows a batch changed until a batch no longer touches
 * their stream, and then writes them: claims worked on over two batches are written once instead of twice.
 * It remembers the rows it wrote last, so `applyBatch` reads back only rows it neither holds nor remembers
 * (on the bench's claims the read-back was 4 s of a 33 s rebuild).
 */
export const stateViewProjection = <State>(definition: StateViewDefinition<State>, use: ProjectionUse = {}): ReplayableProjection => {
  const { table } = definition;
  const remembered = new Map<string, StoredRow<State>>();
  const held = new Map<string, { readonly row: ViewRow; readonly since: StoredEvent }>();
  const storedOf = (row: ViewRow): StoredRow<State> => ({ state: row.state as State, last_position: row.lastPosition, created_position: row.createdPosition });
  const remember = (rows: readonly ViewRow[]): void => {
    for (const row of rows) {
      // re-inserted, so the map's order is the order of the last writes
      remembered.delete(row.id);
      remembered.set(row.id, storedOf(row));
    }
    for (const id of remembered.keys()) {
      if (remembered.size <= REMEMBERED_ROWS) break;
      remembered.delete(id);
    }
  };
  const handled = new Set(definition.handles);
  const evolveAll = (state: State, events: readonly { type: string; data: unknown }[]): State => {
    let next = state;
    for (const event of events) if (handled.has(event.type)) next = definition.evolve(next, { type: event.type, data: event.data });
    return next;
  };
  const columnNames = (state: State): string[] => Object.keys(definition.columns(state));
  const assignments = (names: readonly string[]): string =>
    ['version', 'last_position', 'state', ...names].map((name) => `${name} = EXCLUDED.${name}`).join(', ');

  const upsert = async (all: readonly ViewRow[], tx: Tx): Promise<void> => {
    // PostgreSQL takes at most 65,535 parameters per statement
    for (let from = 0; from < all.length; from += UPSERT_ROWS) await upsertRows(all.slice(from, from + UPSERT_ROWS), tx);
  };
  // A parameter per field rather than one JSON document of rows: with states of some kilobytes
  // PostgreSQL took twice as long to take the document apart (decision 040).
  const upsertRows = async (rows: readonly ViewRow[], tx: Tx): Promise<void> => {
    const names = columnNames(rows[0].state as State);
    const values: unknown[] = [];
    const tuples = rows.map((row) => {
      const columns = definition.columns(row.state as State);
      const fields = [row.id, row.version, row.createdPosition, row.lastPosition, JSON.stringify(row.state), ...names.map((name) => columns[name])];
      return `(${fields.map((value) => `$${values.push(value)}`).join(', ')})`;
    });
    await tx.query(
      `INSERT INTO ${table} (id, version, created_position, last_position, state, ${names.join(', ')}) VALUES ${tuples.join(', ')}
       ON CONFLICT (id) DO UPDATE SET ${assignments(names)} WHERE ${table}.last_position < EXCLUDED.last_position`,
      values,
    );
  };

  const applyBatch = async (events: readonly StoredEvent[], tx: Tx): Promise<void> => {
    const byStream = new Map<string, StoredEvent[]>();
    for (const event of events) {
      if (!handled.has(event.type)) continue;
      const id = idOfStream(event.streamId);
      const list = byStream.get(id);
      if (list) list.push(event);
      else byStream.set(id, [event]);
    }
    if (byStream.size === 0) return;
    const unknown = [...byStream.keys()].filter((id) => !held.has(id) && !remembered.has(id));
    const { rows } =
      unknown.length === 0
        ? { rows: [] }
        : await tx.query<StoredRow<State> & { id: string }>(
            `SELECT id::text AS id, state, last_position, created_position FROM ${table} WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
            [unknown],
          );
    const current = new Map<string, StoredRow<State>>(rows.map((row) => [row.id, row]));
    const changed: ViewRow[] = [];
    for (const [id, streamEvents] of byStream) {
      const holding = held.get(id);
      const row = holding ? storedOf(holding.row) : (current.get(id) ?? remembered.get(id));
      const fresh = row ? streamEvents.filter((event) => isLaterPosition(event.globalPosition, row.last_position)) : streamEvents;
      if (fresh.length === 0) continue;
      const last = fresh[fresh.length - 1];
      const next: ViewRow = {
        id,
        version: last.streamVersion,
        createdPosition: row?.created_position ?? fresh[0].globalPosition,
        lastPosition: last.globalPosition,
        state: evolveAll(row?.state ?? definition.initialState, fresh),
      };
      if (use.soleWriter) held.set(id, { row: next, since: holding?.since ?? fresh[0] });
      else changed.push(next);
    }
    if (use.soleWriter) {
      // rows of streams this batch did not touch are written now; the others wait for a quieter batch
      for (const [id, holding] of held) {
        if (byStream.has(id)) continue;
        changed.push(holding.row);
        held.delete(id);
      }
    }
    await upsert(changed, tx);
    if (use.soleWriter) remember(changed);
  };

  const flush = async (tx: Tx): Promise<void> => {
    const rows = [...held.values()].map((holding) => holding.row);
    held.clear();
    await upsert(rows, tx);
    remember(rows);
  };

  const heldFrom = (): Checkpoint | null => {
    let earliest: StoredEvent | null = null;
    for (const { since } of held.values()) if (earliest === null || isAfter(earliest, since)) earliest = since;
    return earliest && { transactionId: earliest.transactionId, globalPosition: earliest.globalPosition };
  };

  return {
    name: definition.name,
    handles: definition.handles,
    replayDetails: [],
    apply: (event: StoredEvent, tx: Tx) => applyBatch([event], tx),
    applyBatch,
    // a sole writer is a HoldingProjection (isHolding)
    ...(use.soleWriter ? { heldFrom, flush } : {}),
    planAppend(append: PlannedAppend): string | null {
      if (append.loaded === undefined) return null;
      const state = evolveAll(evolveAll(definition.initialState, append.loaded), append.events);
      const columns = definition.columns(state);
      const names = Object.keys(columns);
      const types = append.param(definition.handles);
      const mine = `FROM appended WHERE type = ANY(${types}::text[])`;
      return `INSERT INTO ${table} (id, version, created_position, last_position, state, ${names.join(', ')})
        VALUES (${append.param(idOfStream(append.streamId))}, (SELECT max(stream_version) ${mine}), (SELECT min(global_position) ${mine}),
                (SELECT max(global_position) ${mine}), ${append.param(JSON.stringify(state))}, ${names.map((name) => append.param(columns[name])).join(', ')})
        ON CONFLICT (id) DO UPDATE SET ${assignments(names)} WHERE ${table}.last_position < EXCLUDED.last_position`;
    },
  };
};

/** An inline state view of one decider's streams, in a table of the view's name, as the registry and rebuilds take it. */
export const stateViewDefinition = <State, Event extends DomainEvent>(view: {
  readonly name: string;
  readonly handles: readonly Event['type'][];
  readonly decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>;
  readonly columns: (state: State) => Record<string, unknown>;
}): ProjectionDefinition => ({
  name: view.name,
  mode: 'inline',
  tables: [view.name],
  create: (table, use) =>
    stateViewProjection(
      {
        name: view.name,
        table: table(view.name),
        handles: view.handles,
        initialState: view.decider.initialState,
        // only the types it handles reach evolve
        evolve: (state, event) => view.decider.evolve(state, event as Event),
        columns: view.columns,
      },
      use,
    ),
});
