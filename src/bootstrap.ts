import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { HttpException, type INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { ApiKeys } from './auth/api-keys.service';
import type { Role } from './common/decider';
import { sendProblem } from './common/problem.filter';
import { requestContext } from './common/request-context';
import { StorableTextPipe, validationPipe } from './common/validation';
import { APP_CONFIG, type AppConfig } from './config/app.config';
import { Database } from './database/database';
import { openDatabase, type DatabaseRole } from './database/data-source';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { importStory, readStoryImport } from './import/story-importer';

export const SAMPLE_STORY = resolve(__dirname, '..', '..', 'data', 'sample-story.json');
const REQUEST_ID = /^[\w.:-]{1,100}$/;

export interface Running {
  readonly dataSource: DataSource;
  readonly databaseUrl: string;
  close(): Promise<void>;
}

/** The embedded server when no DATABASE_URL is set, then the schema brought up to date. */
/** The API and workers run as the app role; the CLI (rebuilds, repairs) as the connecting user: see DatabaseRole. */
export const openConfiguredDatabase = async (config: AppConfig, log: (line: string) => void, role: DatabaseRole = 'app'): Promise<Running> => {
  let stopServer = (): Promise<void> => Promise.resolve();
  let url = config.DATABASE_URL;
  if (!url) {
    log(`starting embedded PostgreSQL in ${resolve(config.DATA_DIR)} on port ${config.EMBEDDED_PG_PORT}`);
    const server = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT });
    url = server.url;
    stopServer = () => server.stop();
  }
  // Maintenance (role 'owner': rebuilds, exports) may run long statements; only the serving pool is bounded.
  const timeouts = role === 'app' ? { statementMs: config.DB_STATEMENT_TIMEOUT_MS, acquireMs: config.DB_ACQUIRE_TIMEOUT_MS } : undefined;
  const dataSource = await openDatabase(url, config.DB_POOL_SIZE, config.IDLE_IN_TRANSACTION_TIMEOUT_MS, { role, timeouts, warn: (line) => log(`warning: ${line}`) });
  return {
    dataSource,
    databaseUrl: url,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
      await stopServer();
    },
  };
};

const rejectNonJsonBodies = (req: Request, res: Response, next: NextFunction): void => {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    const problem = { code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as JSON with Content-Type: application/json.' };
    sendProblem(new HttpException(problem, 415), res, new NestLogger('http'));
    return;
  }
  next();
};

/** The JSON parser would turn bytes that are not UTF-8 into U+FFFD and store the damage; refuse them instead. */
const refuseInvalidUtf8 = (_req: unknown, _res: unknown, body: Buffer): void => {
  if (!isUtf8(body)) throw Object.assign(new Error('The body is not valid UTF-8.'), { status: 400, type: 'encoding.invalid' });
};

/**
 * helmet's headers, worked out once: with its default options they are the same on every response,
 * and one middleware setting them costs less per request than helmet's chain of thirteen.
 */
export const securityHeaders = (): ((req: Request, res: Response, next: NextFunction) => void) => {
  const headers: [string, string][] = [];
  const recorder = { setHeader: (name: string, value: unknown) => headers.push([name, String(value)]), removeHeader: () => undefined };
  let passed = false;
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, () => (passed = true));
  if (!passed) throw new Error('helmet did not pass its headers on synchronously');
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
};

/** HTTP concerns the app needs however it is started: body limits, errors, validation, docs. */
export const configureApp = (app: INestApplication): void => {
  const logger = app.get(Logger);
  app.useLogger(logger);
  const http = app.getHttpAdapter().getInstance() as express.Express;
  http.disable('x-powered-by');
  // ETags here are stream versions, set by the controllers; Express's body hashes would contradict them.
  http.set('etag', false);
  http.set('query parser', 'simple');
  const { TRUST_PROXY } = app.get<AppConfig>(APP_CONFIG);
  if (TRUST_PROXY !== undefined) http.set('trust proxy', /^\d+$/.test(TRUST_PROXY) ? Number(TRUST_PROXY) : TRUST_PROXY.split(',').map((entry) => entry.trim()));
  app.use(securityHeaders());
  app.use((req: Request, _res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as Request & { id: string }).id = requestId;
    requestContext.run({ requestId }, next);
  });
  app.use(rejectNonJsonBodies);
  app.use(express.json({ limit: '100kb', type: ['application/json', 'application/*+json'], verify: refuseInvalidUtf8 }));
  app.use((error: unknown, _req: Request, res: Response, next: NextFunction) => (error ? sendProblem(error, res, logger) : next()));
  app.useGlobalPipes(new StorableTextPipe(), validationPipe);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Claimtrail')
      .setDescription('Event-sourced claims tracker for newsrooms. Errors are application/problem+json (RFC 9457).')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/openapi.json' });
};

export const createApp = async (config: AppConfig, dataSource: DataSource): Promise<INestApplication> => {
  const app = await NestFactory.create(AppModule.forRoot(config, dataSource), { bodyParser: false, bufferLogs: true });
  configureApp(app);
  await app.init();
  return app;
};

const ROLES: Role[] = ['reader', 'editor', 'reviewer', 'admin'];

/** The sample story's desk: the demo keys work on it. */
const DEMO_DESK = 'world';

/** First start on an empty store: one key per role on the sample's desk, written to DATA_DIR/demo-keys.json. */
export const createDemoKeys = async (app: INestApplication, config: AppConfig): Promise<Record<Role, string> | null> => {
  const keys = app.get(ApiKeys);
  if ((await keys.count()) > 0) return null;
  const created = {} as Record<Role, string>;
  for (const role of ROLES) created[role] = (await keys.create(`demo-${role}`, role, [DEMO_DESK])).token;
  writeFileSync(resolve(config.DATA_DIR, 'demo-keys.json'), `${JSON.stringify(created, null, 2)}\n`, { mode: 0o600 });
  return created;
};

export const importSampleIfEmpty = async (app: INestApplication): Promise<boolean> => {
  const [{ any }] = await app.get(Database).query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM events) AS any');
  if (any || !existsSync(SAMPLE_STORY)) return false;
  await importStory(app.get(CommandBus), readStoryImport(SAMPLE_STORY), {
    actor: 'sample-import',
    role: 'editor',
    now: new Date().toISOString(),
  });
  return true;
};
