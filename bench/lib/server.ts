import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

export interface BenchServer {
  readonly url: string;
  readonly embedded: boolean;
  /** A fresh database with the migrations applied; dropped by `close`. */
  database(name: string, poolSize: number): Promise<BenchDatabase>;
  settings(): Promise<Record<string, string>>;
  /** Runs `cleanup` when the server stops (before the databases are dropped). */
  atStop(cleanup: () => Promise<void>): void;
  stop(): Promise<void>;
}

export interface BenchDatabase {
  readonly url: string;
  readonly dataSource: DataSource;
  /** A plain client for set-up and the raw floor (never the store's pool). */
  admin: Client;
  close(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const withClient = async <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};

/**
 * DATABASE_URL when set (each scenario creates and drops its own database there), else a throwaway
 * embedded PostgreSQL under the system temp folder, as the tests do (test/support/test-server.ts).
 */
export const startBenchServer = async (log: (line: string) => void): Promise<BenchServer> => {
  let url = process.env.DATABASE_URL;
  let stop = (): Promise<void> => Promise.resolve();
  const embedded = !url;
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), 'claimtrail-bench-'));
    chmodSync(dir, 0o755);
    log(`starting a throwaway embedded PostgreSQL in ${dir}`);
    const server = await startEmbeddedPostgres({ dataDir: dir, port: await freePort() });
    url = server.url;
    stop = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const serverUrl = url;
  const run = Math.random().toString(16).slice(2, 8);
  const cleanups: (() => Promise<void>)[] = [];
  const open = new Set<BenchDatabase>();
  return {
    url: serverUrl,
    embedded,
    async database(name, poolSize) {
      const dbName = `ct_bench_${run}_${name.replace(/[^a-z0-9]/gi, '_')}`.toLowerCase();
      await withClient(serverUrl, (c) => c.query(`CREATE DATABASE "${dbName}"`));
      const dbUrl = new URL(serverUrl);
      dbUrl.pathname = `/${dbName}`;
      const dataSource = await openDatabase(dbUrl.toString(), poolSize);
      const admin = new Client({ connectionString: dbUrl.toString() });
      await admin.connect();
      const database: BenchDatabase = {
        url: dbUrl.toString(),
        dataSource,
        admin,
        async close() {
          if (!open.delete(database)) return;
          await admin.end();
          if (dataSource.isInitialized) await dataSource.destroy();
          await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`));
        },
      };
      open.add(database);
      return database;
    },
    settings: () =>
      withClient(serverUrl, async (c) => {
        const version = (await c.query<{ version: string }>('SELECT version()')).rows[0].version;
        const { rows } = await c.query<{ name: string; setting: string; unit: string | null }>(
          `SELECT name, setting, unit FROM pg_settings WHERE name = ANY($1)`,
          [['synchronous_commit', 'fsync', 'shared_buffers', 'wal_level', 'max_wal_size', 'max_connections', 'work_mem', 'jit']],
        );
        return { version: version.split(' on ')[0], ...Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting])) };
      }),
    atStop: (cleanup) => cleanups.push(cleanup),
    async stop() {
      for (const cleanup of cleanups.splice(0)) await cleanup().catch((error: unknown) => console.warn(`cleanup failed: ${String(error)}`));
      for (const database of [...open]) await database.close().catch((error: unknown) => console.warn(`drop failed: ${String(error)}`));
      await stop();
    },
  };
};
