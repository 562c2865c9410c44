import type { Tx } from '../../database/database';
import type { InlineProjection, StoredEvent } from '../../event-store/event-store.types';
import type { ProjectionDefinition } from '../../projections/projection';
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
 * last applied, so applying a batch twice changes nothing.
 */
const foldRows = async (
  tx: Tx,
  table: string,
  columns: readonly { name: string; type: string }[],
  events: readonly StoredEvent[],
  evolve: (row: Row | undefined, event: ClaimEvent, id: string) => Row | undefined,
): Promise<void> => {
  const relevant = events.filter((event) => event.streamId.startsWith('claim-'));
  if (relevant.length === 0) return;
  const ids = [...new Set(relevant.map(claimIdOf))];
  const { rows } = await tx.query<Row>(`SELECT ${columns.map((c) => c.name).join(', ')} FROM ${table} WHERE claim_id = ANY($1::uuid[])`, [ids]);
  const current = new Map<string, Row>(rows.map((row) => [row.claim_id, row]));
  const changed = new Set<string>();
  for (const event of relevant) {
    const id = claimIdOf(event);
    const row = current.get(id);
    if (row && BigInt(row.last_position) >= BigInt(event.globalPosition)) continue;
    const next = evolve(row, { type: event.type, data: event.data } as ClaimEvent, id);
    if (!next) continue;
    current.set(id, { ...next, last_position: event.globalPosition });
    changed.add(id);
  }
  if (changed.size === 0) return;
  const written = [...changed].map((id) => current.get(id) as Row);
  const names = columns.map((c) => c.name);
  // Arrays travel as jsonb: unnest would flatten a two-dimensional text[] into single elements.
  const isArray = (c: { type: string }) => c.type === 'text[]';
  await tx.query(
    `INSERT INTO ${table} (${names.join(', ')})
     SELECT ${columns.map((c, i) => (isArray(c) ? `ARRAY(SELECT jsonb_array_elements_text(u.c${i}))` : `u.c${i}`)).join(', ')}
     FROM unnest(${columns.map((c, i) => `$${i + 1}::${isArray(c) ? 'jsonb' : c.type}[]`).join(', ')}) AS u(${columns.map((_, i) => `c${i}`).join(', ')})
     ON CONFLICT (claim_id) DO UPDATE SET ${names.filter((n) => n !== 'claim_id').map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`,
    columns.map((c) => written.map((row) => (isArray(c) ? JSON.stringify(row[c.name]) : row[c.name]))),
  );
};

const DASHBOARD_COLUMNS = [
  { name: 'claim_id', type: 'uuid' },
  { name: 'story_id', type: 'uuid' },
  { name: 'statement', type: 'text' },
  { name: 'kind', type: 'text' },
  { name: 'verdict', type: 'text' },
  { name: 'topics', type: 'text[]' },
  { name: 'due_at', type: 'timestamptz' },
  { name: 'resolved', type: 'boolean' },
  { name: 'withdrawn', type: 'boolean' },
  { name: 'updated_at', type: 'timestamptz' },
  { name: 'last_position', type: 'bigint' },
] as const;

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
      return { ...row, verdict: e.data.to, updated_at: e.data.at };
    case 'ForecastResolved':
      return { ...row, resolved: true, updated_at: e.data.at };
    case 'ClaimReworded':
      return { ...row, statement: e.data.to, updated_at: e.data.at };
    case 'ClaimWithdrawn':
    case 'ClaimReinstated':
      return { ...row, withdrawn: e.type === 'ClaimWithdrawn', updated_at: e.data.at };
    default:
      return { ...row };
  }
};

/** Async: what the desk's dashboard counts per claim, and the latest changes across the whole log. */
export const dashboardProjection: ProjectionDefinition = {
  name: 'dashboard',
  mode: 'async',
  tables: ['dashboard_claims', 'dashboard_changes'],
  create: (table): InlineProjection => {
    const applyBatch = async (events: readonly StoredEvent[], tx: Tx) => {
      await foldRows(tx, table('dashboard_claims'), DASHBOARD_COLUMNS, events, evolveDashboardRow);
      const recent = events.slice(-RECENT_CHANGES);
      const changes = table('dashboard_changes');
      // Two statements: a DELETE in the same statement as the INSERT would not see the rows just added.
      await tx.query(
        `INSERT INTO ${changes} (global_position, stream_id, type, at, actor)
         SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::timestamptz[], $5::text[]) ON CONFLICT DO NOTHING`,
        [
          recent.map((e) => e.globalPosition),
          recent.map((e) => e.streamId),
          recent.map((e) => e.type),
          recent.map((e) => e.recordedAt),
          recent.map((e) => (typeof e.metadata.actor === 'string' ? e.metadata.actor : null)),
        ],
      );
      await tx.query(
        `DELETE FROM ${changes} WHERE global_position <
           (SELECT min(global_position) FROM (SELECT global_position FROM ${changes} ORDER BY global_position DESC LIMIT ${RECENT_CHANGES}) latest)`,
      );
    };
    return { name: 'dashboard', handles: '*', apply: (event, tx) => applyBatch([event], tx), applyBatch };
  },
};

const SEARCH_COLUMNS = [
  { name: 'claim_id', type: 'uuid' },
  { name: 'story_id', type: 'uuid' },
  { name: 'statement', type: 'text' },
  { name: 'actors', type: 'text' },
  { name: 'withdrawn', type: 'boolean' },
  { name: 'last_position', type: 'bigint' },
] as const;

const evolveSearchRow = (row: Row | undefined, e: ClaimEvent, id: string): Row | undefined => {
  if (e.type === 'ClaimRecorded') {
    return row ? undefined : { claim_id: id, story_id: e.data.storyId, statement: e.data.statement, actors: e.data.actors.join(' '), withdrawn: false, last_position: '0' };
  }
  if (!row) return undefined;
  if (e.type === 'ClaimReworded') return { ...row, statement: e.data.to };
  if (e.type === 'ClaimWithdrawn' || e.type === 'ClaimReinstated') return { ...row, withdrawn: e.type === 'ClaimWithdrawn' };
  return undefined;
};

/** Async: the full-text index behind GET /api/claims?q=. */
export const claimSearchProjection: ProjectionDefinition = {
  name: 'claim_search',
  mode: 'async',
  tables: ['claim_search'],
  create: (table): InlineProjection => {
    const applyBatch = (events: readonly StoredEvent[], tx: Tx) => foldRows(tx, table('claim_search'), SEARCH_COLUMNS, events, evolveSearchRow);
    return {
      name: 'claim_search',
      handles: ['ClaimRecorded', 'ClaimReworded', 'ClaimWithdrawn', 'ClaimReinstated'],
      apply: (event, tx) => applyBatch([event], tx),
      applyBatch,
    };
  },
};
