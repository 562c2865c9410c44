import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { HttpException, type INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { ApiKeys } from './auth/api-keys.service';
import type { Role } from './common/decider';
import { MAX_PATH_PARAMETER } from './common/problem';
import { sendProblem } from './common/problem.filter';
import { requestContext, type RequestScope } from './common/request-context';
import { StorableTextPipe, validationPipe } from './common/validation';
import type { AppConfig } from './config/app.config';
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

/** The largest request body read; a larger one gets 413 before it is parsed. */
const BODY_LIMIT = 100 * 1024;
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json$/;

/** A body whose content type is not JSON is refused before it is read (any method, even a GET). */
const isNonJsonBody = (request: FastifyRequest): boolean => {
  const { headers } = request;
  const hasBody = Number(headers['content-length'] ?? 0) > 0 || headers['transfer-encoding'] !== undefined;
  if (!hasBody) return false;
  const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return !JSON_TYPE.test(type);
};

/** An error the problem mapping knows by its `type` (src/common/problem.ts): the body could not be read. */
const bodyError = (message: string, status: number, type: string): Error => Object.assign(new Error(message), { status, type });

/**
 * JSON bodies: bytes that are not UTF-8 are refused (a parser would turn them into U+FFFD and store the
 * damage), only a UTF-8 charset is accepted, a leading byte order mark is dropped, an empty body is no body.
 */
const parseJsonBody = (request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void => {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return done(bodyError(`Unsupported charset "${charset}".`, 415, 'charset.unsupported'));
  if (!isUtf8(body)) return done(bodyError('The body is not valid UTF-8.', 400, 'encoding.invalid'));
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  if (text.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(text));
  } catch {
    done(bodyError('The body is not valid JSON.', 400, 'entity.parse.failed'));
  }
};

/**
 * helmet's headers, worked out once: with its default options they are the same on every response,
 * and setting them from a list costs less per request than helmet's chain of thirteen.
 */
export const securityHeaders = (): Record<string, string> => {
  const headers: Record<string, string> = {};
  const recorder = { setHeader: (name: string, value: unknown) => (headers[name] = String(value)), removeHeader: () => undefined };
  let passed = false;
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, () => (passed = true));
  if (!passed) throw new Error('helmet did not pass its headers on synchronously');
  return headers;
};

/** TRUST_PROXY as Fastify takes it: a number of hops, or the addresses and subnets to trust. */
const trustProxyOf = (setting: string | undefined): ((address: string, hop: number) => boolean) | string[] | undefined => {
  if (setting === undefined) return undefined;
  if (!/^\d+$/.test(setting)) return setting.split(',').map((entry) => entry.trim());
  const hops = Number(setting);
  return (_address, hop) => hop < hops;
};

export interface ServedRoute {
  readonly method: string;
  readonly path: string;
}

const served = new WeakMap<object, ServedRoute[]>();

/** Every route the app's HTTP server answers, as its router registered them (e.g. GET /api/claims/:id). */
export const servedRoutes = (app: INestApplication): readonly ServedRoute[] => served.get(app.getHttpAdapter().getInstance() as object) ?? [];

type ScopedRequest = FastifyRequest & { scope?: RequestScope };

/**
 * The HTTP server: Fastify (docs/decisions/080), with the request id, security headers, the JSON body
 * rules and the request's async context set up in its hooks.
 */
const httpAdapter = (config: AppConfig): FastifyAdapter => {
  const headers = securityHeaders();
  const logger = new NestLogger('HTTP');
  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT,
    trustProxy: trustProxyOf(config.TRUST_PROXY),
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: MAX_PATH_PARAMETER },
    // What the router refuses before any hook runs (a malformed escape in the path, an over-long path
    // parameter) is a problem too, with the same headers as every other response.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(headers);
      sendProblem(error, reply, logger);
    },
  });
  const fastify = adapter.getInstance();
  const routes: ServedRoute[] = [];
  served.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, path: route.url });
  });
  fastify.addHook('onRequest', (request: ScopedRequest, reply, done) => {
    reply.headers(headers);
    if (isNonJsonBody(request)) {
      done(new HttpException({ code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as JSON with Content-Type: application/json.' }, 415));
      return;
    }
    const scope: RequestScope = { requestId: request.id };
    request.scope = scope;
    requestContext.run(scope, done);
  });
  // Reading the body leaves the request's async context behind; enter it again for the guards and handlers.
  fastify.addHook('preValidation', (request: ScopedRequest, _reply, done) => (request.scope ? requestContext.run(request.scope, done) : done()));
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_TYPE, { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, parseJsonBody);
  return adapter;
};

/** HTTP concerns the app needs however it is started: logging, validation, docs. */
const configureApp = (app: NestFastifyApplication): void => {
  app.useLogger(app.get(Logger));
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
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, dataSource), httpAdapter(config), { bodyParser: false, bufferLogs: true });
  configureApp(app);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
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
