import type { Database } from '../database/database';
import type { Checkpoint } from '../event-store/checkpoint';
import type { EventStore } from '../event-store/event-store';
import type { EventMetadata, InlineProjection, StoredEvent } from '../event-store/event-store.types';
import { ALL_DETAILS, replayDetailsOf, type EventDetail } from './projection';

const FIELDS: Record<Exclude<EventDetail, 'recordedAt'>, readonly (keyof StoredEvent)[]> = {
  eventId: ['eventId'],
  metadata: ['metadata'],
  hashes: ['prevHash', 'hash'],
};

const COLUMNS: Record<EventDetail, readonly string[]> = {
  eventId: ['event_id'],
  metadata: ['metadata'],
  // As the store reads it: exact epoch milliseconds, what a JavaScript Date holds.
  recordedAt: [`(EXTRACT(EPOCH FROM date_trunc('milliseconds', recorded_at)) * 1000)::bigint`],
  hashes: ['prev_hash', 'hash'],
};

// Every column arrives as its text, untouched, except jsonb: pg's default parsers (a regular
// expression per bigint, a Buffer per bytea, an object per row) cost more than the projections did.
const asText = (value: string): string => value;
const TYPES = { getTypeParser: (oid: number) => (oid === 3802 ? JSON.parse : asText) };

const bytes = (hex: string | null): Buffer | null => (hex === null ? null : Buffer.from(hex.slice(2), 'hex'));

/** One page of the global order: the events the projection handles, and where the page ended. */
export interface ReplayPage {
  readonly events: StoredEvent[];
  /** The last event read, handled or not; null when there was none. */
  readonly end: Checkpoint | null;
  /** Events read, handled or not. */
  readonly count: number;
}

type EventConstructor = new (row: unknown[]) => StoredEvent;

/**
 * A class per set of details: the details read are own fields (the recorded time becomes a Date only
 * when asked for); the others throw when read, so a projection that forgets to name one fails loudly
 * instead of seeing a wrong value.
 */
