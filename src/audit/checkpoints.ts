import { Injectable } from '@nestjs/common';
import { Database, type Tx } from '../database/database';
import { auditErrors } from './audit.errors';
import { AuditKeys } from './audit-keys';
import { CHECKPOINT_COLUMNS, type CheckpointRow } from './log-rows';
import { HASH_BYTES, inclusionProof, MerkleFrontier, splitHashes } from './merkle';
import type { CheckpointStatement } from './signing-key';

export interface CheckpointView {
  readonly seq: number;
  readonly treeSize: number;
  readonly rootHash: string;
  /** global-order checkpoint ("transactionId-position") of the last event covered */
  readonly lastCheckpoint: string;
  readonly lastPosition: string;
  readonly createdAt: string;
  readonly keyId: string;
  readonly publicKey: string;
  readonly signature: string;
  /** the canonical JSON the signature is over */
  readonly signed: CheckpointStatement;
}

export interface InclusionProofView {
  readonly position: string;
  readonly streamId: string;
  readonly version: number;
  readonly leafIndex: number;
  readonly treeSize: number;
  /** the event's hash: the leaf is SHA-256(0x00 || this) */
  readonly eventHash: string;
  /** sibling hashes from the leaf up, as RFC 6962 PATH(m, D[n]) */
  readonly auditPath: string[];
  readonly checkpoint: CheckpointView;
  readonly algorithm: string;
}

/** At most this many events per checkpoint, so one row and one transaction stay small. */
const MAX_LEAVES = 100_000;
const LOCK = 'claimtrail.audit_checkpoints';

const viewOf = (row: CheckpointRow): CheckpointView => {
  const lastCheckpoint = `${row.last_transaction_id}-${row.last_global_position}`;
  return {
    seq: row.seq,
    treeSize: Number(row.tree_size),
    rootHash: row.root_hash.toString('hex'),
    lastCheckpoint,
    lastPosition: row.last_global_position,
    createdAt: row.created_at,
    keyId: row.key_id,
    publicKey: row.public_key.toString('hex'),
    signature: row.signature.toString('hex'),
    signed: {
      log: 'claimtrail',
      seq: row.seq,
      treeSize: Number(row.tree_size),
      rootHash: row.root_hash.toString('hex'),
      lastCheckpoint,
      createdAt: row.created_at,
    },
  };
};

/**
 * Signed checkpoints over the log (docs/decisions/012-checkpoints-and-verification.md): each covers
 * the events below the snapshot horizon, whose place in the global order can no longer change, and
 * signs their Merkle root with the server's Ed25519 key.
 */
@Injectable()
export class Checkpoints {
  constructor(
    private readonly db: Database,
    private readonly keys: AuditKeys,
  ) {}

  get enabled(): boolean {
    return this.keys.signer !== null;
  }

  /** Signs checkpoints over every event below the horizon not yet covered, once at least `minNew` are; returns the new ones. */
  async sign(minNew = 1): Promise<CheckpointView[]> {
    if (!this.keys.signer) throw auditErrors.checkpointsOff();
    const created: CheckpointView[] = [];
    for (let needed = Math.max(1, minNew); ; needed = 1) {
      const next = await this.db.transaction((tx) => this.signNext(tx, needed));
      if (!next) return created;
      created.push(next.view);
      if (next.added < MAX_LEAVES) return created;
    }
  }

