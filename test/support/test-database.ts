import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

const serverUrl = (): string => {
  const url = process.env.CT_TEST_SERVER_URL;
  if (!url) throw new Error('CT_TEST_SERVER_URL is unset: run database specs through jest (global-setup.ts starts the server).');
  return url;
};

const withServer = async (work: (client: Client) => Promise<void>): Promise<void> => {
  const client = new Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
};

/** A fresh, empty database for one test file on the run's server; `drop()` removes it. */
export const createTestDatabase = async (): Promise<{ url: string; drop(): Promise<void> }> => {
  const name = `ct_${process.env.CT_TEST_RUN ?? 'adhoc'}_${randomBytes(4).toString('hex')}`;
  await withServer((client) => client.query(`CREATE DATABASE "${name}"`).then(() => undefined));
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withServer((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => undefined)),
  };
};
