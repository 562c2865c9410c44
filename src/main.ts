import 'reflect-metadata';
import { resolve } from 'node:path';
import { Logger } from 'nestjs-pino';
import { createApp, createDemoKeys, importSampleIfEmpty, openConfiguredDatabase } from './bootstrap';
import { loadConfig } from './config/app.config';

const main = async (): Promise<void> => {
  const config = loadConfig();
  const say = (line: string) => process.stdout.write(`claimtrail: ${line}\n`);
  const database = await openConfiguredDatabase(config, say);
  const app = await createApp(config, database.dataSource);
  const logger = app.get(Logger);
  if (config.DEMO_KEYS ?? config.embedded) {
    const keys = await createDemoKeys(app, config);
    if (keys) {
      say(`demo API keys (also in ${resolve(config.DATA_DIR, 'demo-keys.json')}); they are shown once:`);
      for (const [role, token] of Object.entries(keys)) say(`  ${role.padEnd(8)} ${token}`);
    } else {
      say(`demo API keys: see ${resolve(config.DATA_DIR, 'demo-keys.json')}`);
    }
  }
  if ((config.IMPORT_SAMPLE ?? config.embedded) && (await importSampleIfEmpty(app))) say('imported the sample story (data/sample-story.json)');
  await app.listen(config.PORT, config.HOST);
  say(`serving on http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${config.PORT}/api (docs at /api/docs)`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: closing`);
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
};

main().catch((error: unknown) => {
  process.stderr.write(`claimtrail: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
