import type { Tx } from '../database/database';
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
  create(table: (name: string) => string): InlineProjection;
}

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
