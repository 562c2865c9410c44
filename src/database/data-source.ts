import { DataSource } from 'typeorm';
import { EventStore1764320000000 } from '../../migrations/1764320000000-event-store';
import { ReadModels1764320001000 } from '../../migrations/1764320001000-read-models';
import { Access1764320002000 } from '../../migrations/1764320002000-access';
import { AsyncProjections1764320200000 } from '../../migrations/1764320200000-async-projections';
import { AppendFunction1764320300000 } from '../../migrations/1764320300000-append-function';
import { SourceKeys1764320400000 } from '../../migrations/1764320400000-source-keys';
import { Snapshots1764320500000 } from '../../migrations/1764320500000-snapshots';
import { AppRole1764320100000 } from '../../migrations/1764320100000-app-role';
import { AuditCheckpoints1764320101000 } from '../../migrations/1764320101000-audit-checkpoints';
import { Desks1764320600000 } from '../../migrations/1764320600000-desks';
import { KeyChangeNotify1764320700000 } from '../../migrations/1764320700000-key-change-notify';
import { StateViewsJson1764320800000 } from '../../migrations/1764320800000-state-views-json';
import { AppendOneEvent1764320900000 } from '../../migrations/1764320900000-append-one-event';

export const MIGRATIONS = [EventStore1764320000000, ReadModels1764320001000, Access1764320002000, AppRole1764320100000, AuditCheckpoints1764320101000, AsyncProjections1764320200000, AppendFunction1764320300000, SourceKeys1764320400000, Snapshots1764320500000, Desks1764320600000, KeyChangeNotify1764320700000, StateViewsJson1764320800000, AppendOneEvent1764320900000];

/** The role the API's pool runs as: it may only INSERT into events (migration 1764320100000). */
export const APP_ROLE = 'claimtrail_app';

/** 'app': the API's pool, as APP_ROLE when the connecting user may switch to it. 'owner': the connecting user, for maintenance (rebuilds). */
export type DatabaseRole = 'app' | 'owner';

/** Per-session limits of the API's pool: overload and outages answer 503 instead of hanging. Unset: no statement limit, 10 s to connect. */
export interface PoolTimeouts {
  statementMs?: number;
  acquireMs?: number;
}

export const createDataSource = (url: string, poolSize = 10, idleInTransactionMs = 60_000, sessionRole?: string, timeouts: PoolTimeouts = {}): DataSource =>
  new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: poolSize,
      // Both waiting for a free pooled client and opening a new connection; pg then rejects with "timeout exceeded when trying to connect" (503).
      connectionTimeoutMillis: timeouts.acquireMs ?? 10_000,
      ...(timeouts.statementMs !== undefined ? { statement_timeout: timeouts.statementMs } : {}),
      application_name: 'claimtrail',
      // An open transaction holds back the horizon every subscriber reads below; never let one idle forever.
      idle_in_transaction_session_timeout: idleInTransactionMs,
      // Set at connection start, so no query of the pool ever runs before it; RESET ROLE returns to it.
      ...(sessionRole ? { options: `-c role=${sessionRole}` } : {}),
    },
  });

/**
 * Whether the connecting user may SET ROLE to the app role: it exists and this user is allowed to switch.
 * A role a DBA created after the migrations ran gets its table grants here, once.
 */
const canSwitchToAppRole = async (dataSource: DataSource): Promise<boolean> => {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query(`SET ROLE ${APP_ROLE}`);
    await runner.query('RESET ROLE');
    const [{ granted }] = (await runner.query(`SELECT has_table_privilege('${APP_ROLE}', 'events', 'INSERT') AS granted`)) as { granted: boolean }[];
    if (!granted) await runner.query('SELECT claimtrail_grant_app_role()');
    return true;
  } catch {
    return false;
  } finally {
    await runner.release();
  }
};

const warnOnce = (message: string): void => process.emitWarning(message, { code: 'CLAIMTRAIL_NO_APP_ROLE' });

/**
 * Brings the schema up to date as the connecting user (who owns the tables), then opens the pool the
 * caller uses: for role 'app' it runs as APP_ROLE, which may only INSERT into events, or, when this
 * user may not switch to it, as the user itself with a warning, and the triggers alone keep events append-only.
 */
export const openDatabase = async (
  url: string,
  poolSize?: number,
  idleInTransactionMs?: number,
  options: { role?: DatabaseRole; warn?: (message: string) => void; timeouts?: PoolTimeouts } = {},
): Promise<DataSource> => {
  const role = options.role ?? 'app';
  const migrator = createDataSource(url, 1, idleInTransactionMs);
  await migrator.initialize();
  const switchable = await (async () => {
    try {
      await migrator.runMigrations({ transaction: 'each' });
      return role === 'app' && (await canSwitchToAppRole(migrator));
    } finally {
      await migrator.destroy();
    }
  })();
  if (role === 'app' && !switchable) {
    (options.warn ?? warnOnce)(
      `the database user may not SET ROLE ${APP_ROLE}, so the API runs as the user itself and only triggers keep events append-only. ` +
        `Ask a superuser to run: CREATE ROLE ${APP_ROLE} NOLOGIN; GRANT ${APP_ROLE} TO <this user>; then restart (see docs/decisions/011-append-only-role.md).`,
    );
  }
  const dataSource = createDataSource(url, poolSize, idleInTransactionMs, switchable ? APP_ROLE : undefined, options.timeouts);
  await dataSource.initialize();
  return dataSource;
};