  private async signNext(tx: Tx, minNew: number): Promise<{ view: CheckpointView; added: number } | null> {
    const signer = this.keys.signer;
    if (!signer) return null;
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [LOCK]);
    const { rows: lastRows } = await tx.query<CheckpointRow & { frontier: Buffer }>(
      `SELECT ${CHECKPOINT_COLUMNS}, frontier FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`,
    );
    const last = lastRows[0];
    const { rows } = await tx.query<{ transaction_id: string; global_position: string; hash: Buffer }>(
      `SELECT transaction_id::text AS transaction_id, global_position, hash FROM events
       WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       ORDER BY events.transaction_id, events.global_position LIMIT $3`,
      [last?.last_transaction_id ?? '0', last?.last_global_position ?? '0', MAX_LEAVES],
    );
    if (rows.length === 0 || rows.length < minNew) return null;
    const frontier = last ? MerkleFrontier.fromBytes(Number(last.tree_size), last.frontier) : new MerkleFrontier();
    for (const row of rows) frontier.append(row.hash);
    const end = rows[rows.length - 1];
    const statement: CheckpointStatement = {
      log: 'claimtrail',
      seq: (last?.seq ?? 0) + 1,
      treeSize: frontier.size,
      rootHash: frontier.root().toString('hex'),
      lastCheckpoint: `${end.transaction_id}-${end.global_position}`,
      createdAt: new Date().toISOString(),
    };
    const { rows: inserted } = await tx.query<CheckpointRow>(
      `INSERT INTO audit_checkpoints (seq, tree_size, root_hash, last_transaction_id, last_global_position, created_at,
                                      key_id, public_key, signature, leaves, frontier)
       VALUES ($1, $2, $3, $4::xid8, $5, $6, $7, $8, $9, $10, $11)
       RETURNING ${CHECKPOINT_COLUMNS}`,
      [
        statement.seq,
        statement.treeSize,
        Buffer.from(statement.rootHash, 'hex'),
        end.transaction_id,
        end.global_position,
        statement.createdAt,
        signer.keyId,
        signer.publicKey,
        signer.sign(statement),
        Buffer.concat(rows.map((row) => row.hash)),
        frontier.toBytes(),
      ],
    );
    return { view: viewOf(inserted[0]), added: rows.length };
  }

  /** Newest first. */
  async list(options: { before?: number; limit: number }): Promise<{ items: CheckpointView[]; nextCursor: string | null }> {
    const { limit } = options;
    const rows = await this.db.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE ($1::int IS NULL OR seq < $1) ORDER BY seq DESC LIMIT $2`,
      [options.before ?? null, limit + 1],
    );
    const items = rows.slice(0, limit).map(viewOf);
    return { items, nextCursor: rows.length > limit ? String(items[items.length - 1].seq) : null };
  }

  /** An RFC 6962 inclusion proof of the event at `position` in checkpoint `seq` (default: the latest). */
  async proof(position: string, seq?: number): Promise<InclusionProofView> {
    const [event] = await this.db.query<{ transaction_id: string; stream_id: string; stream_version: number; hash: Buffer }>(
      'SELECT transaction_id::text AS transaction_id, stream_id, stream_version, hash FROM events WHERE global_position = $1',
      [position],
    );
    if (!event) throw auditErrors.eventNotFound(position);
    const [checkpoint] = await this.db.query<CheckpointRow>(
      `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE ($1::int IS NULL OR seq = $1) ORDER BY seq DESC LIMIT 1`,
      [seq ?? null],
    );
    if (!checkpoint) {
      if (seq !== undefined) throw auditErrors.checkpointNotFound(seq);
      throw auditErrors.notYetCheckpointed(position, null);
    }
    const view = viewOf(checkpoint);
    const txid = BigInt(event.transaction_id);
    const boundaryTx = BigInt(checkpoint.last_transaction_id);
    if (txid > boundaryTx || (txid === boundaryTx && BigInt(position) > BigInt(checkpoint.last_global_position))) {
      throw auditErrors.notYetCheckpointed(position, { seq: view.seq, lastPosition: view.lastPosition });
    }
    const [{ index }] = await this.db.query<{ index: string }>(
      'SELECT count(*) AS index FROM events WHERE (transaction_id, global_position) < ($1::xid8, $2::bigint)',
      [event.transaction_id, position],
    );
    const leafRows = await this.db.query<{ leaves: Buffer }>('SELECT leaves FROM audit_checkpoints WHERE seq <= $1 ORDER BY seq', [view.seq]);
    const leaves = splitHashes(Buffer.concat(leafRows.map((row) => row.leaves)));
    const leafIndex = Number(index);
    if (leaves.length !== view.treeSize || leafIndex >= leaves.length || !leaves[leafIndex].equals(event.hash)) {
      throw auditErrors.logDiffers(position, view.seq);
    }
    return {
      position,
      streamId: event.stream_id,
      version: event.stream_version,
      leafIndex,
      treeSize: view.treeSize,
      eventHash: event.hash.toString('hex'),
      auditPath: inclusionProof(leaves, leafIndex).map((hash) => hash.toString('hex')),
      checkpoint: view,
      algorithm: `RFC 6962 Merkle tree, SHA-256; leaf = SHA-256(0x00 || eventHash), node = SHA-256(0x01 || left || right); ${HASH_BYTES}-byte hashes`,
    };
  }
}
