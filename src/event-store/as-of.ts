import type { Database } from '../database/database';
import type { Checkpoint } from './checkpoint';

/** How long an as-of read waits for transactions still open that could land inside its cut. */
const SETTLE_MS = 2_000;
const POLL_MS = 10;

const MAX_XID8 = '18446744073709551615';

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
  const [row] = await db.query<{ last_transaction_id: string | null }>(
    'SELECT transaction_id::text AS last_transaction_id FROM events ORDER BY events.transaction_id DESC, events.global_position DESC LIMIT 1',
  );
  const afterLast: Checkpoint =
    row === undefined || row.last_transaction_id === null
      ? { transactionId: '1', globalPosition: '0' }
      : { transactionId: (BigInt(row.last_transaction_id) + 1n).toString(), globalPosition: '0' };
  const candidate = (await firstRecordedAfter(db, asOf, { transactionId: MAX_XID8, globalPosition: '0' })) ?? afterLast;
  const needed = BigInt(candidate.transactionId);
  const deadline = Date.now() + settleMs;
  let horizon = await horizonNow(db);
  while (horizon < needed && Date.now() < deadline) {
    await sleep(POLL_MS);
    horizon = await horizonNow(db);
  }
  const limit: Checkpoint = horizon < needed ? { transactionId: horizon.toString(), globalPosition: '0' } : candidate;
  // Below `limit` every transaction has finished, so this answer can no longer change.
  return (await firstRecordedAfter(db, asOf, limit)) ?? limit;
};
