import { RESTRICTED_EVENT_FIELDS, shownData } from '../common/access';
import type { Tx } from '../database/database';
import type { InlineProjection, StoredEvent } from '../event-store/event-store.types';

/** What `metadata ->> 'key'` gives for the same value, so both ways of writing a row agree. */
const textOrNull = (value: unknown): string | null =>
  value === undefined || value === null ? null : typeof value === 'string' ? value : JSON.stringify(value);

const insertRows = async (events: readonly StoredEvent[], tx: Tx): Promise<void> => {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO stream_history (global_position, stream_id, stream_version, type, recorded_at, actor, role, reason, changes)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
     ON CONFLICT DO NOTHING`,
    [
      events.map((event) => event.globalPosition),
      events.map((event) => event.streamId),
      events.map((event) => event.streamVersion),
      events.map((event) => event.type),
      events.map((event) => event.recordedAt),
      events.map((event) => textOrNull(event.metadata.actor)),
      events.map((event) => textOrNull(event.metadata.role)),
      events.map((event) => textOrNull(event.metadata.reason)),
      events.map((event) => {
        const { at: _at, ...changes } = event.data;
        return JSON.stringify(shownData(changes));
      }),
    ],
  );
};

/** `shownData` in SQL: the event's data without its time, restricted fields replaced by "restricted". */
const SHOWN_CHANGES = RESTRICTED_EVENT_FIELDS.reduce(
  (expression, field) => `CASE WHEN data ? '${field}' THEN jsonb_set(${expression}, '{${field}}', '"restricted"') ELSE ${expression} END`,
  `data - 'at'`,
);

/** Every event of every stream, with who, when and why: the audit trail as a queryable table. */
export const historyProjection: InlineProjection = {
  name: 'stream_history',
  handles: '*',

  apply: (event: StoredEvent, tx: Tx) => insertRows([event], tx),
  applyBatch: insertRows,

  // Everything it needs is in the appended rows: no parameters, so one prepared text for every append.
  planAppend: () =>
    `INSERT INTO stream_history (global_position, stream_id, stream_version, type, recorded_at, actor, role, reason, changes)
     SELECT global_position, stream_id, stream_version, type, recorded_at,
            metadata ->> 'actor', metadata ->> 'role', metadata ->> 'reason',
            ${SHOWN_CHANGES}
     FROM appended
     ON CONFLICT DO NOTHING`,
};
