import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { Database } from '../database/database';
import { AuditKeys } from './audit-keys';
import { eventRecordColumns, loadCheckpointRecords, toEventRecord, type EventRecordRow } from './log-rows';

export interface ExportSummary {
  readonly events: number;
  readonly streams: number;
  readonly checkpoints: number;
}

const BATCH = 5_000;

/**
 * The log, the stream rows and the checkpoints as NDJSON, from one snapshot, for off-site keeping and
 * for tools/verify-export.mjs: a header line, then events in global order, streams, checkpoints.
 * Every stored field is written as stored (times to the microsecond, hashes in hex).
 */
@Injectable()
export class LogExporter {
  constructor(
    private readonly db: Database,
    private readonly keys: AuditKeys,
  ) {}

  async export(out: Writable, progress: (done: number, total: number) => void = () => undefined): Promise<ExportSummary> {
    const write = async (value: unknown): Promise<void> => {
      if (!out.write(`${JSON.stringify(value)}\n`)) await once(out, 'drain');
    };
    return this.db.withClient(async (client) => {
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        // A slow reader of the output may leave this snapshot idle for a while; it holds no transaction id, so no one waits on it.
        await client.query('SET LOCAL idle_in_transaction_session_timeout = 0');
        const [counts] = (
          await client.query<{ events: string; streams: string }>('SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM streams) AS streams')
        ).rows;
        const checkpoints = await loadCheckpointRecords(client);
        const total = Number(counts.events);
        await write({
          kind: 'claimtrail-export',
          version: 1,
          exportedAt: new Date().toISOString(),
          events: total,
          streams: Number(counts.streams),
          checkpoints: checkpoints.length,
          publicKeys: this.keys.trusted.map((key) => key.toString('hex')),
        });
        let after = { transactionId: '0', position: '0' };
        let done = 0;
        for (;;) {
          const { rows } = await client.query<EventRecordRow>(
            `SELECT ${eventRecordColumns('events')} FROM events WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
             ORDER BY events.transaction_id, events.global_position LIMIT $3`,
            [after.transactionId, after.position, BATCH],
          );
          for (const row of rows) {
            const event = toEventRecord(row);
            await write({ kind: 'event', ...event, prevHash: event.prevHash?.toString('hex') ?? null, hash: event.hash.toString('hex') });
          }
          done += rows.length;
          progress(done, Math.max(done, total));
          if (rows.length < BATCH) break;
          after = { transactionId: rows[rows.length - 1].transaction_id, position: rows[rows.length - 1].position };
        }
        const streams = await client.query<{ stream_id: string; version: number; last_hash: Buffer | null }>(
          'SELECT stream_id, version, last_hash FROM streams ORDER BY stream_id',
        );
        for (const row of streams.rows) {
          await write({ kind: 'stream', streamId: row.stream_id, version: row.version, lastHash: row.last_hash?.toString('hex') ?? null });
        }
        for (const c of checkpoints) {
          await write({
            kind: 'checkpoint',
            seq: c.seq,
            treeSize: c.treeSize,
            rootHash: c.rootHash,
            lastCheckpoint: c.lastCheckpoint,
            createdAt: c.createdAt,
            keyId: c.keyId,
            publicKey: c.publicKey.toString('hex'),
            signature: c.signature.toString('hex'),
            leaves: c.leaves.toString('base64'),
          });
        }
        await client.query('COMMIT');
        return { events: done, streams: streams.rows.length, checkpoints: checkpoints.length };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }
}
