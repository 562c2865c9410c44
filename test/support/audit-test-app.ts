import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { ApiKeys } from '../../src/auth/api-keys.service';
import { createApp } from '../../src/bootstrap';
import type { Role } from '../../src/common/decider';
import { loadConfig } from '../../src/config/app.config';
import { Database } from '../../src/database/database';
import { openDatabase } from '../../src/database/data-source';
import type { TestApp } from './test-app';
import { createTestDatabase } from './test-database';

/** A fresh Ed25519 signing key as AUDIT_SIGNING_KEY takes it (PKCS#8 PEM). */
export const newSigningKey = (): string => generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

/**
 * startTestApp with extra settings (the audit ones: a signing key, the checkpoint interval), which the
 * shared harness does not take.
 */
export const startAuditTestApp = async (settings: Record<string, string>): Promise<TestApp> => {
  const database = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: database.url, LOG_LEVEL: 'silent', DB_POOL_SIZE: '20', ...settings });
  const dataSource = await openDatabase(database.url, config.DB_POOL_SIZE);
  const app = await createApp(config, dataSource);
  const apiKeys = app.get(ApiKeys);
  const keys = {} as Record<Role, string>;
  for (const role of ['reader', 'editor', 'reviewer', 'admin'] as Role[]) keys[role] = (await apiKeys.create(`test-${role}`, role)).token;
  const db = app.get(Database);
  const owners: Database[] = [];
  return {
    app,
    http: request(app.getHttpServer()),
    db,
    ownerDb: async () => {
      const owner = new Database(await openDatabase(database.url, 2, undefined, { role: 'owner' }));
      owners.push(owner);
      return owner;
    },
    dataSource,
    keys,
    auth: (role) => ({ Authorization: `Bearer ${keys[role]}` }),
    eventCount: async () => Number((await db.query<{ count: string }>('SELECT count(*) FROM events'))[0].count),
    close: async () => {
      await app.close();
      await Promise.all(owners.map((owner) => owner.dataSource.destroy()));
      await dataSource.destroy();
      await database.drop();
    },
  };
};
