import { statement, type Tx } from '../database/database';
import type { Checkpoint } from '../event-store/checkpoint';

export const isAfter = (a: Checkpoint, b: Checkpoint): boolean => {
  const [at, bt] = [BigInt(a.transactionId), BigInt(b.transactionId)];
  return at > bt || (at === bt && BigInt(a.globalPosition) > BigInt(b.globalPosition));
};

export interface CheckpointRow extends Checkpoint {
  readonly epoch: string;
}

export const lockCheckpoint = async (tx: Tx, name: string): Promise<CheckpointRow | null> => {
  const { rows } = await tx.query<{ transaction_id: string; global_position: string; epoch: string }>(
    `SELECT transaction_id::text AS transaction_id, global_position, epoch
     FROM projection_checkpoints WHERE name = $1 FOR UPDATE`,
    [name],
  );
  const row = rows[0];
  return row ? { transactionId: row.transaction_id, globalPosition: row.global_position, epoch: row.epoch } : null;
};

export const saveCheckpoint = async (tx: Tx, name: string, checkpoint: Checkpoint, applied: number): Promise<void> => {
  await tx.query(
    `UPDATE projection_checkpoints
     SET transaction_id = $2::xid8, global_position = $3, events_applied = events_applied + $4, updated_at = now()
     WHERE name = $1`,
    [name, checkpoint.transactionId, checkpoint.globalPosition, applied],
  );
};

const ADVANCE = statement(`UPDATE projection_checkpoints
  SET transaction_id = $5::xid8, global_position = $6, events_applied = events_applied + $7, updated_at = now()
  WHERE name = $1 AND epoch = $2 AND transaction_id = $3::xid8 AND global_position = $4
  RETURNING 1 AS moved`);

/**
 * Compare-and-set in one statement (a Tx, or the pool for a statement of its own): moves the checkpoint from `from` to `to` only while `epoch` holds the
 * lease and nobody else moved it. In a projection transaction it also locks the row until commit.
 * False when it did not move (see checkpointBlocker for why).
 */
export const advanceCheckpoint = async (
  on: Tx,
  name: string,
  epoch: string,
  from: Checkpoint,
  to: Checkpoint,
  applied: number,
): Promise<boolean> => {
  const values = [name, epoch, from.transactionId, from.globalPosition, to.transactionId, to.globalPosition, applied];
  const { rows } = await on.query<{ moved: number }>({ ...ADVANCE, values });
  return rows.length === 1;
};

/** Why a compare-and-set did not move: a newer epoch took the lease ('fenced'), or the checkpoint is elsewhere (a rebuild swapped tables in). */
export const checkpointBlocker = async (on: Tx, name: string, epoch: string): Promise<'fenced' | Checkpoint> => {
  const { rows } = await on.query<{ transaction_id: string; global_position: string; epoch: string }>(
    'SELECT transaction_id::text AS transaction_id, global_position, epoch FROM projection_checkpoints WHERE name = $1',
    [name],
  );
  const row = rows[0];
  if (!row || row.epoch !== epoch) return 'fenced';
  return { transactionId: row.transaction_id, globalPosition: row.global_position };
};
