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
