import { Database } from '../../src/database/database';
import { openDatabase } from '../../src/database/data-source';
import { EventStore } from '../../src/event-store/event-store';
import { createTestDatabase } from './test-database';

/**
 * For database specs of the store itself: a fresh database for the file, opened as the app would,
 * with a store on it; created before the file's tests and dropped after them.
 */
export const useTestStore = (poolSize: number): { readonly db: Database; readonly store: EventStore } => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let db: Database | undefined;
  let store: EventStore | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    db = new Database(await openDatabase(database.url, poolSize));
    store = new EventStore(db);
  });
  afterAll(async () => {
    await db?.dataSource.destroy();
    await database?.drop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useTestStore: used outside a test (before beforeAll ran)');
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get store() {
      return ready(store);
    },
  };
};
