import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { openConfiguredDatabase } from '../bootstrap';
import { loadConfig } from '../config/app.config';

export type WithApp = <T>(work: (app: INestApplicationContext) => Promise<T>) => Promise<T>;

export const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Runs one CLI command against the configured database (embedded or DATABASE_URL), then closes it. */
export const withApp: WithApp = async (work) => {
  const config = { ...loadConfig(), LOG_LEVEL: 'warn' as const, PROJECTION_WORKERS: false, AUDIT_CHECKPOINT_EVERY: 0 };
  // Operators' commands (rebuild swaps tables) run as the table owner, not as the API's insert-only role.
  const database = await openConfiguredDatabase(config, say, 'owner');
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, database.dataSource), { logger: ['error', 'warn'] });
  try {
    return await work(app);
  } finally {
    await app.close();
    await database.close();
  }
};
