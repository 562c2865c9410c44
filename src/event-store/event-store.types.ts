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
}

export interface ReadStreamOptions {
  /** Fold up to and including this stream version. */
  readonly toVersion?: number;
  /** Fold the events recorded at or before this instant. */
  readonly asOf?: Date;
}
