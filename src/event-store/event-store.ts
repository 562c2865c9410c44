import { randomUUID } from 'node:crypto';
import { DatabaseError } from 'pg';
import { statement, type Database } from '../database/database';
import { commitOrderCut } from './as-of';
import { formatCheckpoint, type Checkpoint } from './checkpoint';
import { canonicalParts } from './event-hash';
import { eventIdsReused, versionConflict } from './event-store.errors';
import type {
  AppendOptions,
  AppendResult,
  ExpectedVersion,
  InlineProjection,
  LoadedEvent,
  NewEvent,
  PendingEvent,
  ReadStreamOptions,
  StoredEvent,
  Upcaster,
} from './event-store.types';

interface EventRow {
  global_position: string;
  transaction_id: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  recorded_ms: string;
  prev_hash: Buffer | null;
  hash: Buffer;
}

// The recorded time travels as exact epoch milliseconds (numeric EXTRACT, truncated to the millisecond as
// a JavaScript Date is): parsing timestamptz text in node-postgres cost more CPU than the projections did.
const EVENT_COLUMNS = `global_position, transaction_id::text AS transaction_id, stream_id, stream_version, event_id,
  type, schema_version, data, metadata,
  (EXTRACT(EPOCH FROM date_trunc('milliseconds', recorded_at)) * 1000)::bigint AS recorded_ms, prev_hash, hash`;

/**
 * The append functions and the columns the caller needs back from them: `append_events` (migration
 * 1764320300000) takes each event's fields as arrays; `append_event` (migration 1764320900000) does the
 * same for a single event with plain parameters, which PostgreSQL runs in about a quarter less time.
 */
const APPEND_EVENTS = 'append_events($1, $2, $3, $4, $5::uuid[], $6::text[], $7::int[], $8::text[], $9::text[])';
const APPEND_EVENT = 'append_event($1, $2, $3, $4, $5::uuid, $6::text, $7::int, $8::text, $9::text)';
const APPENDED_COLUMNS = 'global_position, transaction_id::text AS transaction_id, stream_version, event_id, prev_hash, hash';
/** SQLSTATE the append function raises when the expected version does not match; DETAIL is the actual version. */
const VERSION_MISMATCH = 'CT409';

interface AppendedRow {
  global_position: string;
  transaction_id: string;
  stream_version: number;
  event_id: string;
  prev_hash: Buffer | null;
  hash: Buffer;
}

/** The append function's encoding of an expected version: -1 any, -2 stream exists, else the version (0 = no stream). */
const expectedCode = (expected: ExpectedVersion): number => {
  switch (expected) {
    case 'any':
      return -1;
    case 'stream_exists':
      return -2;
    case 'no_stream':
      return 0;
    default:
      // a version no stream can have, so it always conflicts
      return Number.isInteger(expected) && expected >= 0 ? expected : -3;
  }
};

const handledBy = (projection: InlineProjection, type: string): boolean =>
  projection.handles === '*' || projection.handles.includes(type);

