import type { Tx } from '../database/database';
import type { CheckpointRecord, EventRecord, StreamRecord } from './log-check';

/** Reading the log and its checkpoints exactly as stored, for verification and export. */

/** The stored columns of `events` (under the alias `table`), times to the microsecond. */
export const eventRecordColumns = (table: string): string =>
  `${table}.global_position::text AS position, ${table}.transaction_id::text AS transaction_id, ${table}.stream_id, ${table}.stream_version,
   ${table}.event_id::text AS event_id, ${table}.type, ${table}.schema_version, ${table}.data, ${table}.metadata,
   to_char(${table}.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS recorded_at, ${table}.prev_hash, ${table}.hash`;

export interface EventRecordRow {
  position: string;
  transaction_id: string;
  stream_id: string;
  stream_version: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: unknown;
  recorded_at: string;
  prev_hash: Buffer | null;
  hash: Buffer;
}

export const toEventRecord = (row: EventRecordRow): EventRecord => ({
  position: row.position,
  transactionId: row.transaction_id,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  eventId: row.event_id,
  type: row.type,
  schemaVersion: row.schema_version,
  data: row.data,
  metadata: row.metadata,
  recordedAt: row.recorded_at,
  prevHash: row.prev_hash,
  hash: row.hash,
});

export interface CheckpointRow {
  seq: number;
  tree_size: string;
  root_hash: Buffer;
  last_transaction_id: string;
  last_global_position: string;
  created_at: string;
  key_id: string;
  public_key: Buffer;
  signature: Buffer;
  leaves?: Buffer;
}

export const CHECKPOINT_COLUMNS = `seq, tree_size, root_hash, last_transaction_id::text AS last_transaction_id, last_global_position,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at, key_id, public_key, signature`;

export const toCheckpointRecord = (row: CheckpointRow & { leaves: Buffer }): CheckpointRecord => ({
  log: 'claimtrail',
  seq: row.seq,
  treeSize: Number(row.tree_size),
  rootHash: row.root_hash.toString('hex'),
  lastCheckpoint: `${row.last_transaction_id}-${row.last_global_position}`,
  createdAt: row.created_at,
  keyId: row.key_id,
  publicKey: row.public_key,
  signature: row.signature,
  leaves: row.leaves,
});

export const loadCheckpointRecords = async (tx: Tx): Promise<CheckpointRecord[]> => {
  const { rows } = await tx.query<CheckpointRow & { leaves: Buffer }>(`SELECT ${CHECKPOINT_COLUMNS}, leaves FROM audit_checkpoints ORDER BY seq`);
  return rows.map(toCheckpointRecord);
};

export const toStreamRecord = (row: { stream_id: string; version: number; last_hash: Buffer | null }): StreamRecord => ({
  streamId: row.stream_id,
  version: row.version,
  lastHash: row.last_hash,
});
