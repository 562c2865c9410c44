import { randomUUID } from 'node:crypto';
import { DatabaseError } from 'pg';
import type { Database, Tx } from '../database/database';
import { formatCheckpoint, type Checkpoint } from './checkpoint';
import { eventHash } from './event-hash';
import { eventIdsReused, versionConflict } from './event-store.errors';
import type {
  AppendOptions,
  AppendResult,
  ExpectedVersion,
  InlineProjection,
  NewEvent,
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
  recorded_at: Date;
  prev_hash: Buffer | null;
  hash: Buffer;
}

const EVENT_COLUMNS = `global_position, transaction_id::text AS transaction_id, stream_id, stream_version, event_id,
  type, schema_version, data, metadata, recorded_at, prev_hash, hash`;

const INSERT_EVENTS = `
  INSERT INTO events (stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
  SELECT $1, x.v, x.e, x.t, x.s, x.d, x.m, $2, x.p, x.h
  FROM unnest($3::int[], $4::uuid[], $5::text[], $6::int[], $7::jsonb[], $8::jsonb[], $9::bytea[], $10::bytea[])
    WITH ORDINALITY AS x(v, e, t, s, d, m, p, h, n)
  ORDER BY x.n
  RETURNING global_position, transaction_id::text AS transaction_id, stream_version, event_id`;

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

  async append(
    streamId: string,
    expected: ExpectedVersion,
    events: readonly NewEvent[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const prepared = events.map((event) => ({ ...event, eventId: event.eventId ?? randomUUID() }));
    try {
      const result = await this.db.transaction((tx) => this.appendInTransaction(tx, streamId, expected, prepared, options));
      if (!result.idempotent) for (const listener of this.commitListeners) listener();
      return result;
    } catch (error) {
      if (isUniqueViolation(error, 'events_event_id_key')) {
        const replay = await this.findIdempotentAppend(streamId, prepared.map((event) => event.eventId));
        if (replay) return replay;
        throw eventIdsReused(streamId);
      }
      throw error;
    }
  }

  private async appendInTransaction(
    tx: Tx,
    streamId: string,
    expected: ExpectedVersion,
    events: readonly (NewEvent & { eventId: string })[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const stream = await this.lockStream(tx, streamId, options.streamType ?? streamId.split('-')[0]);
    if (!this.matches(expected, stream)) {
      const replay = await this.findIdempotentAppend(streamId, events.map((event) => event.eventId), tx);
      if (replay) return replay;
      throw versionConflict(streamId, expected, stream.version);
    }
    const recordedAt = this.clock();
    let prevHash = stream.lastHash;
    const stored = events.map((event, index) => {
      const fields = {
        streamId,
        streamVersion: stream.version + index + 1,
        eventId: event.eventId,
        type: event.type,
        schemaVersion: event.schemaVersion ?? 1,
        data: event.data,
        metadata: event.metadata ?? {},
        recordedAt,
      };
      const hash = eventHash(prevHash, fields);
      const withHash = { ...fields, prevHash, hash };
      prevHash = hash;
      return withHash;
    });
    const inserted = await tx.query<{
      global_position: string;
      transaction_id: string;
      stream_version: number;
      event_id: string;
    }>(INSERT_EVENTS, [
      streamId,
      recordedAt,
      stored.map((e) => e.streamVersion),
      stored.map((e) => e.eventId),
      stored.map((e) => e.type),
      stored.map((e) => e.schemaVersion),
      stored.map((e) => JSON.stringify(e.data)),
      stored.map((e) => JSON.stringify(e.metadata)),
      stored.map((e) => e.prevHash),
      stored.map((e) => e.hash),
    ]);
    const version = stream.version + events.length;
    await tx.query('UPDATE streams SET version = $2, last_hash = $3, updated_at = $4 WHERE stream_id = $1', [
      streamId,
      version,
      prevHash,
      recordedAt,
    ]);
    const full: StoredEvent[] = stored.map((event, index) => ({
      ...event,
      globalPosition: inserted.rows[index].global_position,
      transactionId: inserted.rows[index].transaction_id,
    }));
    for (const event of full) {
      for (const projection of this.projections) {
        if (projection.handles === '*' || projection.handles.includes(event.type)) await projection.apply(event, tx);
      }
    }
    const result: AppendResult = {
      streamId,
      version,
      idempotent: false,
      events: inserted.rows.map((row) => ({
        eventId: row.event_id,
        streamVersion: row.stream_version,
        globalPosition: row.global_position,
        transactionId: row.transaction_id,
      })),
    };
    await options.beforeCommit?.(tx, result);
    return result;
  }

  /** Locks the stream row for this transaction, creating it when absent; concurrent appenders queue here. */
  private async lockStream(tx: Tx, streamId: string, type: string): Promise<{ exists: boolean; version: number; lastHash: Buffer | null }> {
    // An advisory lock assigns no transaction id, so appenders to one stream get their ids only once
    // they hold it: within a stream, the (transaction_id, global_position) order is the version order.
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamId]);
    for (;;) {
      const found = await tx.query<{ version: number; last_hash: Buffer | null }>(
        'SELECT version, last_hash FROM streams WHERE stream_id = $1 FOR UPDATE',
        [streamId],
      );
      if (found.rows.length > 0) {
        return { exists: found.rows[0].version > 0, version: found.rows[0].version, lastHash: found.rows[0].last_hash };
      }
      const created = await tx.query(
        'INSERT INTO streams (stream_id, type, version) VALUES ($1, $2, 0) ON CONFLICT (stream_id) DO NOTHING RETURNING version',
        [streamId, type],
      );
      if (created.rows.length > 0) return { exists: false, version: 0, lastHash: null };
    }
  }

  private matches(expected: ExpectedVersion, stream: { exists: boolean; version: number }): boolean {
    switch (expected) {
      case 'any':
        return true;
      case 'no_stream':
        return !stream.exists;
      case 'stream_exists':
        return stream.exists;
      default:
        return stream.version === expected;
    }
  }

  /** The first result again when every one of these ids is already stored, in order, in this stream. */
  private async findIdempotentAppend(streamId: string, eventIds: readonly string[], tx?: Tx): Promise<AppendResult | null> {
    const sql = `SELECT stream_id, stream_version, event_id, global_position, transaction_id::text AS transaction_id
                 FROM events WHERE event_id = ANY($1::uuid[])`;
    const rows = tx
      ? (await tx.query<EventRow>(sql, [eventIds])).rows
      : await this.db.query<EventRow>(sql, [eventIds]);
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

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE stream_id = $1 AND ($2::int IS NULL OR stream_version <= $2) AND ($3::timestamptz IS NULL OR recorded_at <= $3)
       ORDER BY stream_version`,
      [streamId, options.toVersion ?? null, options.asOf ?? null],
    );
    return rows.map((row) => this.toStoredEvent(row));
  }

  /**
   * Events in global order after a checkpoint. Only transactions older than every one still open are
   * read, so an event that commits late can never be skipped by a reader that already moved past it.
   */
  async readAll(after: Checkpoint, limit: number): Promise<StoredEvent[]> {
    const rows = await this.db.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY events.transaction_id, events.global_position
       LIMIT $3`,
      [after.transactionId, after.globalPosition, limit],
    );
    return rows.map((row) => this.toStoredEvent(row));
  }

  checkpointOf(event: Pick<StoredEvent, 'transactionId' | 'globalPosition'>): string {
    return formatCheckpoint(event);
  }

  private toStoredEvent(row: EventRow): StoredEvent {
    let data = row.data;
    let schemaVersion = row.schema_version;
    for (let upcaster = this.upcasters.get(`${row.type}@${schemaVersion}`); upcaster; ) {
      data = upcaster.upcast(data);
      schemaVersion += 1;
      upcaster = this.upcasters.get(`${row.type}@${schemaVersion}`);
    }
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
      recordedAt: row.recorded_at,
      prevHash: row.prev_hash,
      hash: row.hash,
    };
  }
}
