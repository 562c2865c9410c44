import { DataSource } from 'typeorm';
import { EventStore1764320000000 } from '../../migrations/1764320000000-event-store';
import { ReadModels1764320001000 } from '../../migrations/1764320001000-read-models';
import { Access1764320002000 } from '../../migrations/1764320002000-access';
import { AsyncProjections1764320200000 } from '../../migrations/1764320200000-async-projections';

export const MIGRATIONS = [EventStore1764320000000, ReadModels1764320001000, Access1764320002000, AsyncProjections1764320200000];

export const createDataSource = (url: string, poolSize = 10): DataSource =>
  new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 10_000, application_name: 'claimtrail' },
  });

/** Connects and brings the schema up to date. */
export const openDatabase = async (url: string, poolSize?: number): Promise<DataSource> => {
  const dataSource = createDataSource(url, poolSize);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
};
