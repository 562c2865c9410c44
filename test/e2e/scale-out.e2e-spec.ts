import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { ApiKeys } from '../../src/auth/api-keys.service';
import { dashboardProjection, claimSearchProjection } from '../../src/claims/read-models/dashboard.projection';
import { Database } from '../../src/database/database';
import { openDatabase } from '../../src/database/data-source';
import { EventStore } from '../../src/event-store/event-store';
import { assertBuilt, startChild, type Child } from '../support/processes';
import { differencesFromReplay } from '../support/replay';
import { freePort } from '../support/test-server';
import { mulberry32 } from '../support/seeded-random';

jest.setTimeout(240_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Two API processes and three projection workers on one PostgreSQL of the test's own, which it can
 * restart. Leaders are killed, their connections terminated, the database restarted; afterwards every
 * acknowledged write is there, at most one worker ever wrote a projection at a time, and the read
 * models equal a full replay.
 */
describe('Scale-out: API processes and projection workers on one PostgreSQL', () => {
  const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
  const random = mulberry32(seed);
  let dir: string;
  let pgPort: number;
  let pg: Child;
  let url: string;
  let dataSource: DataSource;
  let db: Database;
  let store: EventStore;
  let editor: string;
  const apis: { child: Child; base: string }[] = [];
  const workers: Child[] = [];

  const startPg = async () => {
    pg = startChild(['test/support/pg-server.js', join(dir, 'data'), String(pgPort)], {});
    url = (await pg.waitFor(/ready (\S+)/, 60_000)).slice('ready '.length);
  };
  const startWorker = () => {
    const worker = startChild(['dist/src/worker.js'], { DATABASE_URL: url, LOG_LEVEL: 'info' });
    workers.push(worker);
    return worker;
  };
  const epochOf = async (name: string) =>
    Number((await db.query<{ epoch: string }>('SELECT epoch FROM projection_checkpoints WHERE name = $1', [name]))[0]?.epoch ?? 0);
  const waitForEpochAbove = async (name: string, epoch: number, timeoutMs: number) => {
    const started = Date.now();
    for (;;) {
      const current = await epochOf(name).catch(() => epoch);
      if (current > epoch) return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`no new leader for ${name} within ${timeoutMs} ms`);
      await sleep(100);
    }
  };
  const leaderPid = async (name: string) => {
    const [row] = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [`claimtrail-lease:${name}`]);
    return row?.pid;
  };

  beforeAll(async () => {
    assertBuilt();
    console.log(`scale-out seed=${seed} (rerun with SEED=${seed})`);
    dir = mkdtempSync(join(tmpdir(), 'claimtrail-scale-'));
    chmodSync(dir, 0o755);
    pgPort = await freePort();
    await startPg();
    dataSource = await openDatabase(url, 5, undefined, { role: 'owner' });
    db = new Database(dataSource);
    store = new EventStore(db);
    editor = (await new ApiKeys(db).create('scale-editor', 'editor', ['world'])).token;
    await db.query(`
      CREATE TABLE checkpoint_log (seq bigserial PRIMARY KEY, name text, epoch bigint, global_position bigint, transaction_id xid8);
      CREATE FUNCTION log_checkpoint() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        INSERT INTO checkpoint_log (name, epoch, global_position, transaction_id)
        VALUES (NEW.name, NEW.epoch, NEW.global_position, NEW.transaction_id); RETURN NEW; END $$;
      CREATE TRIGGER projection_checkpoints_log AFTER UPDATE ON projection_checkpoints FOR EACH ROW EXECUTE FUNCTION log_checkpoint();`);
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const child = startChild(['dist/src/main.js'], {
        DATABASE_URL: url,
        PORT: String(port),
        HOST: '127.0.0.1',
        PROJECTION_WORKERS: 'false',
        LOG_LEVEL: 'warn',
        // Six writers on one key far exceed the production write limit; this spec is about outages, not throttling.
        RATE_LIMIT_WRITES: '1000000',
      });
      await child.waitFor(/serving on/, 60_000);
      apis.push({ child, base: `http://127.0.0.1:${port}` });
    }
    for (let i = 0; i < 3; i++) await startWorker().waitFor(/running async projections/, 60_000);
  });

  afterAll(async () => {
    await Promise.all([...apis.map((a) => a.child.kill()), ...workers.map((w) => w.kill('SIGKILL'))]);
    await dataSource?.destroy();
    await pg?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (base: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${editor}`, 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { id: string; version: number } };
  };

  it('When leaders are killed, cut off and the database restarted under concurrent writes, then nothing acknowledged is lost, one worker writes at a time, and the read models equal a replay', async () => {
    const story = await post(apis[0].base, '/api/stories', { slug: 'kim-visit', headline: 'Kim Jong-un plans to visit Russia', body: 'Kim is expected in Vladivostok.' });
    expect(story.status).toBe(201);
    const acknowledged: string[] = [];
    let writing = true;
    let failures = 0;
    const writer = async (w: number) => {
      for (let i = 0; writing; i++) {
        const api = apis[(w + i) % apis.length];
        try {
          const claim = await post(api.base, '/api/claims', {
            storyId: story.body.id,
            statement: `Putin wants artillery shells from North Korea (${w}-${i}).`,
            kind: random() < 0.2 ? 'forecast' : 'assertion',
            topics: [random() < 0.5 ? 'arms-for-technology' : 'food-aid'],
            actors: ['Vladimir Putin'],
            ...(random() < 0.2 ? {} : {}),
          }).catch(() => null);
          if (claim?.status === 201) acknowledged.push(claim.body.id);
          else failures++;
        } catch {
          failures++;
        }
        await sleep(20);
      }
    };
    const writers = Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));

    // A write made through one API process reaches the live feed of the other.
    const controller = new AbortController();
    const feed = await fetch(`${apis[1].base}/api/events/stream?type=StoryRevised`, { headers: { Authorization: `Bearer ${editor}` }, signal: controller.signal });
    const revised = await post(apis[0].base, `/api/stories/${story.body.id}/revisions`, { body: 'Kim arrived in Vladivostok by armored train.', kind: 'update', note: 'He arrived.' }, { 'If-Match': '"1"' });
    expect(revised.status).toBe(201);
    const reader = feed.body!.getReader();
    let seen = '';
    while (!seen.includes('event: StoryRevised')) seen += new TextDecoder().decode((await reader.read()).value);
    controller.abort();

    await sleep(1500);
    const epoch1 = await epochOf('dashboard');
    const leaderBackend = await leaderPid('dashboard');
    const leader = workers.find((w) => w.output().includes('"projection":"dashboard"') && w.process.exitCode === null && w.output().includes(`"epoch":"${epoch1}"`));
    expect(leader).toBeDefined();
    expect(leaderBackend).toBeDefined();
    leader!.process.kill('SIGKILL');
    const takeoverAfterKill = await waitForEpochAbove('dashboard', epoch1, 10_000);

    await sleep(1000);
    const epoch2 = await epochOf('dashboard');
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'claimtrail-lease:dashboard'`);
    const takeoverAfterTerminate = await waitForEpochAbove('dashboard', epoch2, 10_000);

    await sleep(1000);
    await dataSource.destroy();
    await pg.kill();
    await sleep(1000);
    await startPg();
    dataSource = await openDatabase(url, 5, undefined, { role: 'owner' });
    db = new Database(dataSource);
    store = new EventStore(db);
    await sleep(4000);
    writing = false;
    await writers;

    // Every projection catches up after the restart.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [{ behind }] = await db.query<{ behind: number }>(
        `SELECT count(*)::int AS behind FROM projection_checkpoints c, events e
         WHERE c.name IN ('dashboard', 'claim_search') AND (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)`,
      );
      const [{ names }] = await db.query<{ names: number }>(`SELECT count(*)::int AS names FROM projection_checkpoints WHERE name IN ('dashboard', 'claim_search')`);
      if (behind === 0 && names === 2) break;
      if (Date.now() > deadline) throw new Error(`projections still ${behind} events behind after the restart`);
      await sleep(250);
    }

    const claimRows = await db.query<{ id: string }>('SELECT id FROM claim_view');
    const stored = new Set(claimRows.map((r) => r.id));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);

    const log = await db.query<{ name: string; epoch: string; global_position: string }>('SELECT name, epoch, global_position FROM checkpoint_log ORDER BY seq');
    for (const name of ['dashboard', 'claim_search']) {
      const entries = log.filter((e) => e.name === name);
      for (let i = 1; i < entries.length; i++) {
        expect(BigInt(entries[i].epoch)).toBeGreaterThanOrEqual(BigInt(entries[i - 1].epoch));
      }
    }
    expect(await differencesFromReplay(db, store, dashboardProjection)).toEqual({ dashboard_claims: 0, dashboard_changes: 0 });
    expect(await differencesFromReplay(db, store, claimSearchProjection)).toEqual({ claim_search: 0 });
    console.log(
      `scale-out: ${acknowledged.length} claims acknowledged (${failures} refused during the outage), takeover ${takeoverAfterKill} ms after kill -9, ` +
        `${takeoverAfterTerminate} ms after its connection was terminated; ${log.length} checkpoint writes, epochs never went back`,
    );
  });

  it('When a worker is killed with SIGKILL at random points while writes go on, then its read model still equals a full replay', async () => {
    for (const w of workers) await w.kill('SIGKILL');
    const story = await post(apis[0].base, '/api/stories', { slug: 'food-aid', headline: 'Kim seeks food aid', body: 'Kim is seeking food aid.' });
    let writing = true;
    const writer = async () => {
      for (let i = 0; writing; i++) {
        await post(apis[i % 2].base, '/api/claims', {
          storyId: story.body.id,
          statement: `Kim is also seeking food aid (${i}).`,
          kind: 'assertion',
          topics: ['food-aid'],
          actors: ['Kim Jong-un'],
        }).catch(() => undefined);
      }
    };
    const writers = Promise.all([writer(), writer(), writer()]);
    const kills: number[] = [];
    for (let round = 0; round < 6; round++) {
      const worker = startWorker();
      await worker.waitFor(/running async projections/, 60_000);
      const delay = 200 + Math.floor(random() * 1500);
      kills.push(delay);
      await sleep(delay);
      worker.process.kill('SIGKILL');
      await worker.kill('SIGKILL');
    }
    writing = false;
    await writers;
    const final = startWorker();
    await final.waitFor(/running async projections/, 60_000);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [{ behind }] = await db.query<{ behind: number }>(
        `SELECT count(*)::int AS behind FROM projection_checkpoints c, events e
         WHERE c.name = 'dashboard' AND (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)`,
      );
      if (behind === 0) break;
      if (Date.now() > deadline) throw new Error(`dashboard still ${behind} events behind`);
      await sleep(200);
    }
    console.log(`kill -9 at ${kills.join(', ')} ms after start`);
    expect(await differencesFromReplay(db, store, dashboardProjection)).toEqual({ dashboard_claims: 0, dashboard_changes: 0 });
    expect(await differencesFromReplay(db, store, claimSearchProjection)).toEqual({ claim_search: 0 });
  });
});
