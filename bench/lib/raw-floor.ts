import type { Client } from 'pg';
import type { NewEvent } from '../../src/event-store/event-store.types';

/**
 * The raw floor, as in ../shared/peer-bench/stores/raw.mjs: a plain append-only table with a stream
 * version table, named prepared statements, one dedicated client per worker, in the same database
 * and run as the store it is compared with.
 */
export const RAW_SCHEMA = `
CREATE TABLE IF NOT EXISTS raw_events (
  global_position bigserial PRIMARY KEY,
  stream_id       text        NOT NULL,
  stream_version  int         NOT NULL,
  type            text        NOT NULL,
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
);
CREATE TABLE IF NOT EXISTS raw_streams (
  id      text PRIMARY KEY,
  version int  NOT NULL
);`;

const rows = (n: number, first: number, perRow: number, row: (k: number, p: number) => string): string =>
  Array.from({ length: n }, (_, k) => row(k, first + k * perRow)).join(', ');

/** Dcte: the version check and the insert in one data-modifying statement, autocommit. */
const cteText = (n: number, isNew: boolean): string => {
  const guard = isNew
    ? `INSERT INTO raw_streams (id, version) VALUES ($1, $2::int + ${n}) ON CONFLICT DO NOTHING RETURNING id`
    : `UPDATE raw_streams SET version = $2::int + ${n} WHERE id = $1 AND version = $2::int RETURNING id`;
  return `WITH s AS (${guard})
INSERT INTO raw_events (stream_id, stream_version, type, data, metadata)
SELECT s.id, v.ver, v.type, v.data, v.meta FROM s CROSS JOIN (VALUES ${rows(n, 3, 3, (k, p) => `($2::int + ${k + 1}, $${p}::text, $${p + 1}::jsonb, $${p + 2}::jsonb)`)}) AS v(ver, type, data, meta)
RETURNING global_position`;
};

const insertText = (n: number): string =>
  `INSERT INTO raw_events (stream_id, stream_version, type, data, metadata) VALUES ${rows(n, 1, 5, (_k, p) => `($${p}, $${p + 1}, $${p + 2}, $${p + 3}, $${p + 4})`)} RETURNING global_position`;

export interface RawRow {
  global_position: string;
  stream_version: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export const rawFloor = {
  /** One statement (Dcte in the peer harness). */
  async appendCte(c: Client, streamId: string, expected: number, events: readonly NewEvent[]): Promise<void> {
    const values: unknown[] = [streamId, expected];
    for (const e of events) values.push(e.type, JSON.stringify(e.data), JSON.stringify(e.metadata ?? {}));
    const r = await c.query({ name: `raw_cte_${expected === 0 ? 'new' : 'upd'}_${events.length}`, text: cteText(events.length, expected === 0), values });
    if (r.rowCount !== events.length) throw new Error(`raw floor: expected version ${expected} mismatch on ${streamId}`);
  },

  /** BEGIN; check or bump the version; INSERT; COMMIT (D in the peer harness). */
  async appendTx(c: Client, streamId: string, expected: number, events: readonly NewEvent[]): Promise<void> {
    await c.query('BEGIN');
    try {
      if (expected === 0) {
        await c.query({ name: 'raw_stream_new', text: 'INSERT INTO raw_streams (id, version) VALUES ($1, $2)', values: [streamId, events.length] });
      } else {
        const u = await c.query({ name: 'raw_stream_bump', text: 'UPDATE raw_streams SET version = version + $3 WHERE id = $1 AND version = $2', values: [streamId, expected, events.length] });
        if (u.rowCount !== 1) throw new Error(`raw floor: expected version ${expected} mismatch on ${streamId}`);
      }
      const values: unknown[] = [];
      events.forEach((e, k) => values.push(streamId, expected + k + 1, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata ?? {})));
      await c.query({ name: `raw_ins_${events.length}`, text: insertText(events.length), values });
      await c.query('COMMIT');
    } catch (error) {
      await c.query('ROLLBACK');
      throw error;
    }
  },

  async read(c: Client, streamId: string): Promise<RawRow[]> {
    const r = await c.query<RawRow>({
      name: 'raw_read',
      text: 'SELECT global_position, stream_version, type, data, metadata, created_at FROM raw_events WHERE stream_id = $1 ORDER BY stream_version',
      values: [streamId],
    });
    return r.rows;
  },
};
