import { Client } from 'pg';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { claimtrailTestServer?: { stop(): Promise<void> } };
  if (holder.claimtrailTestServer) {
    await holder.claimtrailTestServer.stop();
    return;
  }
  const client = new Client({ connectionString: process.env.CT_TEST_SERVER_URL });
  await client.connect();
  const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
    `ct_${process.env.CT_TEST_RUN}_%`,
  ]);
  for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  await client.end();
}
