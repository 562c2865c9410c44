import type { DomainEvent } from '../common/decider';
import type { Tx } from '../database/database';
import type { InlineProjection, StoredEvent } from '../event-store/event-store.types';

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

const idOf = (event: StoredEvent): string => event.streamId.slice(event.streamId.indexOf('-') + 1);

/**
 * A read model row per stream holding the folded aggregate state. The row remembers the last global
 * position it applied, so replaying an event it has seen changes nothing.
 */
export const stateViewProjection = <State>(definition: StateViewDefinition<State>): InlineProjection => ({
  name: definition.name,
  handles: definition.handles,
  async apply(event: StoredEvent, tx: Tx): Promise<void> {
    const id = idOf(event);
    const { rows } = await tx.query<{ state: State; last_position: string }>(
      `SELECT state, last_position FROM ${definition.table} WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (rows[0] && BigInt(rows[0].last_position) >= BigInt(event.globalPosition)) return;
    const state = definition.evolve(rows[0]?.state ?? definition.initialState, { type: event.type, data: event.data });
    const columns = Object.entries(definition.columns(state));
    const names = ['id', 'version', 'created_position', 'last_position', 'state', ...columns.map(([name]) => name)];
    const placeholders = names.map((_, i) => `$${i + 1}`);
    const updates = names.filter((name) => name !== 'id' && name !== 'created_position').map((name) => `${name} = EXCLUDED.${name}`);
    await tx.query(
      `INSERT INTO ${definition.table} (${names.join(', ')}) VALUES (${placeholders.join(', ')})
       ON CONFLICT (id) DO UPDATE SET ${updates.join(', ')}`,
      [id, event.streamVersion, event.globalPosition, event.globalPosition, JSON.stringify(state), ...columns.map(([, value]) => value)],
    );
  },
});