const READ_STREAM = statement(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = $1 ORDER BY stream_version`);
const READ_STREAM_UNTIL = statement(
  `SELECT ${EVENT_COLUMNS} FROM events
   WHERE stream_id = $1 AND stream_version <= $2 AND (transaction_id, global_position) < ($3::xid8, $4::bigint) ORDER BY stream_version`,
);
/** A stream as a decider folds it: the columns loadStream returns, nothing to decode that a fold never reads. */
const LOAD_STREAM = statement('SELECT stream_version, type, schema_version, data FROM events WHERE stream_id = $1 ORDER BY stream_version');
const END_OF_LOG: Checkpoint = { transactionId: '18446744073709551615', globalPosition: '0' };

const isUniqueViolation = (error: unknown, constraint: string): boolean =>
  error instanceof DatabaseError && error.code === '23505' && error.constraint === constraint;

/** A generic PostgreSQL event store: optimistic concurrency per stream, a safe global order, a hash chain. */
export class EventStore {
  private readonly projections: InlineProjection[] = [];
  private readonly upcasters = new Map<string, Upcaster>();
  private readonly commitListeners: (() => void)[] = [];

  constructor(
    private readonly db: Database,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  registerInlineProjection(projection: InlineProjection): void {
    if (this.projections.some((existing) => existing.name === projection.name)) {
      throw new Error(`inline projection ${projection.name} is registered twice`);
    }
    this.projections.push(projection);
  }

  /** Called after every append that committed new events (subscribers use it to wake up). */
  onCommitted(listener: () => void): void {
    this.commitListeners.push(listener);
  }

  registerUpcaster(upcaster: Upcaster): void {
    this.upcasters.set(`${upcaster.type}@${upcaster.fromSchemaVersion}`, upcaster);
  }

  /**
   * One statement, so one round trip and no explicit transaction: the append function locks the stream,
   * checks the expected version, chains the hashes and inserts; every inline projection that can plan
   * its writes joins the same statement. A projection that cannot, or a beforeCommit hook, makes it a
   * transaction around that statement.
   */
  async append(
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const recordedAt = this.clock();
    const pending: PendingEvent[] = events.map((event) => ({
      streamId,
      eventId: event.eventId ?? randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion ?? 1,
      data: event.data,
      metadata: event.metadata ?? {},
      recordedAt,
    }));
    const canonical = pending.map(canonicalParts);
    const code = expectedCode(expected);
    const values: unknown[] = [
      streamId,
      options.streamType ?? streamId.split('-')[0],
      code,
      recordedAt,
      ...(pending.length === 1
        ? [pending[0].eventId, pending[0].type, pending[0].schemaVersion, canonical[0].head, canonical[0].tail]
        : [
            pending.map((event) => event.eventId),
            pending.map((event) => event.type),
            pending.map((event) => event.schemaVersion),
            canonical.map((parts) => parts.head),
            canonical.map((parts) => parts.tail),
          ]),
    ];
    const param = (value: unknown): string => `$${values.push(value)}`;
    const loaded = options.loaded !== undefined && options.loaded.length === code ? options.loaded : undefined;
    const planned: string[] = [];
    const deferred: InlineProjection[] = [];
    for (const projection of this.projections) {
      const handled = pending.filter((event) => handledBy(projection, event.type));
      if (handled.length === 0) continue;
      const part = projection.planAppend?.({ streamId, events: handled, loaded, param }) ?? null;
      if (part === null) deferred.push(projection);
      else planned.push(part);
    }
    const append = pending.length === 1 ? APPEND_EVENT : APPEND_EVENTS;
    const query = statement(
      planned.length === 0
        ? `SELECT ${APPENDED_COLUMNS} FROM ${append} AS appended ORDER BY stream_version`
        : `WITH ${[`appended AS (SELECT * FROM ${append})`, ...planned.map((part, i) => `inline_${i} AS (${part})`)].join(',\n')}
       SELECT ${APPENDED_COLUMNS} FROM appended ORDER BY stream_version`,
    );
    try {
      const result =
        deferred.length === 0 && !options.beforeCommit
          ? this.appendResult(streamId, await this.db.query<AppendedRow>(query, values))
          : await this.db.transaction(async (tx) => {
              const { rows } = await tx.query<AppendedRow>({ ...query, values });
              const appended = this.appendResult(streamId, rows);
              if (deferred.length > 0) {
                const stored: StoredEvent[] = pending.map((event, index) => ({
                  ...event,
                  streamVersion: rows[index].stream_version,
                  globalPosition: rows[index].global_position,
                  transactionId: rows[index].transaction_id,
                  prevHash: rows[index].prev_hash,
                  hash: rows[index].hash,
                }));
                for (const projection of deferred) {
                  const handled = stored.filter((event) => handledBy(projection, event.type));
                  if (projection.applyBatch) await projection.applyBatch(handled, tx);
                  else for (const event of handled) await projection.apply(event, tx);
                }
              }
              await options.beforeCommit?.(tx, appended);
              return appended;
            });
      for (const listener of this.commitListeners) listener();
      return result;
    } catch (error) {
      const eventIds = pending.map((event) => event.eventId);
      if (error instanceof DatabaseError && error.code === VERSION_MISMATCH) {
        const replay = await this.findIdempotentAppend(streamId, eventIds);
        if (replay) return replay;
        throw versionConflict(streamId, expected, Number(error.detail));
      }
      if (isUniqueViolation(error, 'events_event_id_key')) {
        const replay = await this.findIdempotentAppend(streamId, eventIds);
        if (replay) return replay;
        throw eventIdsReused(streamId);
      }
      throw error;
    }
  }

  private appendResult(streamId: string, rows: readonly AppendedRow[]): AppendResult {
    return {
      streamId,
      version: rows[rows.length - 1].stream_version,
      idempotent: false,
      events: rows.map((row) => ({
        eventId: row.event_id,
        streamVersion: row.stream_version,
        globalPosition: row.global_position,
        transactionId: row.transaction_id,
      })),
    };
  }

  /** The first result again when every one of these ids is already stored, in order, in this stream. */
  private async findIdempotentAppend(streamId: string, eventIds: readonly string[]): Promise<AppendResult | null> {
    const rows = await this.db.query<EventRow>(
      `SELECT stream_id, stream_version, event_id, global_position, transaction_id::text AS transaction_id
       FROM events WHERE event_id = ANY($1::uuid[])`,
      [eventIds],
    );
    if (rows.length === 0) return null;
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    const ordered = eventIds.map((id) => byId.get(id));
    const first = ordered[0];
    const sameAppend =
      first !== undefined &&
      ordered.every(
        (row, index) => row !== undefined && row.stream_id === streamId && row.stream_version === first.stream_version + index,
      );
    if (!sameAppend) throw eventIdsReused(streamId);
    const last = ordered[ordered.length - 1] as EventRow;
    return {
      streamId,
      version: last.stream_version,
      idempotent: true,
      events: (ordered as EventRow[]).map((row) => ({
        eventId: row.event_id,
        streamVersion: row.stream_version,
        globalPosition: row.global_position,
        transactionId: row.transaction_id,
      })),
    };
  }

  async streamVersion(streamId: string): Promise<number> {
    const rows = await this.db.query<{ version: number }>('SELECT version FROM streams WHERE stream_id = $1', [streamId]);
    return rows[0]?.version ?? 0;
  }

  /** The place in the global order the log had reached at an instant: see as-of.ts. */
  cutAt(asOf: Date): Promise<Checkpoint> {
    return commitOrderCut(this.db, asOf);
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const before = options.before ?? (options.asOf === undefined ? undefined : await this.cutAt(options.asOf));
    const until = before ?? END_OF_LOG;
    const rows =
      options.toVersion === undefined && before === undefined
        ? await this.db.query<EventRow>(READ_STREAM, [streamId])
        : await this.db.query<EventRow>(READ_STREAM_UNTIL, [streamId, options.toVersion ?? 2 ** 31 - 1, until.transactionId, until.globalPosition]);
    return rows.map((row) => this.toStoredEvent(row));
  }

  /**
   * The whole stream as a command folds it before deciding: versions, types and (upcast) data only,
   * without the metadata, hashes and positions readStream decodes for every row.
   */
  async loadStream(streamId: string): Promise<LoadedEvent[]> {
    const rows = await this.db.query<Pick<EventRow, 'stream_version' | 'type' | 'schema_version' | 'data'>>(LOAD_STREAM, [streamId]);
    return rows.map((row) => ({ streamVersion: row.stream_version, type: row.type, data: this.upcast(row.type, row.schema_version, row.data).data }));
  }

  /**
   * Events in global order after a checkpoint. Only transactions older than every one still open are
   * read, so an event that commits late can never be skipped by a reader that already moved past it.
   */
  async readAll(after: Checkpoint, limit: number, options: { aboveHorizon?: boolean; visibleTo?: readonly string[] | null } = {}): Promise<StoredEvent[]> {
    // aboveHorizon is only safe for a reader that holds off every writer it cares about (a rebuild's
    // final catch-up under a table lock); anyone else could skip a transaction that commits later.
    const horizon = options.aboveHorizon ? '' : 'AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())';
    // visibleTo: only streams these desks may see (stream_visible, migration 1764320600000); null is every desk.
    const visible = options.visibleTo ? 'AND stream_visible(stream_id, $4)' : '';
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) ${horizon} ${visible}
       ORDER BY events.transaction_id, events.global_position
       LIMIT $3`,
      [after.transactionId, after.globalPosition, limit, ...(options.visibleTo ? [options.visibleTo] : [])],
    );
    return rows.map((row) => this.toStoredEvent(row));
  }

  checkpointOf(event: Pick<StoredEvent, 'transactionId' | 'globalPosition'>): string {
    return formatCheckpoint(event);
  }

  /** An event's data in its current shape: the upcasters from its stored schema version on, in turn. */
  private upcast(type: string, stored: number, storedData: Record<string, unknown>): { data: Record<string, unknown>; schemaVersion: number } {
    let data = storedData;
    let schemaVersion = stored;
    for (let upcaster = this.upcasters.get(`${type}@${schemaVersion}`); upcaster; ) {
      data = upcaster.upcast(data);
      schemaVersion += 1;
      upcaster = this.upcasters.get(`${type}@${schemaVersion}`);
    }
    return { data, schemaVersion };
  }

  private toStoredEvent(row: EventRow): StoredEvent {
    const { data, schemaVersion } = this.upcast(row.type, row.schema_version, row.data);
    return {
      globalPosition: row.global_position,
      transactionId: row.transaction_id,
      streamId: row.stream_id,
      streamVersion: row.stream_version,
      eventId: row.event_id,
      type: row.type,
      schemaVersion,
      data,
      metadata: row.metadata,
      recordedAt: new Date(Number(row.recorded_ms)),
      prevHash: row.prev_hash,
      hash: row.hash,
    };
  }
}
