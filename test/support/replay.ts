import type { Database } from '../../src/database/database';
import { START, type Checkpoint } from '../../src/event-store/checkpoint';
import type { EventStore } from '../../src/event-store/event-store';
import { applyAll, type ProjectionDefinition } from '../../src/projections/projection';

/**
 * Replays a projection from the first event into fresh `<table>_replay` tables and counts the rows
 * that differ from the live tables, both ways. Zero means the live read model equals a full replay.
 *
 * Call it once no append is in flight: it reads every committed event, above the snapshot horizon
 * too, since a long transaction in another database of the same server (another test suite, a
 * benchmark) holds the horizon back and the replay would otherwise stop short of the live tables.
 */
export const differencesFromReplay = async (db: Database, store: EventStore, definition: ProjectionDefinition): Promise<Record<string, number>> => {
  const replay = (table: string) => `${table}_replay`;
  for (const table of definition.tables) {
    await db.query(`DROP TABLE IF EXISTS ${replay(table)}`);
    await db.query(`CREATE TABLE ${replay(table)} (LIKE ${table} INCLUDING ALL)`);
  }
  const projection = definition.create(replay);
  let checkpoint: Checkpoint = START;
  const page = () => store.readAll(checkpoint, 5000, { aboveHorizon: true });
  for (let events = await page(); events.length > 0; events = await page()) {
    await db.transaction((tx) => applyAll(projection, events, tx));
    checkpoint = events[events.length - 1];
  }
  const differences: Record<string, number> = {};
  for (const table of definition.tables) {
    const [{ count }] = await db.query<{ count: number }>(
      // Rows as jsonb: a json column (the state views) has no equality operator, and equal documents compare equal.
      `WITH a AS (SELECT to_jsonb(t) AS row FROM ${table} t), b AS (SELECT to_jsonb(t) AS row FROM ${replay(table)} t)
       SELECT count(*)::int AS count FROM ((TABLE a EXCEPT TABLE b) UNION ALL (TABLE b EXCEPT TABLE a)) d`,
    );
    differences[table] = count;
    await db.query(`DROP TABLE ${replay(table)}`);
  }
  return differences;
};
