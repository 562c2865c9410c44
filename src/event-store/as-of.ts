import type { Database } from '../database/database';
import type { Checkpoint } from './checkpoint';

/** How long an as-of read waits for transactions still open that could land inside its cut. */
const SETTLE_MS = 2_000;
const POLL_MS = 10;

const horizonNow = async (db: Database): Promise<bigint> => {
  const [row] = await db.query<{ horizon: string }>('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon');
  return BigInt(row.horizon);
};

const firstRecordedAfter = async (db: Database, asOf: Date, before: Checkpoint): Promise<Checkpoint | null> => {
  const [row] = await db.query<{ transaction_id: string; global_position: string }>(
    `SELECT transaction_id::text AS transaction_id, global_position FROM events
     WHERE recorded_at > $1 AND (transaction_id, global_position) < ($2::xid8, $3::bigint)
     ORDER BY events.transaction_id, events.global_position LIMIT 1`,
    [asOf, before.transactionId, before.globalPosition],
  );
  return row ? { transactionId: row.transaction_id, globalPosition: row.global_position } : null;
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Where the log stood at an instant, as an exclusive bound in the global order: everything before the
 * first event recorded after `asOf` (docs/decisions/010-as-of-maps-onto-the-global-order.md). A prefix
 * of the global order, so an as-of read never shows an event without every event committed before it.
 *
 * Events below the horizon are final; for the part above it, this waits (up to SETTLE_MS) until every
 * transaction that could still commit inside the bound has finished, and otherwise stops at the horizon.
 */
export const commitOrderCut = async (db: Database, asOf: Date, settleMs = SETTLE_MS): Promise<Checkpoint> => {
  // One statement, so the candidate, the end of the log and the horizon all come from one snapshot.
  const [row] = await db.query<{ last_transaction_id: string | null; transaction_id: string | null; global_position: string | null; horizon: string }>(
    `SELECT (SELECT transaction_id::text FROM events ORDER BY events.transaction_id DESC, events.global_position DESC LIMIT 1) AS last_transaction_id,
            first.transaction_id::text AS transaction_id, first.global_position,
            pg_snapshot_xmin(pg_current_snapshot())::text AS horizon
     FROM (SELECT 1) AS one LEFT JOIN LATERAL (
       SELECT transaction_id, global_position FROM events WHERE recorded_at > $1
       ORDER BY events.transaction_id, events.global_position LIMIT 1) AS first ON true`,
    [asOf],
  );
  const candidate: Checkpoint =
    row.transaction_id !== null && row.global_position !== null
      ? { transactionId: row.transaction_id, globalPosition: row.global_position }
      : row.last_transaction_id === null
        ? { transactionId: '1', globalPosition: '0' }
        : { transactionId: (BigInt(row.last_transaction_id) + 1n).toString(), globalPosition: '0' };
  const needed = BigInt(candidate.transactionId);
  let horizon = BigInt(row.horizon);
  // Every transaction that could land before the candidate had finished in the snapshot that found it,
  // so nothing can commit inside the cut any more: the usual case, one round trip.
  if (horizon >= needed) return candidate;
  const deadline = Date.now() + settleMs;
  while (horizon < needed && Date.now() < deadline) {
    await sleep(POLL_MS);
    horizon = await horizonNow(db);
  }
  const limit: Checkpoint = horizon < needed ? { transactionId: horizon.toString(), globalPosition: '0' } : candidate;
  // Below `limit` every transaction has finished, so this answer can no longer change.
  return (await firstRecordedAfter(db, asOf, limit)) ?? limit;
};
