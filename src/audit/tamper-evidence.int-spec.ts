import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { Client } from 'pg';
import { databaseUrl, serverUrl, withClient } from '../../test/support/superuser';
import { createTestDatabase } from '../../test/support/test-database';
import { Database } from '../database/database';
import { openDatabase } from '../database/data-source';
import { eventHash } from '../event-store/event-hash';
import { EventStore } from '../event-store/event-store';
import { AuditKeys } from './audit-keys';
import { Checkpoints } from './checkpoints';
import { LogExporter } from './log-export';
import { LogVerifier, type VerifyReport } from './log-verifier';
import { signingKeyOf } from './signing-key';
import { mulberry32 } from '../../test/support/seeded-random';

/**
 * The log is tampered with the way an intruder with superuser access would: straight in SQL, on a
 * copy of one honest 10,000-event database (CREATE DATABASE … TEMPLATE), then verified by the app and
 * by tools/verify-export.mjs from an export of the same copy.
 */

const EVENTS = 10_000;
const FLIPS = 1_000;
const ROOT = join(__dirname, '..', '..');

const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
const random = mulberry32(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

/** Claims, stories and sources with the text shapes the app stores: unicode, quotes, numbers, nesting. */
const eventData = (n: number): Record<string, unknown> => {
  const shapes = [
    { statement: `Putin wants artillery shells and antitank missiles from Kim Jong-un (김정은) #${n}`, topics: ['arms-for-technology'], credibility: 3 },
    { headline: 'Kim “plans” to visit Russia — Vostochny?', body: 'Line one\nLine two\t€ 100,5 ✓', revision: n % 7, ratio: 0.1 + n / 1000 },
    { descriptor: 'US officials', reliability: 'C', anonymous: true, affiliation: null, grades: [{ to: 'B', at: '2023-09-05T12:00:00Z' }] },
    { verdict: 'reported', reason: 'Two independent chains; emoji 🛰️ and \\backslash "quoted"', nested: { deep: { list: [1, -2.5, 1e21, true, null, ''] } } },
  ];
  return { ...pick(shapes), n };
};

interface Tampered {
  readonly app: VerifyReport;
  readonly tool: VerifyReport;
}

const positionsOf = (report: { problems: readonly { position: string | null }[] }): string[] =>
  [...new Set(report.problems.map((p) => p.position).filter((p): p is string => p !== null))].sort((a, b) => Number(a) - Number(b));
const findingsOf = (report: { problems: readonly { position: string | null; code: string }[] }): string[] =>
  report.problems.map((p) => `${p.code}@${p.position ?? '-'}`).sort();

describe('Tamper evidence: hash chains, signed checkpoints and two verifiers', () => {
  const keys = (() => {
    const signer = signingKeyOf(generateKeyPairSync('ed25519').privateKey);
    return new AuditKeys(signer, [signer.publicKey]);
  })();
  const publicKeyHex = (keys.signer?.publicKey ?? Buffer.alloc(0)).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'claimtrail-audit-'));
  let base: { url: string; drop(): Promise<void> };
  let baseName: string;
  let clean: Tampered;
  const copies: string[] = [];

  const runTool = (file: string): Promise<VerifyReport> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'tools', 'verify-export.mjs'), file, '--json', '--public-key', publicKeyHex], { cwd: ROOT });
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code !== 0 && code !== 1) reject(new Error(`verify-export.mjs exited ${code}: ${err}`));
        else resolve(JSON.parse(out) as VerifyReport);
      });
    });

  const verifyBoth = async (url: string): Promise<Tampered> => {
    const dataSource = await openDatabase(url, 4);
    try {
      const db = new Database(dataSource);
      const app = await new LogVerifier(db, keys).verify();
      const file = join(dir, `${randomUUID()}.ndjson`);
      const out = createWriteStream(file);
      await new LogExporter(db, keys).export(out);
      out.end();
      await finished(out);
      return { app, tool: await runTool(file) };
    } finally {
      await dataSource.destroy();
    }
  };

  /** A copy of the honest log, tampered with as a superuser, verified both ways. */
  const tamper = async (work: (client: Client) => Promise<void>): Promise<Tampered> => {
    const name = `ct_${process.env.CT_TEST_RUN ?? 'adhoc'}_${randomBytes(4).toString('hex')}`;
    copies.push(name);
    await withClient(serverUrl(), (client) => client.query(`CREATE DATABASE "${name}" TEMPLATE "${baseName}"`));
    await withClient(databaseUrl(name), async (client) => {
      await client.query('BEGIN');
      await client.query(`SET LOCAL claimtrail.maintenance = 'on'`);
      await work(client);
      await client.query('COMMIT');
    });
    const result = await verifyBoth(databaseUrl(name));
    await withClient(serverUrl(), (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    return result;
  };

  type Row = { position: string; transaction_id: string; stream_id: string; stream_version: number; prev_hash: Buffer | null; hash: Buffer };
  const rowsOf = (client: Client, where = 'TRUE', order = 'ORDER BY events.transaction_id, events.global_position'): Promise<Row[]> =>
    client
      .query<Row>(
        `SELECT global_position::text AS position, transaction_id::text AS transaction_id, stream_id, stream_version, prev_hash, hash
         FROM events WHERE ${where} ${order}`,
      )
      .then((r) => r.rows);
  /** The last event the last checkpoint covers, as SQL: events at or before it in global order are signed. */
  let boundary: { transactionId: string; position: string };
  const covered = () => `(transaction_id, global_position) <= ('${boundary.transactionId}'::xid8, ${boundary.position})`;

  beforeAll(async () => {
    console.log(`tamper evidence seed=${seed} (rerun with SEED=${seed})`);
    base = await createTestDatabase();
    baseName = new URL(base.url).pathname.slice(1);
    const dataSource = await openDatabase(base.url, 10);
    try {
      const db = new Database(dataSource);
      const store = new EventStore(db);
      const checkpoints = new Checkpoints(db, keys);
      const streams = Array.from({ length: 1_200 }, (_, i) => `${pick(['claim', 'story', 'source'])}-${randomUUID()}-${i}`);
      let written = 0;
      const writer = async () => {
        while (written < EVENTS) {
          const count = Math.min(EVENTS - written, 1 + Math.floor(random() * 3));
          written += count;
          const events = Array.from({ length: count }, (_, k) => ({
            type: pick(['ClaimRecorded', 'VerdictChanged', 'StoryRevised', 'SourceRegistered']),
            data: eventData(written + k),
            metadata: { actor: pick(['Ana Editor', 'Ben Reviewer', 'sample-import']), role: 'editor', reason: pick(['Two sources now.', undefined]) },
          }));
          await store.append(pick(streams), 'any', events);
          if (written % 1_000 < 3) await checkpoints.sign(900);
        }
      };
      await Promise.all(Array.from({ length: 8 }, writer));
      const signed = await checkpoints.sign(1);
      expect(signed.length).toBeLessThanOrEqual(1);
      // A tail the checkpoints do not cover yet, as in a live system between two checkpoints.
      for (let i = 0; i < 5; i++) await store.append(pick(streams), 'any', [{ type: 'ClaimRecorded', data: eventData(EVENTS + i) }]);
    } finally {
      await dataSource.destroy();
    }
    await withClient(base.url, async (client) => {
      const { rows } = await client.query<{ transaction_id: string; position: string }>(
        'SELECT last_transaction_id::text AS transaction_id, last_global_position::text AS position FROM audit_checkpoints ORDER BY seq DESC LIMIT 1',
      );
      boundary = { transactionId: rows[0].transaction_id, position: rows[0].position };
    });
    clean = await verifyBoth(base.url);
  }, 180_000);

  afterAll(async () => {
    await withClient(serverUrl(), async (client) => {
      for (const name of copies) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    });
    await base.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('When nothing was touched, then 10,005 events and their checkpoints verify clean in the app and in the independent verifier', () => {
    const { app, tool } = clean;
    console.log(`verify: ${app.eventsChecked} events, ${app.checkpointsChecked} checkpoints in ${app.seconds.toFixed(2)} s = ${app.eventsPerSecond} events/s (app); ${tool.eventsPerSecond} events/s (tools/verify-export.mjs)`);
    expect(app).toEqual(expect.objectContaining({ ok: true, eventsChecked: EVENTS + 5, firstBadPosition: null, problemCount: 0 }));
    expect(app.checkpointsChecked).toBeGreaterThanOrEqual(8);
    expect(app.eventsUnderCheckpoints).toBe(EVENTS);
    expect(app.notes).toEqual([expect.stringContaining('5 event(s) after checkpoint')]);
    expect(tool).toEqual(expect.objectContaining({ ok: true, eventsChecked: EVENTS + 5, firstBadPosition: null, problemCount: 0 }));
  });

  it('When one byte is flipped in each of 1,000 random events, then both verifiers name exactly those 1,000 events', async () => {
    const flipped: string[] = [];
    const kinds = new Map<string, number>();
    const result = await tamper(async (client) => {
      const all = await rowsOf(client);
      const chosen = [...all].sort(() => random() - 0.5).slice(0, FLIPS);
      // A document with no letter or digit inside a string (metadata {}) has no byte flip_in_string can flip.
      const { rows: unflippable } = await client.query<{ position: string; data: boolean; metadata: boolean }>(
        `SELECT global_position::text AS position, flip_in_string(data::text, 0) IS NULL AS data, flip_in_string(metadata::text, 0) IS NULL AS metadata
         FROM events WHERE global_position = ANY($1::bigint[])`,
        [chosen.map((row) => row.position)],
      );
      const cannot = new Map(unflippable.map(({ position, ...columns }) => [position, columns]));
      // One statement per column, so the tampering transaction (which holds back every reader's horizon) is short.
      const byColumn = new Map<Flip['column'], { positions: string[]; values: unknown[] }>();
      for (const row of chosen) {
        const flip = flipOf(row, cannot.get(row.position));
        const group = byColumn.get(flip.column) ?? { positions: [], values: [] };
        group.positions.push(row.position);
        group.values.push(flip.value);
        byColumn.set(flip.column, group);
        flipped.push(row.position);
      }
      for (const [column, { positions, values }] of byColumn) {
        kinds.set(column, positions.length);
        await client.query(FLIP_SQL[column], [positions, values]);
      }
    });
    console.log(`flipped columns: ${JSON.stringify(Object.fromEntries(kinds))}`);
    const expected = [...flipped].sort((a, b) => Number(a) - Number(b));
    expect(result.app.ok).toBe(false);
    expect(positionsOf(result.app)).toEqual(expected);
    expect(positionsOf(result.tool)).toEqual(expected);
    expect(result.tool.firstBadPosition).toBe(result.app.firstBadPosition);
  });

  type Flip = { column: keyof typeof FLIP_SQL; value: unknown };
  const at = (set: string, values = 'float8') =>
    `UPDATE events e SET ${set} FROM unnest($1::bigint[], $2::${values}[]) AS f(position, value) WHERE e.global_position = f.position`;
  /** One byte of one stored field per event; $1 the positions, $2 a value (or a random number) for each. */
  const FLIP_SQL = {
    hash: at('hash = f.value', 'bytea'),
    prev_hash: at('prev_hash = f.value', 'bytea'),
    // one letter or digit inside a JSON string, so the document stays valid JSON
    data: at('data = flip_in_string(e.data::text, f.value)::jsonb'),
    metadata: at('metadata = flip_in_string(e.metadata::text, f.value)::jsonb'),
    stream_id: at('stream_id = flip_hex_digit(e.stream_id, f.value)'),
    event_id: at('event_id = flip_hex_digit(e.event_id::text, f.value)::uuid'),
    type: at('type = flip_case(e.type, f.value)'),
    stream_version: at('stream_version = e.stream_version # (1 << 20)'),
    schema_version: at('schema_version = e.schema_version # 256'),
    recorded_at: at(`recorded_at = e.recorded_at + CASE WHEN f.value < 0.5 THEN interval '1 millisecond' ELSE interval '1 microsecond' END`),
  };

  const flipOf = (row: Row, cannot: { data: boolean; metadata: boolean } = { data: false, metadata: false }): Flip => {
    const flipBit = (buffer: Buffer) => {
      const copy = Buffer.from(buffer);
      copy[Math.floor(random() * copy.length)] ^= 1 << Math.floor(random() * 8);
      return copy;
    };
    const column = pick(Object.keys(FLIP_SQL) as Flip['column'][]);
    // No first event's prev_hash, and no string in data or metadata to flip a character of: flip the hash.
    const onlyHash =
      column === 'hash' || (column === 'prev_hash' && !row.prev_hash) || (column === 'data' && cannot.data) || (column === 'metadata' && cannot.metadata);
    if (onlyHash) return { column: 'hash', value: flipBit(row.hash) };
    if (column === 'prev_hash') return { column, value: flipBit(row.prev_hash as Buffer) };
    return { column, value: random() };
  };

  beforeAll(async () => {
    // Byte-flipping helpers live in the honest base, so every copy has them; the app never calls them.
    await withClient(base.url, (client) =>
      client.query(`
        CREATE FUNCTION flip_in_string(doc text, r float8) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE inside boolean := false; escaped boolean := false; candidates int[] := '{}'; c text; i int; target int;
        BEGIN
          FOR i IN 1 .. length(doc) LOOP
            c := substr(doc, i, 1);
            IF inside THEN
              IF escaped THEN escaped := false;
              ELSIF c = '\\' THEN escaped := true;
              ELSIF c = '"' THEN inside := false;
              ELSIF c ~ '^[A-Za-z0-9]$' THEN candidates := candidates || i;
              END IF;
            ELSIF c = '"' THEN inside := true;
            END IF;
          END LOOP;
          target := candidates[1 + floor(r * cardinality(candidates))::int];
          RETURN overlay(doc PLACING chr(ascii(substr(doc, target, 1)) # 1) FROM target FOR 1);
        END $$;
        CREATE FUNCTION flip_hex_digit(value text, r float8) RETURNS text LANGUAGE plpgsql AS $$
        DECLARE candidates int[] := '{}'; i int; target int; c text;
        BEGIN
          FOR i IN 1 .. length(value) LOOP
            IF substr(value, i, 1) ~ '^[0-9]$' THEN candidates := candidates || i; END IF;
          END LOOP;
          target := candidates[1 + floor(r * cardinality(candidates))::int];
          c := substr(value, target, 1);
          RETURN overlay(value PLACING chr(ascii(c) # 1) FROM target FOR 1);
        END $$;
        CREATE FUNCTION flip_case(value text, r float8) RETURNS text LANGUAGE sql AS $$
          SELECT overlay(value PLACING chr(ascii(substr(value, t, 1)) # 32) FROM t FOR 1)
          FROM (SELECT 1 + floor(r * length(value))::int AS t) s
        $$;`),
    );
  });

  it('When an event in the middle of a signed stream is deleted, then both verifiers report the gap at the events after it', async () => {
    let successor = '';
    const result = await tamper(async (client) => {
      const hasNext = 'EXISTS (SELECT 1 FROM events n WHERE n.stream_id = events.stream_id AND n.stream_version = events.stream_version + 1)';
      const victim = pick(await rowsOf(client, `${covered()} AND ${hasNext}`));
      const [next] = await rowsOf(client, `stream_id = '${victim.stream_id}' AND stream_version = ${victim.stream_version + 1}`);
      successor = next.position;
      await client.query('DELETE FROM events WHERE global_position = $1', [victim.position]);
    });
    expect(result.app.ok).toBe(false);
    expect(findingsOf(result.app)).toContain(`chain_broken@${successor}`);
    expect(findingsOf(result.app).some((f) => f.startsWith('signed_event_missing@'))).toBe(true);
    expect(findingsOf(result.tool)).toEqual(findingsOf(result.app));
    expect(result.tool.firstBadPosition).toBe(result.app.firstBadPosition);
  });

  it('When the last event of a stream is deleted, then the stream row gives it away and the checkpoint names where it was', async () => {
    const result = await tamper(async (client) => {
      const victim = pick(await rowsOf(client, `${covered()} AND global_position <> ${boundary.position} AND stream_version > 1
         AND stream_version = (SELECT version FROM streams s WHERE s.stream_id = events.stream_id)`));
      await client.query('DELETE FROM events WHERE global_position = $1', [victim.position]);
    });
    expect(result.app.ok).toBe(false);
    expect(result.app.problems.map((p) => p.code).sort()).toEqual(['signed_event_missing', 'stream_row_mismatch']);
    expect(findingsOf(result.tool)).toEqual(findingsOf(result.app));
  });

  it('When the data of two events is swapped, then both events are named', async () => {
    const pair: string[] = [];
    const result = await tamper(async (client) => {
      const shuffled = [...(await rowsOf(client))].sort(() => random() - 0.5);
      const rows = shuffled.slice(0, 2);
      pair.push(...rows.map((r) => r.position));
      await client.query(
        `UPDATE events e SET data = o.data, metadata = o.metadata FROM events o
         WHERE (e.global_position, o.global_position) IN (($1::bigint, $2::bigint), ($2::bigint, $1::bigint))`,
        [rows[0].position, rows[1].position],
      );
    });
    expect(positionsOf(result.app)).toEqual(pair.sort((a, b) => Number(a) - Number(b)));
    expect(findingsOf(result.tool)).toEqual(findingsOf(result.app));
  });

  it('When a forged event with a correct hash is appended to a stream, then the untouched stream row names it; inside a signed range the checkpoint does too', async () => {
    let forged = '';
    let forgedSigned = '';
    const result = await tamper(async (client) => {
      const forge = async (streamId: string, transactionId: string | null) => {
        const [last] = await rowsOf(client, `stream_id = '${streamId}'`, 'ORDER BY stream_version DESC LIMIT 1');
        const recordedAt = new Date();
        const fields = {
          streamId,
          streamVersion: last.stream_version + 1,
          eventId: randomUUID(),
          type: 'VerdictChanged',
          schemaVersion: 1,
          data: { from: 'reported', to: 'confirmed', reason: 'trust me' },
          metadata: { actor: 'Ben Reviewer', role: 'reviewer' },
          recordedAt,
        };
        const { rows } = await client.query<{ position: string }>(
          `INSERT INTO events (${transactionId ? 'transaction_id, ' : ''}stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
           VALUES (${transactionId ? '$11::xid8, ' : ''}$1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING global_position::text AS position`,
          [
            ...[fields.streamId, fields.streamVersion, fields.eventId, fields.type, fields.schemaVersion, fields.data, fields.metadata, recordedAt, last.hash],
            eventHash(last.hash, fields),
            ...(transactionId ? [transactionId] : []),
          ],
        );
        return rows[0].position;
      };
      const plain = pick(await rowsOf(client, 'TRUE'));
      forged = await forge(plain.stream_id, null);
      // The thorough forger also moves the stream row along, and hides the event among signed ones.
      const inside = pick(
        await rowsOf(client, `transaction_id < '${boundary.transactionId}'::xid8 AND stream_id <> '${plain.stream_id}'`),
      );
      forgedSigned = await forge(inside.stream_id, inside.transaction_id);
      await client.query(
        `UPDATE streams SET version = e.stream_version, last_hash = e.hash FROM events e WHERE e.global_position = $1 AND streams.stream_id = e.stream_id`,
        [forgedSigned],
      );
    });
    expect(findingsOf(result.app)).toEqual([`not_signed@${forgedSigned}`, `stream_row_mismatch@${forged}`].sort());
    expect(findingsOf(result.tool)).toEqual(findingsOf(result.app));
  });

  it('When two signed events of different streams swap places in the global order, then both are named out of order', async () => {
    const pair: string[] = [];
    const result = await tamper(async (client) => {
      const signed = await rowsOf(client, covered());
      const a = signed[Math.floor(random() * (signed.length / 3))];
      const later = signed.slice(Math.floor(signed.length / 2)).filter((r) => r.stream_id !== a.stream_id && r.transaction_id !== a.transaction_id);
      const b = later[Math.floor(random() * later.length)];
      pair.push(a.position, b.position);
      await client.query(
        `UPDATE events SET transaction_id = CASE WHEN global_position = $1 THEN $4::xid8 ELSE $3::xid8 END WHERE global_position IN ($1, $2)`,
        [a.position, b.position, a.transaction_id, b.transaction_id],
      );
    });
    expect(findingsOf(result.app)).toEqual(pair.map((p) => `out_of_order@${p}`).sort());
    expect(findingsOf(result.tool)).toEqual(findingsOf(result.app));
  });

  it('When two events of one stream swap versions, then both are named', async () => {
    const pair: string[] = [];
    const result = await tamper(async (client) => {
      const a = pick(await rowsOf(client, `stream_version = 2`));
      const [b] = await rowsOf(client, `stream_id = '${a.stream_id}' AND stream_version = 1`);
      pair.push(a.position, b.position);
      await client.query(`UPDATE events SET stream_version = 1000000 WHERE global_position = $1`, [a.position]);
      await client.query(`UPDATE events SET stream_version = 2 WHERE global_position = $1`, [b.position]);
      await client.query(`UPDATE events SET stream_version = 1 WHERE global_position = $1`, [a.position]);
    });
    expect(positionsOf(result.app)).toEqual(pair.sort((x, y) => Number(x) - Number(y)));
    expect(findingsOf(result.tool)).toEqual(findingsOf(result.app));
  });

  it('When the tail of the log is cut and every stream row rewritten to match, then the last checkpoint still tells', async () => {
    const result = await tamper(async (client) => {
      await client.query(`DELETE FROM events WHERE global_position IN (SELECT e.global_position FROM events e ORDER BY e.transaction_id DESC, e.global_position DESC LIMIT 300)`);
      await client.query(`DELETE FROM streams s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_id = s.stream_id)`);
      await client.query(
        `UPDATE streams s SET version = e.stream_version, last_hash = e.hash
         FROM (SELECT DISTINCT ON (stream_id) stream_id, stream_version, hash FROM events ORDER BY stream_id, stream_version DESC) e
         WHERE e.stream_id = s.stream_id`,
      );
    });
    expect(result.app.problems).toEqual([expect.objectContaining({ code: 'log_truncated', position: boundary.position })]);
    expect(result.app.firstBadPosition).toBe(boundary.position);
    expect(findingsOf(result.tool)).toEqual(findingsOf(result.app));
  });

  it('When only events after the last checkpoint are cut and the stream rows rewritten, then nothing can tell (the documented limit)', async () => {
    const result = await tamper(async (client) => {
      await client.query(`DELETE FROM events WHERE NOT ${covered()}`);
      await client.query(`DELETE FROM streams s WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.stream_id = s.stream_id)`);
      await client.query(
        `UPDATE streams s SET version = e.stream_version, last_hash = e.hash
         FROM (SELECT DISTINCT ON (stream_id) stream_id, stream_version, hash FROM events ORDER BY stream_id, stream_version DESC) e
         WHERE e.stream_id = s.stream_id`,
      );
    });
    expect(result.app.ok).toBe(true);
    expect(result.tool.ok).toBe(true);
  });
});
