import { Client } from 'pg';

/** The run's PostgreSQL server as its superuser (global-setup.ts), for what the app itself may not do. */
export const serverUrl = (): string => {
  const url = process.env.CT_TEST_SERVER_URL;
  if (!url) throw new Error('CT_TEST_SERVER_URL is unset: run database specs through jest (global-setup.ts starts the server).');
  return url;
};

/** The URL of another database on the run's server, as the same superuser. */
export const databaseUrl = (name: string): string => {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
};

export const withClient = async <T>(url: string, work: (client: Client) => Promise<T>): Promise<T> => {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
};
