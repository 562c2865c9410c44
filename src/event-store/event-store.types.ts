import type { Tx } from '../database/database';

/** A number (exact stream version), or a condition on the stream's existence. */
export type ExpectedVersion = number | 'no_stream' | 'stream_exists' | 'any';

export interface EventMetadata {
  readonly actor?: string;
  readonly role?: string;
  readonly reason?: string;
  readonly requestId?: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly [key: string]: unknown;
}

export interface NewEvent {
  readonly eventId?: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata?: EventMetadata;
  readonly schemaVersion?: number;
}

export interface StoredEvent {
  readonly globalPosition: string;
  readonly transactionId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
  readonly recordedAt: Date;
  readonly prevHash: Buffer | null;
  readonly hash: Buffer;
}

/** What folding a stream needs of each event (EventStore.loadStream): its version, type and upcast data. */
export type LoadedEvent = Pick<StoredEvent, 'streamVersion' | 'type' | 'data'>;

export interface AppendResult {
  readonly streamId: string;
  /** The stream's version after the append. */
  readonly version: number;
  readonly events: readonly Pick<StoredEvent, 'eventId' | 'streamVersion' | 'globalPosition' | 'transactionId'>[];
  /** True when these event ids were already stored at these positions: nothing was written. */
  readonly idempotent: boolean;
}

/** The port an inline projection implements: it runs inside the append transaction. */
export interface InlineProjection {
  readonly name: string;
  /** The event types it applies, or '*' for every event. */
  readonly handles: readonly string[] | '*';
  apply(event: StoredEvent, tx: Tx): Promise<void>;
  /** Optional: apply many events in one go (catch-up and rebuild); must equal applying them one by one. */
  applyBatch?(events: readonly StoredEvent[], tx: Tx): Promise<void>;
  /**
   * Optional: this projection's writes for one append as a single data-modifying SQL statement that runs
   * inside the append's own statement (so an append with inline projections is still one round trip).
   * It reads the new events from the relation `appended` (global_position, transaction_id, stream_id,
   * stream_version, event_id, type, recorded_at, data, metadata, prev_hash, hash). Returns null when it
   * cannot, and then apply/applyBatch runs in the append transaction instead.
   */
  planAppend?(append: PlannedAppend): string | null;
}

/** An event about to be appended: everything but what the database assigns. */
export type PendingEvent = Pick<StoredEvent, 'streamId' | 'eventId' | 'type' | 'schemaVersion' | 'data' | 'metadata' | 'recordedAt'>;

/** What a projection may use to plan its part of an append statement. */
export interface PlannedAppend {
  readonly streamId: string;
  /** The new events of the types the projection handles, in order. */
  readonly events: readonly PendingEvent[];
  /** The stream's earlier events when the caller read them and appends at exactly their version. */
  readonly loaded: readonly LoadedEvent[] | undefined;
  /** Adds a parameter to the statement and returns its placeholder. */
  param(value: unknown): string;
}

/** Turns an event stored under an older schema_version into the current shape, on read. */
export interface Upcaster {
  readonly type: string;
  readonly fromSchemaVersion: number;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

export interface AppendOptions {
  readonly streamType?: string;
  /** Runs inside the append transaction after the events and inline projections, before commit. */
  readonly beforeCommit?: (tx: Tx, result: AppendResult) => Promise<void>;
  /**
   * The whole stream as the caller read it before deciding, when it appends at exactly that version:
   * lets inline projections compute their rows without reading them back (the append still checks
   * the version, so a stale read fails as a conflict and never reaches a projection).
   */
  readonly loaded?: readonly LoadedEvent[];
}

export interface ReadStreamOptions {
  /** Fold up to and including this stream version. */
  readonly toVersion?: number;
  /** Fold the events of the log as it stood at this instant: the global-order prefix of as-of.ts. */
  readonly asOf?: Date;
  /** Fold the events before this place in the global order (exclusive), e.g. one cutAt() shared by many reads. */
  readonly before?: { readonly transactionId: string; readonly globalPosition: string };
}
