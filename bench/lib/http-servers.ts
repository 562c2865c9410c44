import 'reflect-metadata';
import { Body, Controller, Get, type INestApplication, Module, Param, Post, Query } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Pool } from 'pg';
import { ApiKeys } from '../../src/auth/api-keys.service';
import { createApp } from '../../src/bootstrap';
import { loadConfig } from '../../src/config/app.config';
import { openDatabase } from '../../src/database/data-source';
import { RAW_SCHEMA } from './raw-floor';

/**
 * Child process of the HTTP scenarios (so autocannon never shares a thread with the servers): the
 * real app, and a bare Nest + pg app whose endpoints each run one equivalent query, on one database,
 * served twice: on Nest's default adapter (Express, the baseline) and on Fastify (the app's adapter).
 * Prints one JSON line with the ports and keys, then serves until stdin closes.
 */
const url = process.env.BENCH_DATABASE_URL as string;
const pool = new Pool({ connectionString: url, max: 20 });

@Controller('bare/claims')
class BareController {
  @Get(':id')
  async get(@Param('id') id: string): Promise<unknown> {
    const { rows } = await pool.query({ name: 'bare_get', text: 'SELECT state, version FROM claim_view WHERE id = $1', values: [id] });
    return rows[0];
  }

  @Get()
  async list(@Query('storyId') storyId: string): Promise<unknown> {
    const { rows } = await pool.query({
      name: 'bare_list',
      text: 'SELECT state, version FROM claim_view WHERE story_id = $1 ORDER BY created_position LIMIT 21',
      values: [storyId],
    });
    return { items: rows };
  }

  @Post(':id/:kind')
  async change(@Param('id') id: string, @Param('kind') kind: string, @Body() body: Record<string, unknown>): Promise<unknown> {
    const { rows } = await pool.query({
      name: 'bare_append',
      text: `INSERT INTO raw_events (stream_id, stream_version, type, data, metadata)
             SELECT $1, coalesce(max(stream_version), 0) + 1, $2, $3, '{}' FROM raw_events WHERE stream_id = $1
             RETURNING global_position, stream_version`,
      values: [`claim-${id}`, kind, JSON.stringify(body)],
    });
    return rows[0];
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const main = async (): Promise<void> => {
  // The benchmark measures the request path, not the per-key write limit (which would answer 429 after 120 writes).
  const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'warn', DB_POOL_SIZE: '20', RATE_LIMIT_WRITES: '1000000000' });
  const dataSource = await openDatabase(url, config.DB_POOL_SIZE);
  await pool.query(RAW_SCHEMA);
  const app: INestApplication = await createApp(config, dataSource);
  await app.listen(0, '127.0.0.1');
  const bare = await NestFactory.create(BareModule, { logger: false });
  await bare.listen(0, '127.0.0.1');
  const bareFastify = await NestFactory.create(BareModule, new FastifyAdapter(), { logger: false });
  await bareFastify.listen(0, '127.0.0.1');
  const keys = app.get(ApiKeys);
  const port = (server: INestApplication) => (server.getHttpServer() as { address(): { port: number } }).address().port;
  process.stdout.write(
    `bench-http-servers ${JSON.stringify({
      ours: `http://127.0.0.1:${port(app)}`,
      bare: `http://127.0.0.1:${port(bare)}`,
      bareFastify: `http://127.0.0.1:${port(bareFastify)}`,
      reader: (await keys.create('bench-reader', 'reader', ['world'])).token,
      editor: (await keys.create('bench-editor', 'editor', ['world'])).token,
    })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => {
    void (async () => {
      await bare.close();
      await bareFastify.close();
      await app.close();
      await dataSource.destroy();
      await pool.end();
      process.exit(0);
    })();
  });
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
