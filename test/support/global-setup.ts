import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { startThrowawayServer } from './test-server';

/**
 * Without DATABASE_URL the run starts its own embedded server; with it, every test file creates
 * and drops its own database there (see test-database.ts). Either way nothing is left behind.
 */
export default async function globalSetup(): Promise<void> {
  process.env.CT_TEST_RUN = randomBytes(4).toString('hex');
  if (process.env.DATABASE_URL) {
    process.env.CT_TEST_SERVER_URL = process.env.DATABASE_URL;
    return;
  }
  const server = await startThrowawayServer();
  process.env.CT_TEST_SERVER_URL = server.url;
  (globalThis as { claimtrailTestServer?: { stop(): Promise<void> } }).claimtrailTestServer = server;
}