const eventClass = (details: ReadonlySet<EventDetail>): EventConstructor => {
  const [eventId, metadata, recordedAt, hashes] = ALL_DETAILS.map((detail) => details.has(detail));
  class ReplayedEvent implements StoredEvent {
    // `declare`: no own field unless the constructor sets it, so the prototype's throwing getters show.
    declare readonly transactionId: string;
    declare readonly globalPosition: string;
    declare readonly streamId: string;
    declare readonly streamVersion: number;
    declare readonly type: string;
    declare readonly schemaVersion: number;
    declare readonly data: Record<string, unknown>;
    declare readonly eventId: string;
    declare readonly metadata: EventMetadata;
    declare readonly prevHash: Buffer | null;
    declare readonly hash: Buffer;
    readonly #recordedMs: number;

    constructor(row: unknown[]) {
      this.transactionId = row[0] as string;
      this.globalPosition = row[1] as string;
      this.streamId = row[2] as string;
      this.streamVersion = Number(row[3]);
      this.type = row[4] as string;
      this.schemaVersion = Number(row[5]);
      this.data = row[6] as Record<string, unknown>;
      let column = 7;
      if (eventId) this.eventId = row[column++] as string;
      if (metadata) this.metadata = row[column++] as EventMetadata;
      this.#recordedMs = recordedAt ? Number(row[column++]) : Number.NaN;
      if (hashes) {
        this.prevHash = bytes(row[column++] as string | null);
        this.hash = bytes(row[column] as string) as Buffer;
      }
    }

    get recordedAt(): Date {
      if (!recordedAt) throw unread('recordedAt', 'recordedAt');
      return new Date(this.#recordedMs);
    }
  }
  for (const detail of (['eventId', 'metadata', 'hashes'] as const).filter((d) => !details.has(d))) {
    for (const field of FIELDS[detail]) {
      Object.defineProperty(ReplayedEvent.prototype, field, {
        get: () => {
          throw unread(field, detail);
        },
      });
    }
  }
  return ReplayedEvent;
};

const unread = (field: string, detail: EventDetail): Error =>
  new Error(`event.${field} was not read for this replay: name '${detail}' in the projection's replayDetails`);

/**
 * Reads the global order as EventStore.readAll does (same rows, same order, same horizon) for the
 * replays that read millions of events (rebuilds, catch-up): rows come as arrays of text; only the
 * event details the projection names are selected, and only for the event types it handles (of
 * the others, just their place in the order, so that a page still ends where the log does).
 *
 * The store applies upcasters as it reads and keeps them to itself. So the first time a (type,
 * schema version) appears, one event of it is read through the store: if the store upcasts it, every
 * page holding such events is read through the store instead.
 */
export class ReplayReader {
  private readonly text: string;
  private readonly handled: ReadonlySet<string> | null;
  private readonly Event: EventConstructor;
  /** Per type, per schema version: whether the store upcasts it. */
  private readonly upcast = new Map<string, boolean[]>();

  constructor(
    private readonly db: Database,
    private readonly store: EventStore,
    projection: InlineProjection,
  ) {
    const details = replayDetailsOf(projection);
    this.handled = projection.handles === '*' ? null : new Set(projection.handles);
    this.Event = eventClass(details);
    const columns = ['stream_id', 'stream_version', 'type', 'schema_version', 'data', ...ALL_DETAILS.filter((d) => details.has(d)).flatMap((d) => COLUMNS[d])];
    const page = `SELECT * FROM events
      WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint) AND ($3 OR transaction_id < pg_snapshot_xmin(pg_current_snapshot()))
      ORDER BY events.transaction_id, events.global_position
      LIMIT $4`;
    // Of the events the projection does not handle only the last one comes back (where the page ends),
    // with its row number (how many the page holds).
    this.text = this.handled
      ? `SELECT transaction_id::text, global_position, ${columns.map((c) => (c === 'type' ? c : `CASE WHEN handled THEN ${c} END`)).join(', ')}, n
         FROM (SELECT page.*, type = ANY($5::text[]) AS handled, row_number() OVER w AS n, lead(true) OVER w IS NULL AS last
               FROM (${page}) page WINDOW w AS (ORDER BY transaction_id, global_position)) p
         WHERE handled OR last
         ORDER BY p.transaction_id, p.global_position`
      : `SELECT transaction_id::text, global_position, ${columns.join(', ')} FROM (${page}) page`;
  }

  /** aboveHorizon: see EventStore.readAll; only for a reader that holds off every writer it cares about. */
  async read(after: Checkpoint, limit: number, options: { aboveHorizon?: boolean } = {}): Promise<ReplayPage> {
    const { rows } = await this.db.pool.query<unknown[]>({
      text: this.text,
      values: [after.transactionId, after.globalPosition, options.aboveHorizon ?? false, limit, ...(this.handled ? [[...this.handled]] : [])],
      rowMode: 'array',
      types: TYPES,
    });
    if (rows.length === 0) return { events: [], end: null, count: 0 };
    const last = rows[rows.length - 1];
    const events: StoredEvent[] = [];
    for (const row of rows) if (!this.handled || this.handled.has(row[4] as string)) events.push(new this.Event(row));
    if (await this.anyUpcast(events)) {
      const stored = await this.store.readAll(after, limit, options);
      return { events: stored.filter((event) => !this.handled || this.handled.has(event.type)), end: stored[stored.length - 1] ?? null, count: stored.length };
    }
    const end = { transactionId: last[0] as string, globalPosition: last[1] as string };
    return { events, end, count: this.handled ? Number(last[last.length - 1]) : rows.length };
  }

  /** Whether the store would upcast any of these events; asks it once per (type, schema version). */
  private async anyUpcast(events: readonly StoredEvent[]): Promise<boolean> {
    let found = false;
    for (const event of events) {
      let versions = this.upcast.get(event.type);
      if (!versions) this.upcast.set(event.type, (versions = []));
      let upcast = versions[event.schemaVersion];
      if (upcast === undefined) {
        const before: Checkpoint = { transactionId: event.transactionId, globalPosition: (BigInt(event.globalPosition) - 1n).toString() };
        const [seen] = await this.store.readAll(before, 1, { aboveHorizon: true });
        upcast = versions[event.schemaVersion] = seen?.globalPosition !== event.globalPosition || seen.schemaVersion !== event.schemaVersion;
      }
      found ||= upcast;
    }
    return found;
  }
}
