import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import type { DataSource } from 'typeorm';
import { ApiKeys } from '../../src/auth/api-keys.service';
import { createApp } from '../../src/bootstrap';
import type { Role } from '../../src/common/decider';
import { loadConfig } from '../../src/config/app.config';
import { Database } from '../../src/database/database';
import { openDatabase } from '../../src/database/data-source';
import { captureLogs, type LogCapture } from './log-capture';
import { createTestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  http: TestAgent;
  db: Database;
  /** The database as the table owner (the CLI's role), for maintenance such as rebuilds and replays. */
  ownerDb(): Promise<Database>;
  dataSource: DataSource;
  /** Bearer tokens, one per role, named after the role (`editor` is recorded as actor "test-editor"); home desk "world", working on every desk. */
  keys: Record<Role, string>;
  auth(role: Role): { Authorization: string };
  eventCount(): Promise<number>;
  /**
   * Waits (30 s at most) until every committed event is below the snapshot horizon, i.e. readable in
   * the commit-safe global order. The horizon is the whole server's: a transaction left open by a test
   * suite running beside this one, in its own database, holds it back for a moment.
   */
  horizonPassed(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /**
   * Collect every line the app logs from here on (requests and services, at `logLevel`, default trace)
   * into this array instead of the silence other suites run in; startup lines are not included.
   */
  readonly logs?: string[];
  readonly logLevel?: 'trace' | 'debug' | 'info';
}

/** The real Nest app on a fresh database of the run's PostgreSQL, with one key per role. */
export const startTestApp = async (overrides: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> => {
  const database = await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '20',
    CONFIDENTIAL_MASTER_KEY: randomBytes(32).toString('base64'),
    // Suites send hundreds of writes and failed logins a minute; rate-limits.e2e-spec.ts sets small limits itself.
    RATE_LIMIT_WRITES: '1000000',
    RATE_LIMIT_FAILED_AUTH: '1000000',
    ...overrides,
  });
  const dataSource = await openDatabase(database.url, config.DB_POOL_SIZE);
  const app = await createApp(config, dataSource);
  const capture: LogCapture | null = options.logs ? captureLogs(options.logs, options.logLevel ?? 'trace') : null;
  const apiKeys = app.get(ApiKeys);
  const keys = {} as Record<Role, string>;
  for (const role of ['reader', 'editor', 'reviewer', 'admin'] as Role[]) keys[role] = (await apiKeys.create(`test-${role}`, role, ['world', '*'])).token;
  const db = app.get(Database);
  const owners: DataSource[] = [];
  const ownerDb = async () => {
    const owner = await openDatabase(database.url, 4, undefined, { role: 'owner' });
    owners.push(owner);
    return new Database(owner);
  };
  return {
    app,
    http: request(app.getHttpServer()),
    db,
    ownerDb,
    dataSource,
    keys,
    auth: (role) => ({ Authorization: `Bearer ${keys[role]}` }),
    eventCount: async () => Number((await db.query<{ count: string }>('SELECT count(*) FROM events'))[0].count),
    horizonPassed: async () => {
      for (const deadline = Date.now() + 30_000; ; ) {
        const [{ passed }] = await db.query<{ passed: boolean }>(
          'SELECT coalesce(max(transaction_id) < pg_snapshot_xmin(pg_current_snapshot()), true) AS passed FROM events',
        );
        if (passed) return;
        if (Date.now() > deadline) throw new Error('a transaction has held the snapshot horizon back for 30 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: async () => {
      await app.close();
      capture?.restore();
      await Promise.all(owners.map((owner) => owner.destroy()));
      await dataSource.destroy();
      await database.drop();
    },
  };
};
