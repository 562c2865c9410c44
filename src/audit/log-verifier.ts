import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { Database } from '../database/database';
import { AuditKeys } from './audit-keys';
import { ChainChecker, checkSignedTree, LogOrderChecker, sortProblems, type EventRecord, type Problem, type StreamRecord } from './log-check';
import { eventRecordColumns, loadCheckpointRecords, toEventRecord, toStreamRecord, type EventRecordRow } from './log-rows';

export interface VerifyReport {
  readonly ok: boolean;
  readonly eventsChecked: number;
  readonly streamsChecked: number;
  readonly checkpointsChecked: number;
  /** events up to the last checkpoint: their order and presence are signed, not only chained */
  readonly eventsUnderCheckpoints: number;
  readonly firstBadPosition: string | null;
  readonly reason: string | null;
  readonly problemCount: number;
  readonly problems: Problem[];
  /** what this run could not vouch for */
  readonly notes: string[];
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/** Called as work is done; `total` counts each event twice (hash chains, then global order). */
export type VerifyProgress = (done: number, total: number) => void;

const CHAIN_BATCH = 5_000;
const ORDER_BATCH = 20_000;

/**
 * Walks the whole log in one repeatable-read snapshot: every stream's hash chain and stream row, then
 * the global order against the signed checkpoints (log-check.ts holds the rules).
 */
@Injectable()
export class LogVerifier {
  constructor(
    private readonly db: Database,
    private readonly keys: AuditKeys,
  ) {}

  async verify(progress: VerifyProgress = () => undefined): Promise<VerifyReport> {
    const started = performance.now();
    return this.db.withClient(async (client) => {
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const { rows } = await client.query<{ count: string }>('SELECT count(*) AS count FROM events');
        const total = 2 * Number(rows[0].count);
        const tree = checkSignedTree(await loadCheckpointRecords(client), this.keys.trusted);
        const chains = await this.checkChains(client, (done) => progress(done, total));
        const order = new LogOrderChecker(tree);
        await this.walkGlobalOrder(client, (position, transactionId, hash) => order.add(position, transactionId, hash), (done) =>
          progress(chains.eventsChecked + done, total),
        );
        await client.query('COMMIT');
        const problems = sortProblems([...tree.problems, ...chains.finish(), ...order.finish()]);
        const seconds = (performance.now() - started) / 1000;
        const first = problems.find((p) => p.position !== null) ?? problems[0];
        const notes: string[] = [];
        const last = tree.checkpoints[tree.checkpoints.length - 1];
        if (!last) notes.push('No checkpoint is signed yet: a cut tail or a reordered log cannot be told from an honest one.');
        const uncovered = chains.eventsChecked - order.covered;
        if (last && uncovered > 0) {
          notes.push(`${uncovered} event(s) after checkpoint #${last.record.seq} rest on their hash chains and stream rows only, until the next checkpoint.`);
        }
        if (this.keys.trusted.length === 0 && tree.checkpoints.length > 0) notes.push('No trusted public key is configured, so no checkpoint signature could be trusted.');
        return {
          ok: problems.length === 0,
          eventsChecked: chains.eventsChecked,
          streamsChecked: chains.streamsChecked,
          checkpointsChecked: tree.checkpoints.length,
          eventsUnderCheckpoints: order.covered,
          firstBadPosition: first?.position ?? null,
          reason: first?.reason ?? null,
          problemCount: problems.length,
          problems,
          notes,
          seconds,
          eventsPerSecond: Math.round(chains.eventsChecked / Math.max(seconds, 1e-6)),
        };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Streams in order, each with its row in `streams`. The next batch is asked for before this one is
   * checked, so the database reads while the hashes are computed.
   */
  private async checkChains(client: PoolClient, progress: (done: number) => void): Promise<ChainChecker> {
    type Row = EventRecordRow & { row_version: number | null; row_last_hash: Buffer | null };
    const columns = `${eventRecordColumns('e')}, s.version AS row_version, s.last_hash AS row_last_hash`;
    const fetch = (after: Row | null) =>
      after
        ? client.query<Row>(
            `SELECT ${columns} FROM events e LEFT JOIN streams s USING (stream_id)
             WHERE (e.stream_id, e.stream_version) > ($1, $2) ORDER BY e.stream_id, e.stream_version LIMIT $3`,
            [after.stream_id, after.stream_version, CHAIN_BATCH],
          )
        : client.query<Row>(`SELECT ${columns} FROM events e LEFT JOIN streams s USING (stream_id) ORDER BY e.stream_id, e.stream_version LIMIT $1`, [
            CHAIN_BATCH,
          ]);
    const chains = new ChainChecker();
    let pending: EventRecord[] = [];
    let pendingRow: StreamRecord | undefined;
    const flush = () => {
      if (pending.length > 0) chains.checkStream(pending, pendingRow);
      pending = [];
    };
    for (let next: ReturnType<typeof fetch> | null = fetch(null); next; ) {
      const { rows }: { rows: Row[] } = await next;
      next = rows.length === CHAIN_BATCH ? fetch(rows[rows.length - 1]) : null;
      for (const row of rows) {
        if (pending.length > 0 && pending[0].streamId !== row.stream_id) flush();
        if (pending.length === 0) {
          pendingRow = row.row_version === null ? undefined : { streamId: row.stream_id, version: row.row_version, lastHash: row.row_last_hash };
        }
        pending.push(toEventRecord(row));
      }
      progress(chains.eventsChecked + pending.length);
    }
    flush();
    const empty = await client.query<{ stream_id: string; version: number; last_hash: Buffer | null }>(
      `SELECT stream_id, version, last_hash FROM streams s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_id = s.stream_id)`,
    );
    for (const row of empty.rows) chains.checkEmptyStream(toStreamRecord(row));
    return chains;
  }

  private async walkGlobalOrder(
    client: PoolClient,
    visit: (position: string, transactionId: string, hash: Buffer) => void,
    progress: (done: number) => void,
  ): Promise<void> {
    type Row = { transaction_id: string; position: string; hash: Buffer };
    const fetch = (after: Row) =>
      client.query<Row>(
        `SELECT transaction_id::text AS transaction_id, global_position::text AS position, hash FROM events
         WHERE (transaction_id, global_position) > ($1::xid8, $2::bigint)
         ORDER BY events.transaction_id, events.global_position LIMIT $3`,
        [after.transaction_id, after.position, ORDER_BATCH],
      );
    let done = 0;
    for (let next: ReturnType<typeof fetch> | null = fetch({ transaction_id: '0', position: '0', hash: Buffer.alloc(0) }); next; ) {
      const { rows }: { rows: Row[] } = await next;
      next = rows.length === ORDER_BATCH ? fetch(rows[rows.length - 1]) : null;
      for (const row of rows) visit(row.position, row.transaction_id, row.hash);
      done += rows.length;
      progress(done);
    }
  }
}
