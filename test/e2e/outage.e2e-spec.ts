import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, type PoolClient } from 'pg';
import request, { type Response } from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { DataSource } from 'typeorm';
import { ApiKeys } from '../../src/auth/api-keys.service';
import { createApp } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/app.config';
import { Database } from '../../src/database/database';
import { openDatabase } from '../../src/database/data-source';
import { CLAIMS, expectProblem } from '../support/fixtures';
import { assertBuilt, startChild, type Child } from '../support/processes';
import { freePort } from '../support/test-server';

jest.setTimeout(180_000);

const STATEMENT_TIMEOUT_MS = 400;
const ACQUIRE_TIMEOUT_MS = 600;
const POOL_SIZE = 4;
/** Longest any request may take while the database is away or overloaded: the acquire timeout plus slack, never a hang. */
const BOUND_MS = 3000;

/**
 * The API in this process on a PostgreSQL of the test's own, in a child process it can stop and
 * start. An outage, a full pool and a statement held up by a lock each answer 503 with Retry-After
 * within a bound; when the database is back the same app serves again without a restart.
 */
describe('Database outage and overload', () => {
  let dir: string;
  let pgPort: number;
  let pg: Child;
  let url: string;
  let dataSource: DataSource;
  let app: INestApplication;
  let http: TestAgent;
  let editor: { Authorization: string };
  let storyId: string;

  const startPg = async () => {
    pg = startChild(['test/support/pg-server.js', join(dir, 'data'), String(pgPort)], {});
    url = (await pg.waitFor(/ready (\S+)/, 60_000)).slice('ready '.length);
  };

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'claimtrail-outage-'));
    chmodSync(dir, 0o755);
    pgPort = await freePort();
    await startPg();
    const config = loadConfig({
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
      DB_POOL_SIZE: String(POOL_SIZE),
      DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      DB_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
    });
    dataSource = await openDatabase(url, config.DB_POOL_SIZE, config.IDLE_IN_TRANSACTION_TIMEOUT_MS, {
      timeouts: { statementMs: config.DB_STATEMENT_TIMEOUT_MS, acquireMs: config.DB_ACQUIRE_TIMEOUT_MS },
    });
    app = await createApp(config, dataSource);
    http = request(app.getHttpServer());
    editor = { Authorization: `Bearer ${(await app.get(ApiKeys).create('outage-editor', 'editor', ['world'])).token}` };
    const story = await http.post('/api/stories').set(editor).send({ slug: 'kim-visit-outage', headline: 'Kim plans to visit Russia', body: 'Kim is expected.' });
    expect(story.status).toBe(201);
    storyId = story.body.id as string;
  });

  afterAll(async () => {
    await app?.close();
    if (dataSource?.isInitialized) await dataSource.destroy();
    await pg?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  const timed = async (send: () => PromiseLike<Response>): Promise<{ res: Response; ms: number }> => {
    const started = performance.now();
    const res = await send();
    return { res, ms: Math.round(performance.now() - started) };
  };

  const expectUnavailable = (res: Response, ms: number) => {
    expectProblem(res, 503);
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    expect(ms).toBeLessThan(BOUND_MS);
  };

  const writeClaim = () => http.post('/api/claims').set(editor).send({ storyId, ...CLAIMS.foodAid });
  const readClaims = () => http.get('/api/claims').set(editor);

  it('When every pooled connection is busy, then a request answers 503 with Retry-After after the acquire timeout, and serves again once they are free', async () => {
    const pool = new Database(dataSource).pool;
    const held: PoolClient[] = [];
    try {
      for (let i = 0; i < POOL_SIZE; i++) held.push(await pool.connect());
      const { res, ms } = await timed(readClaims);
      expectUnavailable(res, ms);
      expect(ms).toBeGreaterThanOrEqual(ACQUIRE_TIMEOUT_MS - 50);
      console.log(`overload: full pool answered 503 in ${ms} ms (acquire timeout ${ACQUIRE_TIMEOUT_MS} ms)`);
    } finally {
      for (const client of held) client.release();
    }
    expect((await readClaims()).status).toBe(200);
  });

  it('When a write waits on a lock past statement_timeout, then it answers 503 with Retry-After and stores nothing', async () => {
    const blocker = new Client({ connectionString: url });
    await blocker.connect();
    try {
      const [{ count: before }] = (await blocker.query<{ count: string }>('SELECT count(*) FROM events')).rows;
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE events IN ACCESS EXCLUSIVE MODE');
      const { res, ms } = await timed(writeClaim);
      expectProblem(res, 503, 'DATABASE.TIMEOUT');
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(ms).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS - 50);
      expect(ms).toBeLessThan(BOUND_MS);
      console.log(`overload: a write held by a lock answered 503 in ${ms} ms (statement_timeout ${STATEMENT_TIMEOUT_MS} ms)`);
      await blocker.query('ROLLBACK');
      const [{ count: after }] = (await blocker.query<{ count: string }>('SELECT count(*) FROM events')).rows;
      expect(after).toBe(before);
    } finally {
      await blocker.end();
    }
    expect((await writeClaim()).status).toBe(201);
  });

  it('When the database stops, then reads, writes and readiness answer 503 with Retry-After within a bound, and the same app serves again when it is back', async () => {
    expect((await readClaims()).status).toBe(200);
    await pg.kill();

    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const send of [readClaims, writeClaim, () => http.get(`/api/stories/${storyId}`).set(editor)]) {
        const { res, ms } = await timed(send);
        expectUnavailable(res, ms);
        latencies.push(ms);
      }
    }
    const ready = await timed(() => http.get('/health/ready'));
    expect(ready.res.status).toBe(503);
    expect(ready.ms).toBeLessThan(BOUND_MS);
    expect((await http.get('/health/live')).status).toBe(200);
    console.log(`outage: ${latencies.length} requests answered 503, max ${Math.max(...latencies)} ms, median ${latencies.sort((a, b) => a - b)[latencies.length >> 1]} ms`);

    await startPg();
    const started = Date.now();
    let recovered: Response | undefined;
    while (Date.now() - started < 30_000) {
      recovered = await readClaims();
      if (recovered.status === 200) break;
      expectUnavailable(recovered, 0);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(recovered?.status).toBe(200);
    console.log(`outage: serving again ${Date.now() - started} ms after the database came back`);
    expect((await writeClaim()).status).toBe(201);
    expect((await http.get(`/api/stories/${storyId}`).set(editor)).status).toBe(200);
  });
});
