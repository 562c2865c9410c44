import { ApiKeys } from '../../src/auth/api-keys.service';
import { REVOCATION_SETTLE_MS } from '../../src/auth/verified-keys';
import type { Database } from '../../src/database/database';
import { assertBuilt, startChild, type Child } from '../support/processes';
import { startTestApp, type TestApp } from '../support/test-app';
import { freePort } from '../support/test-server';

jest.setTimeout(120_000);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Each API process keeps the keys it verified (src/auth/verified-keys.ts). A revocation made through
 * one process, or through the CLI's code, must be refused by every other process from the very next
 * request on, also when that process's listener connection was just lost.
 */
describe('Key revocation across API processes', () => {
  let t: TestApp;
  let other: Child;
  let base: string;
  /** As the connecting user: may see and end the other process's sessions. */
  let owner: Database;

  const readWith = (token: string) => fetch(`${base}/api/claims?limit=1`, { headers: { Authorization: `Bearer ${token}` } }).then((res) => res.status);
  const newKey = async (name: string): Promise<{ id: string; token: string }> => {
    const res = await t.http.post('/api/keys').set(t.auth('admin')).send({ name, role: 'reader', desks: ['world'] });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, token: res.body.token as string };
  };
  const listenerOf = async (pid: number) =>
    (await owner.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [`claimtrail-keys:${pid}`]))[0]?.pid;

  /** Revokes (or restores) a key in SQL with the table's change trigger off: no notification at all. */
  const silently = (id: string, revoked: boolean) =>
    owner.transaction(async (tx) => {
      await tx.query('ALTER TABLE api_keys DISABLE TRIGGER api_keys_changed');
      await tx.query(`UPDATE api_keys SET revoked_at = ${revoked ? 'now()' : 'NULL'} WHERE id = $1`, [id]);
      await tx.query('ALTER TABLE api_keys ENABLE TRIGGER api_keys_changed');
    });

  /**
   * Waits until the other process answers a key from its cache: a key revoked behind its back (SQL
   * with the change trigger off, so no notification) still works there. Without this the revocation
   * tests below would pass against a process that never caches.
   */
  const waitUntilCaching = async () => {
    const probe = await newKey(`probe-${Date.now()}`);
    for (let attempt = 0; attempt < 100; attempt++) {
      expect(await readWith(probe.token)).toBe(200);
      await silently(probe.id, true);
      const cached = (await readWith(probe.token)) === 200;
      await silently(probe.id, false);
      if (cached) return;
      await pause(100);
    }
    throw new Error('the other API process never answered from its key cache');
  };

  beforeAll(async () => {
    assertBuilt();
    t = await startTestApp();
    owner = await t.ownerDb();
    const port = await freePort();
    other = startChild(['dist/src/main.js'], {
      DATABASE_URL: (t.dataSource.options as { url: string }).url,
      PORT: String(port),
      HOST: '127.0.0.1',
      PROJECTION_WORKERS: 'false',
      LOG_LEVEL: 'warn',
    });
    await other.waitFor(/serving on/, 60_000);
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await other?.kill();
    await t?.close();
  });

  it('When a key the other process has cached is revoked through this one, then the other refuses it on the very next request', async () => {
    await waitUntilCaching();
    for (let i = 0; i < 5; i++) {
      const key = await newKey(`revoked-over-http-${i}`);
      expect([await readWith(key.token), await readWith(key.token)]).toEqual([200, 200]);
      const revoked = await t.http.delete(`/api/keys/${key.id}`).set(t.auth('admin'));
      expect(revoked.status).toBe(200);
      expect(await readWith(key.token)).toBe(401);
    }
  });

  it('When a key is revoked the way the CLI does it (ApiKeys without a cache of its own), then every process refuses it next', async () => {
    await waitUntilCaching();
    const key = await newKey('revoked-by-cli');
    expect([await readWith(key.token), await readWith(key.token)]).toEqual([200, 200]);
    expect(await new ApiKeys(t.db).revoke('revoked-by-cli')).toBe(1);
    expect(await readWith(key.token)).toBe(401);
    expect((await t.http.get('/api/claims?limit=1').set({ Authorization: `Bearer ${key.token}` })).status).toBe(401);
  });

  it('When a cached key is revoked, deleted or given another role by hand in SQL, then the other process refuses the old grant once the change has settled', async () => {
    await waitUntilCaching();
    const listKeysWith = (token: string) => fetch(`${base}/api/keys`, { headers: { Authorization: `Bearer ${token}` } }).then((res) => res.status);
    const changes: [string, (id: string) => Promise<unknown>, number][] = [
      ['revoked', (id) => t.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]), 401],
      ['deleted', (id) => owner.query('DELETE FROM api_keys WHERE id = $1', [id]), 401],
      ['demoted', (id) => owner.query(`UPDATE api_keys SET role = 'reader', desks = '{world}' WHERE id = $1`, [id]), 403],
    ];
    for (const [name, change, status] of changes) {
      const res = await t.http.post('/api/keys').set(t.auth('admin')).send({ name: `changed-by-hand-${name}`, role: 'admin' });
      expect(res.status).toBe(201);
      expect(await listKeysWith(res.body.token)).toBe(200);
      await change(res.body.id);
      await pause(REVOCATION_SETTLE_MS);
      expect([name, await listKeysWith(res.body.token)]).toEqual([name, status]);
    }
  });

  it('When the other process has just lost its listener connection, then a revocation still reaches it, and it caches again once it listens', async () => {
    await waitUntilCaching();
    const key = await newKey('revoked-while-deaf');
    const kept = await newKey('kept-while-deaf');
    expect([await readWith(key.token), await readWith(kept.token)]).toEqual([200, 200]);
    const listener = await listenerOf(other.process.pid!);
    expect(listener).toEqual(expect.any(Number));
    await owner.query('SELECT pg_terminate_backend($1)', [listener]);
    const revoked = await t.http.delete(`/api/keys/${key.id}`).set(t.auth('admin'));
    expect(revoked.status).toBe(200);
    expect(await readWith(key.token)).toBe(401);
    expect(await readWith(kept.token)).toBe(200);
    await waitUntilCaching();
    expect(await listenerOf(other.process.pid!)).not.toBe(listener);
    expect(await readWith(key.token)).toBe(401);
  });
});
