import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { openConfiguredDatabase } from './bootstrap';
import { loadConfig } from './config/app.config';

/**
 * A process that only runs the async projection workers (no HTTP). Run as many as you like: each
 * projection has one active worker at a time, and a standby takes over when the active one dies.
 */
const main = async (): Promise<void> => {
  const config = { ...loadConfig(), PROJECTION_WORKERS: true };
  const say = (line: string) => process.stdout.write(`claimtrail-worker: ${line}\n`);
  const database = await openConfiguredDatabase(config, say);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config, database.dataSource), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.init();
  say('running async projections');
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
};

main().catch((error: unknown) => {
  process.stderr.write(`claimtrail-worker: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
