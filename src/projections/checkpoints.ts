import type { Tx } from '../database/database';
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
