import { statement, type Tx } from '../../database/database';
import type { StoredEvent } from '../../event-store/event-store.types';
import { isLaterPosition, type ProjectionDefinition, type ReplayableProjection } from '../../projections/projection';
import type { ClaimEvent } from '../claim.decider';

const RECENT_CHANGES = 200;

const claimIdOf = (event: StoredEvent): string => event.streamId.slice('claim-'.length);

interface Row {
  claim_id: string;
  last_position: string;
  [column: string]: unknown;
}

/**
 * Folds a batch of events onto the rows they touch in memory, then writes each row once: two
 * statements per batch however many events it holds. A row skips events at or below the position it
 * last applied, so applying a batch twice changes nothing. `evolve` returns the row to write (a new
 * one, or the one it was given, changed in place) or undefined to leave it as it was.
 */
const rowFolder = (
  table: string,
  columns: readonly string[],
  evolve: (row: Row | undefined, event: ClaimEvent, id: string) => Row | undefined,
): ((events: readonly StoredEvent[], tx: Tx) => Promise<void>) => {
  const select = statement(`SELECT ${columns.join(', ')} FROM ${table} WHERE claim_id = ANY($1::uuid[])`);
  // One JSON document of rows, typed by the table's own row type: cheaper to send than a parameter per column.
  const upsert = statement(
    `INSERT INTO ${table} (${columns.join(', ')})
     SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${table}, $1)
     ON CONFLICT (claim_id) DO UPDATE SET ${columns.filter((n) => n !== 'claim_id').map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`,
  );
  return async (events, tx) => {
    const relevant = events.filter((event) => event.streamId.startsWith('claim-'));
    if (relevant.length === 0) return;
    const ids = [...new Set(relevant.map(claimIdOf))];
    const { rows } = await tx.query<Row>({ ...select, values: [ids] });
    const current = new Map<string, Row>(rows.map((row) => [row.claim_id, row]));
    const changed = new Set<Row>();
    for (const event of relevant) {
      const id = claimIdOf(event);
      const row = current.get(id);
      if (row && !isLaterPosition(event.globalPosition, row.last_position)) continue;
      const next = evolve(row, { type: event.type, data: event.data } as ClaimEvent, id);
      if (!next) continue;
      next.last_position = event.globalPosition;
      if (next !== row) {
        if (row) changed.delete(row);
        current.set(id, next);
      }
      changed.add(next);
    }
    if (changed.size === 0) return;
    await tx.query({ ...upsert, values: [JSON.stringify([...changed])] });
  };
};

const DASHBOARD_COLUMNS = ['claim_id', 'story_id', 'statement', 'kind', 'verdict', 'topics', 'due_at', 'resolved', 'withdrawn', 'updated_at', 'last_position'];

const evolveDashboardRow = (row: Row | undefined, e: ClaimEvent, id: string): Row | undefined => {
  if (e.type === 'ClaimRecorded') {
    if (row) return undefined;
    return {
      claim_id: id,
      story_id: e.data.storyId,
      statement: e.data.statement,
      kind: e.data.kind,
      verdict: 'unverified',
      topics: e.data.topics,
      due_at: e.data.dueAt,
      resolved: false,
      withdrawn: false,
      updated_at: e.data.at,
      last_position: '0',
    };
  }
  if (!row) return undefined;
  switch (e.type) {
    case 'VerdictChanged':
      return Object.assign(row, { verdict: e.data.to, updated_at: e.data.at });
    case 'ForecastResolved':
      return Object.assign(row, { resolved: true, updated_at: e.data.at });
    case 'ClaimReworded':
      return Object.assign(row, { statement: e.data.to, updated_at: e.data.at });
    case 'ClaimWithdrawn':
    case 'ClaimReinstated':
      return Object.assign(row, { withdrawn: e.type === 'ClaimWithdrawn', updated_at: e.data.at });
    default:
      return row;
  }
};

/** Async: what the desk's dashboard counts per claim, and the latest changes across the whole log. */
export const dashboardProjection: ProjectionDefinition = {
  name: 'dashboard',
  mode: 'async',
  tables: ['dashboard_claims', 'dashboard_changes'],
  create: (table): ReplayableProjection => {
    const foldClaims = rowFolder(table('dashboard_claims'), DASHBOARD_COLUMNS, evolveDashboardRow);
    const changes = table('dashboard_changes');
    // Two statements: a DELETE in the same statement as the INSERT would not see the rows just added.
    // Who and when come from the log itself, for these few events only: a replay then needs neither
    // the metadata nor the recorded time of the millions of events before them.
    const recordChanges = statement(
      `INSERT INTO ${changes} (global_position, stream_id, type, at, actor)
       SELECT global_position, stream_id, type, date_trunc('milliseconds', recorded_at),
              CASE WHEN jsonb_typeof(metadata -> 'actor') = 'string' THEN metadata ->> 'actor' END
       FROM events WHERE global_position = ANY($1::bigint[])
       ON CONFLICT DO NOTHING`,
    );
    const keepRecent = statement(
      `DELETE FROM ${changes} WHERE global_position <
         (SELECT min(global_position) FROM (SELECT global_position FROM ${changes} ORDER BY global_position DESC LIMIT ${RECENT_CHANGES}) latest)`,
    );
    const applyBatch = async (events: readonly StoredEvent[], tx: Tx) => {
      await foldClaims(events, tx);
      await tx.query({ ...recordChanges, values: [events.slice(-RECENT_CHANGES).map((e) => e.globalPosition)] });
      await tx.query({ ...keepRecent, values: [] });
    };
    return { name: 'dashboard', handles: '*', replayDetails: [], apply: (event, tx) => applyBatch([event], tx), applyBatch };
  },
};

const SEARCH_COLUMNS = ['claim_id', 'story_id', 'statement', 'actors', 'withdrawn', 'last_position'];

const evolveSearchRow = (row: Row | undefined, e: ClaimEvent, id: string): Row | undefined => {
  if (e.type === 'ClaimRecorded') {
    return row ? undefined : { claim_id: id, story_id: e.data.storyId, statement: e.data.statement, actors: e.data.actors.join(' '), withdrawn: false, last_position: '0' };
  }
  if (!row) return undefined;
  if (e.type === 'ClaimReworded') return Object.assign(row, { statement: e.data.to });
  if (e.type === 'ClaimWithdrawn' || e.type === 'ClaimReinstated') return Object.assign(row, { withdrawn: e.type === 'ClaimWithdrawn' });
  return undefined;
};

/** Async: the full-text index behind GET /api/claims?q=. */
export const claimSearchProjection: ProjectionDefinition = {
  name: 'claim_search',
  mode: 'async',
  tables: ['claim_search'],
  create: (table): ReplayableProjection => {
    const applyBatch = rowFolder(table('claim_search'), SEARCH_COLUMNS, evolveSearchRow);
    return {
      name: 'claim_search',
      handles: ['ClaimRecorded', 'ClaimReworded', 'ClaimWithdrawn', 'ClaimReinstated'],
      replayDetails: [],
      apply: (event, tx) => applyBatch([event], tx),
      applyBatch,
    };
  },
};
