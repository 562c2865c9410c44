import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { serverUrl, withClient } from '../../test/support/superuser';
import { createTestDatabase } from '../../test/support/test-database';
import { Database } from '../database/database';
import { APP_ROLE, openDatabase } from '../database/data-source';
import { EventStore } from '../event-store/event-store';

const refused = /permission denied|must be owner|append-only/;

describe('Events are append-only in the database', () => {
  let database: { url: string; drop(): Promise<void> };
  let dataSource: DataSource;
  let db: Database;
  let stream: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase(database.url, 4);
    db = new Database(dataSource);
    stream = `claim-${randomUUID()}`;
    await new EventStore(db).append(stream, 'no_stream', [{ type: 'ClaimRecorded', data: { statement: 'Kim is seeking food aid.' } }]);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('When the app’s own connection tries to change or remove an event, even claiming maintenance, then PostgreSQL refuses every way', async () => {
    expect(await db.query('SELECT current_user AS name')).toEqual([{ name: APP_ROLE }]);
    const attempts = [
      `UPDATE events SET data = '{}' WHERE stream_id = '${stream}'`,
      `DELETE FROM events WHERE stream_id = '${stream}'`,
      'TRUNCATE events',
      'ALTER TABLE events DISABLE TRIGGER USER',
      'DROP TRIGGER events_no_update_delete ON events',
      `UPDATE audit_checkpoints SET seq = seq`,
      `SET session_replication_role = replica`,
    ];
    for (const sql of attempts) await expect(db.query(sql)).rejects.toThrow(refused);
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`SET LOCAL claimtrail.maintenance = 'on'`);
        await tx.query(`UPDATE events SET data = '{}' WHERE stream_id = $1`, [stream]);
      }),
    ).rejects.toThrow(refused);
    // RESET ROLE goes back to the role the connection started as, not to the owner.
    const afterReset = await db.transaction(async (tx) => {
      await tx.query('RESET ROLE');
      return (await tx.query<{ name: string }>('SELECT current_user AS name')).rows;
    });
    expect(afterReset).toEqual([{ name: APP_ROLE }]);
    const [event] = await db.query<{ data: unknown }>('SELECT data FROM events WHERE stream_id = $1', [stream]);
    expect(event.data).toEqual({ statement: 'Kim is seeking food aid.' });
  });

  it('When the app writes what it needs to (events, streams, read models, keys), then it may', async () => {
    const store = new EventStore(db);
    await store.append(stream, 1, [{ type: 'VerdictChanged', data: { from: 'unverified', to: 'reported' } }]);
    await db.query(`INSERT INTO api_keys (id, name, role, key_hash) VALUES ($1, 'probe', 'reader', $2)`, [randomUUID(), randomBytes(32)]);
    await db.query(`UPDATE api_keys SET last_used_at = now() WHERE name = 'probe'`);
    expect(await store.streamVersion(stream)).toBe(2);
  });

  it('When the table owner names the maintenance path, then a repair goes through; without it the trigger still refuses', async () => {
    await withClient(database.url, async (owner) => {
      await expect(owner.query(`UPDATE events SET type = type WHERE stream_id = $1`, [stream])).rejects.toThrow(/append-only/);
      await owner.query('BEGIN');
      await owner.query(`SET LOCAL claimtrail.maintenance = 'on'`);
      expect((await owner.query(`UPDATE events SET type = type WHERE stream_id = $1`, [stream])).rowCount).toBe(2);
      await owner.query('ROLLBACK');
    });
  });

  it('When the database user may not create roles, then the app still opens, says so once, and the triggers alone refuse changes', async () => {
    const user = `ct_plain_${randomBytes(4).toString('hex')}`;
    const name = `ct_${process.env.CT_TEST_RUN ?? 'adhoc'}_${randomBytes(4).toString('hex')}`;
    await withClient(serverUrl(), async (admin) => {
      await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD 'plain' NOCREATEROLE NOSUPERUSER`);
      await admin.query(`CREATE DATABASE "${name}" OWNER ${user}`);
    });
    const url = new URL(serverUrl());
    url.username = user;
    url.password = 'plain';
    url.pathname = `/${name}`;
    const warnings: string[] = [];
    const plain = await openDatabase(url.toString(), 2, undefined, { warn: (message) => warnings.push(message) });
    try {
      const plainDb = new Database(plain);
      expect(warnings).toEqual([expect.stringContaining(`may not SET ROLE ${APP_ROLE}`)]);
      expect(await plainDb.query('SELECT current_user AS name')).toEqual([{ name: user }]);
      const other = `claim-${randomUUID()}`;
      await new EventStore(plainDb).append(other, 'no_stream', [{ type: 'ClaimRecorded', data: { statement: 'Kim will travel to Vladivostok.' } }]);
      await expect(plainDb.query(`UPDATE events SET data = '{}' WHERE stream_id = $1`, [other])).rejects.toThrow(/append-only/);
      await expect(plainDb.query(`DELETE FROM events`)).rejects.toThrow(/append-only/);
      await expect(plainDb.query(`TRUNCATE events`)).rejects.toThrow(/append-only/);
      await plain.destroy();

      // A DBA fixes it later: the role gains the user as a member (its table grants may be missing too).
      await withClient(serverUrl(), (admin) => admin.query(`GRANT ${APP_ROLE} TO ${user}`));
      await withClient(url.toString(), (owner) => owner.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE}`));
      const fixed = await openDatabase(url.toString(), 2, undefined, { warn: (message) => warnings.push(message) });
      try {
        const fixedDb = new Database(fixed);
        expect(warnings).toHaveLength(1);
        expect(await fixedDb.query('SELECT current_user AS name')).toEqual([{ name: APP_ROLE }]);
        await new EventStore(fixedDb).append(other, 1, [{ type: 'VerdictChanged', data: { from: 'unverified', to: 'reported' } }]);
        await expect(fixedDb.query(`UPDATE events SET data = '{}' WHERE stream_id = $1`, [other])).rejects.toThrow(/permission denied/);
      } finally {
        await fixed.destroy();
      }
    } finally {
      if (plain.isInitialized) await plain.destroy();
      await withClient(serverUrl(), async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await admin.query(`DROP ROLE IF EXISTS ${user}`);
      });
    }
  });
});
