import { z } from 'zod';

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

/** Every setting the app reads, validated once at start-up. The README's table mirrors this. */
export const configSchema = z.object({
  /** PostgreSQL to use. Unset: start the embedded server under DATA_DIR. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Where the embedded server keeps its cluster and the demo keys. */
  DATA_DIR: z.string().min(1).default('.data'),
  /** Port of the embedded server (only without DATABASE_URL). */
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  /** HTTP port and bind address of the API. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** Import data/sample-story.json on an empty store: default on for the embedded server, off otherwise. */
  IMPORT_SAMPLE: flag.optional(),
  /** Create one key per role on first start and write them to DATA_DIR/demo-keys.json. */
  DEMO_KEYS: flag.optional(),
  /** Connections in the pool of each API process. */
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Run the async projection workers in this process (one active per projection across all processes). */
  PROJECTION_WORKERS: flag.default(true),
  /** A session idle inside a transaction longer than this is ended, so it cannot hold subscribers back. */
  IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  /** Longest a statement of the API's pool may run before PostgreSQL cancels it (the request answers 503 with Retry-After). */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(5000),
  /** Longest a request waits for a pooled connection (or a new one) before it answers 503 with Retry-After. */
  DB_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(5000),
  /** Writes (POST, DELETE) one API key may make per RATE_LIMIT_WINDOW_SECONDS, in each API process; more answer 429. */
  RATE_LIMIT_WRITES: z.coerce.number().int().min(1).default(120),
  /** Failed authentications one client IP may make per RATE_LIMIT_WINDOW_SECONDS, in each API process; more answer 429. */
  RATE_LIMIT_FAILED_AUTH: z.coerce.number().int().min(1).default(20),
  /**
   * Behind a reverse proxy: which proxies to trust for the client address (X-Forwarded-For), as Express's
   * "trust proxy": a number of hops, or comma-separated addresses, subnets or loopback/linklocal/uniquelocal.
   * Unset: the connection's own address, so the per-IP limit cannot be dodged with a forged header.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, 'a number of proxy hops, or comma-separated addresses, subnets or loopback/linklocal/uniquelocal')
    .optional(),
  /** The window both rate limits count over; a client over a limit waits this long (Retry-After). */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  /** Sign a checkpoint over the log once this many new events are below the horizon; 0 = only on demand. */
  AUDIT_CHECKPOINT_EVERY: z.coerce.number().int().min(0).default(1000),
  /** How often each API process looks whether a checkpoint is due. */
  AUDIT_CHECKPOINT_POLL_SECONDS: z.coerce.number().min(0.05).max(3600).default(10),
  /** Ed25519 private key (PKCS#8 PEM, or its base64 DER) that signs checkpoints. Unset: generated into DATA_DIR for the embedded server; no checkpoints otherwise. */
  AUDIT_SIGNING_KEY: z.string().optional(),
  /** 32 bytes, base64: wraps each confidential source's data key. Embedded default: generated into DATA_DIR. */
  CONFIDENTIAL_MASTER_KEY: z.string().optional(),
  /** Public keys of retired signing keys (comma-separated, hex or base64 of the raw 32 bytes) whose checkpoints still verify. */
  AUDIT_TRUSTED_KEYS: z.string().optional(),
  /** pino level: fatal, error, warn, info, debug, trace, silent. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type AppConfig = z.infer<typeof configSchema> & { embedded: boolean };

export const APP_CONFIG = Symbol('APP_CONFIG');

export class ConfigError extends Error {}

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): AppConfig => {
  const parsed = configSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration; fix these environment variables:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, embedded: parsed.data.DATABASE_URL === undefined };
};
