import type { Tx } from '../database/database';
import type { Checkpoint } from '../event-store/checkpoint';
import type { InlineProjection, StoredEvent } from '../event-store/event-store.types';

/**
 * One projection, runnable two ways: inline (inside the append transaction) or async (a catch-up
 * worker). `create` binds it to table names, so a rebuild can write the same logic into fresh tables.
 */
export interface ProjectionDefinition {
  readonly name: string;
  readonly mode: 'inline' | 'async';
  /** Every table the projection writes; a rebuild builds a copy of each and swaps them in together. */
  readonly tables: readonly string[];
  create(table: (name: string) => string, use?: ProjectionUse): InlineProjection;
}

/** How the projection a definition creates will be used. */
export interface ProjectionUse {
  /**
   * Nothing else writes its tables while it lives (a rebuild's shadow tables before the swap), so it may
   * remember rows it wrote instead of reading them back. An instance whose transaction failed must be dropped.
   */
  readonly soleWriter?: boolean;
}

/**
 * A sole writer that holds changed rows back until their streams go quiet, to write each row once rather
 * than at every batch that touches it. Its tables hold every event before `heldFrom()`, and some after.
 */
export interface HoldingProjection extends InlineProjection {
  /** The earliest event applied but not yet written, or null when every applied event is written. */
  heldFrom(): Checkpoint | null;
  /** Writes every row held back. */
  flush(tx: Tx): Promise<void>;
}

export const isHolding = (projection: InlineProjection): projection is HoldingProjection => 'heldFrom' in projection;

/** Event fields beyond its place, stream, type and data; a replay reads only those its projection names. */
export type EventDetail = 'eventId' | 'metadata' | 'recordedAt' | 'hashes';

export const ALL_DETAILS: readonly EventDetail[] = ['eventId', 'metadata', 'recordedAt', 'hashes'];

/** A projection that names the event details it reads, so that replays (rebuild, catch-up) read no others. */
export interface ReplayableProjection extends InlineProjection {
  readonly replayDetails: readonly EventDetail[];
}

/** The event details a replay must read for this projection: all of them unless it names its own. */
export const replayDetailsOf = (projection: InlineProjection): ReadonlySet<EventDetail> =>
  new Set('replayDetails' in projection ? (projection as ReplayableProjection).replayDetails : ALL_DETAILS);

/** Whether global position `a` comes after `b`: both are bigint text, so no BigInt is needed to compare them. */
export const isLaterPosition = (a: string, b: string): boolean => (a.length === b.length ? a > b : a.length > b.length);

export const handles = (projection: InlineProjection, type: string): boolean =>
  projection.handles === '*' || projection.handles.includes(type);

export const applyAll = async (projection: InlineProjection, events: readonly StoredEvent[], tx: Tx): Promise<void> => {
  const relevant = events.filter((event) => handles(projection, event.type));
  if (relevant.length === 0) return;
  if (projection.applyBatch) {
    await projection.applyBatch(relevant, tx);
    return;
  }
  for (const event of relevant) await projection.apply(event, tx);
};

export const sameTable = (name: string): string => name;
