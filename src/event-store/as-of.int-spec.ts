import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase } from '../../test/support/test-database';
import { Database } from '../database/database';
import { openDatabase } from '../database/data-source';
import { commitOrderCut } from './as-of';
import { EventStore } from './event-store';

const claimRecorded = (n: number) => ({ type: 'ClaimRecorded', data: { statement: `Kim will travel to Vladivostok #${n}` } });

/** An append that has taken its place in the global order but waits to commit until released. */
const heldAppend = (store: EventStore, streamId: string) => {
  let release: () => void = () => undefined;
  let started: () => void = () => undefined;
  const holding = new Promise<void>((resolve) => (started = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const done = store.append(streamId, 'no_stream', [claimRecorded(0)], {
    beforeCommit: async () => {
      started();
      await gate;
    },
  });
  return { holding, release, done };
};

describe('As-of reads follow the commit-safe global order', () => {
  let database: { url: string; drop(): Promise<void> };
  let dataSource: DataSource;
  let db: Database;
  // Clocks a day ahead, so no event of the real clock in this database comes after them.
  const t = (seconds: number) => new Date(Date.now() + 86_400_000 + seconds * 1000);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = await openDatabase(database.url, 8);
    db = new Database(dataSource);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await database.drop();
  });

  it('When a transaction that began first records a later time and commits last, then an instant between the two shows neither, never the later one alone', async () => {
    const base = t(0);
    const slow = new EventStore(db, () => new Date(base.getTime() + 60_000));
    const fast = new EventStore(db, () => new Date(base.getTime() + 1_000));
    const slowStream = `claim-${randomUUID()}`;
    const fastStream = `claim-${randomUUID()}`;
    const held = heldAppend(slow, slowStream);
    await held.holding;
    await fast.append(fastStream, 'no_stream', [claimRecorded(1)]);
    held.release();
    await held.done;
    // The slow append holds the earlier place in the global order but was recorded after the instant.
    const between = new Date(base.getTime() + 30_000);
    expect(await fast.readStream(fastStream, { asOf: between })).toEqual([]);
    expect(await fast.readStream(slowStream, { asOf: between })).toEqual([]);
    const after = new Date(base.getTime() + 61_000);
    expect(await fast.readStream(fastStream, { asOf: after })).toHaveLength(1);
    expect(await fast.readStream(slowStream, { asOf: after })).toHaveLength(1);
  });

  it('When an as-of read meets a transaction still open that could land inside its cut, then it waits for it, and without time to wait it stops at the horizon', async () => {
    const store = new EventStore(db);
    const before = `claim-${randomUUID()}`;
    await store.append(before, 'no_stream', [claimRecorded(2)]);
    const heldStream = `claim-${randomUUID()}`;
    const held = heldAppend(store, heldStream);
    await held.holding;
    const later = `claim-${randomUUID()}`;
    await store.append(later, 'no_stream', [claimRecorded(3)]);
    // After every clock of the first test, so that only the open transaction stands in the way.
    const now = t(600);
    // No time to wait: the cut ends where every transaction before it has finished, so `later` is left out for now.
    const hurried = await commitOrderCut(db, now, 0);
    expect(await store.readStream(later, { before: hurried })).toEqual([]);
    expect(await store.readStream(before, { before: hurried })).toHaveLength(1);
    setTimeout(() => held.release(), 100);
    const [heldRead, laterRead] = await Promise.all([store.readStream(heldStream, { asOf: now }), store.readStream(later, { asOf: now })]);
    await held.done;
    expect(heldRead).toHaveLength(1);
    expect(laterRead).toHaveLength(1);
  });
});
