import { randomUUID } from 'node:crypto';
import { withClient } from '../../test/support/superuser';
import { mulberry32 } from '../../test/support/seeded-random';
import { useTestStore } from '../../test/support/test-store';
import { fold, type Decider } from '../common/decider';
import { toDomainEvent } from './command-runner';
import { EventStore } from './event-store';
import type { NewEvent, ReadStreamOptions } from './event-store.types';
import { foldAt, stateSchemaOf } from './snapshots';

type TallyEvent =
  | { type: 'Opened'; data: { name: string } }
  | { type: 'Added'; data: { item: string; n: number } }
  | { type: 'Removed'; data: { item: string } }
  | { type: 'Renamed'; data: { name: string | null } };
type TallyState =
  | { status: 'absent' }
  | { status: 'open'; name: string | null; items: { item: string; n: number }[]; total: number; changes: number };

/** A small decider with nested state, removals and nulls: what a snapshot has to carry over exactly. */
const tally: Pick<Decider<TallyState, never, TallyEvent>, 'initialState' | 'evolve'> = {
  initialState: { status: 'absent' },
  evolve: (state, event) => {
    if (event.type === 'Opened') return { status: 'open', name: event.data.name, items: [], total: 0, changes: 0 };
    if (state.status === 'absent') return state;
    const changes = state.changes + 1;
    switch (event.type) {
      case 'Added':
        return { ...state, items: [...state.items, { item: event.data.item, n: event.data.n }], total: state.total + event.data.n, changes };
      case 'Removed': {
        const kept = state.items.filter((i) => i.item !== event.data.item);
        return { ...state, items: kept, total: kept.reduce((sum, i) => sum + i.n, 0), changes };
      }
      case 'Renamed':
        return { ...state, name: event.data.name, changes };
    }
  },
};

/** The same fold written differently, as a new deployment of the decider would be. */
const tallyChanged: typeof tally = { initialState: tally.initialState, evolve: (state, event) => tally.evolve(state, event) };

const EVERY = 8;
const ITEMS = ['shells', 'missiles', 'wheat', 'satellites', 'submarines', 'rice', 'fuel', 'rockets'];

const randomEvents = (random: () => number, count: number): NewEvent[] => {
  const events: NewEvent[] = [{ type: 'Opened', data: { name: 'arms-for-technology' } }];
  while (events.length < count) {
    const roll = random();
    const item = ITEMS[Math.floor(random() * ITEMS.length)];
    if (roll < 0.6) events.push({ type: 'Added', data: { item, n: Math.floor(random() * 100) } });
    else if (roll < 0.85) events.push({ type: 'Removed', data: { item } });
    else events.push({ type: 'Renamed', data: { name: random() < 0.3 ? null : `desk ${Math.floor(random() * 10)}` } });
  }
  return events;
};

const shuffled = <T>(random: () => number, values: readonly T[]): T[] => {
  const out = [...values];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
};

describe('Snapshots: an as-of read folds from the newest usable snapshot', () => {
  const t = useTestStore(4);
  // Clocks a day ahead, so that no event of the real clock comes after them.
  let now = Date.now() + 86_400_000;
  const clock = () => new Date(now);
  const store = (): EventStore => new EventStore(t.db, clock);

  const fullFold = async (s: EventStore, stream: string, at: ReadStreamOptions) => {
    const events = await s.readStream(stream, at);
    return { state: fold(tally, events.map(toDomainEvent) as TallyEvent[]), version: events.length === 0 ? 0 : events[events.length - 1].streamVersion };
  };

  /** Appends `events` to `stream` in small batches, the clock one second further each time, with appends to `noise` in between. */
  const appendInterleaved = async (random: () => number, s: EventStore, stream: string, events: readonly NewEvent[], noise: string) => {
    const instants: Date[] = [];
    for (let v = 0, n = 0; v < events.length; ) {
      const batch = events.slice(v, v + 1 + Math.floor(random() * 4));
      now += 1000;
      await s.append(stream, v === 0 ? 'no_stream' : v, batch);
      instants.push(clock());
      v += batch.length;
      if (random() < 0.5) {
        now += 1000;
        await s.append(noise, n === 0 ? 'no_stream' : n, [{ type: 'Renamed', data: { name: 'noise' } }]);
        n += 1;
      }
    }
    return instants;
  };

  const snapshotRows = (stream: string) =>
    t.db.query<{ state_schema: string; stream_version: number }>(
      'SELECT state_schema, stream_version FROM stream_snapshots WHERE stream_id = $1 ORDER BY state_schema, stream_version',
      [stream],
    );

  it('When a randomized stream is read at every version and every instant, in random order, then each answer equals the full fold, and once read, a version folds fewer events than the snapshot interval', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`snapshots seed=${seed} (rerun with SEED=${seed})`);
    const random = mulberry32(seed);
    const s = store();
    const stream = `tally-${randomUUID()}`;
    const events = randomEvents(random, 60 + Math.floor(random() * 80));
    const instants = await appendInterleaved(random, s, stream, events, `tally-${randomUUID()}`);
    const versions = Array.from({ length: events.length + 2 }, (_, i) => i + 1);

    for (const version of shuffled(random, versions)) {
      const folded = await foldAt(t.db, s, stream, tally, { toVersion: version }, EVERY);
      const expected = await fullFold(s, stream, { toVersion: version });
      expect({ version, state: folded.state, reached: folded.version }).toEqual({ version, state: expected.state, reached: expected.version });
      expect(folded.version).toBe(Math.min(version, events.length));
    }
    // Every multiple of the interval now has its snapshot.
    expect((await snapshotRows(stream)).map((row) => row.stream_version)).toEqual(versions.filter((v) => v % EVERY === 0 && v <= events.length));
    for (const version of versions.filter((v) => v <= events.length)) {
      const folded = await foldAt(t.db, s, stream, tally, { toVersion: version }, EVERY);
      expect({ version, snapshot: folded.snapshotVersion, folded: folded.folded }).toEqual({
        version,
        snapshot: version - (version % EVERY),
        folded: version % EVERY,
      });
    }

    // Instants at, between and before the appends: the cut is global, the other stream's events move it too.
    const moments = [new Date(instants[0].getTime() - 1000), ...instants.flatMap((at) => [at, new Date(at.getTime() + 500)])];
    for (const asOf of shuffled(random, moments)) {
      const expected = await fullFold(s, stream, { asOf });
      const folded = await foldAt(t.db, s, stream, tally, { asOf }, EVERY);
      expect({ asOf, state: folded.state, version: folded.version }).toEqual({ asOf, ...expected });
      expect(folded.folded).toBeLessThan(EVERY);
      const before = await s.cutAt(asOf);
      expect((await foldAt(t.db, s, stream, tally, { before }, EVERY)).state).toEqual(expected.state);
    }
  });

  it('When a snapshot lies past the requested version or the global-order cut, then it is never used; at or below them, it is', async () => {
    const random = mulberry32(7);
    const s = store();
    const stream = `tally-${randomUUID()}`;
    const events = randomEvents(random, 20);
    const instants = await appendInterleaved(random, s, stream, events, `tally-${randomUUID()}`);
    // A forged snapshot at version 16, under the decider's own key and at the true place of event 16 in the global order.
    const [sixteenth] = await t.db.query<{ transaction_id: string; global_position: string; recorded_at: Date }>(
      'SELECT transaction_id::text AS transaction_id, global_position, recorded_at FROM events WHERE stream_id = $1 AND stream_version = 16',
      [stream],
    );
    const forged: TallyState = { status: 'open', name: 'forged', items: [], total: -1, changes: -1 };
    await t.db.query(
      'INSERT INTO stream_snapshots (stream_id, state_schema, stream_version, transaction_id, global_position, state) VALUES ($1, $2, 16, $3::xid8, $4, $5)',
      [stream, stateSchemaOf(tally, new Map()), sixteenth.transaction_id, sixteenth.global_position, JSON.stringify(forged)],
    );
    const justBefore = new Date(sixteenth.recorded_at.getTime() - 1);
    for (const at of [{ toVersion: 15 }, { asOf: justBefore }, { before: await s.cutAt(justBefore) }]) {
      const folded = await foldAt(t.db, s, stream, tally, at, 100);
      expect(folded.snapshotVersion).toBe(0);
      expect(folded.state).toEqual((await fullFold(s, stream, at)).state);
    }
    expect((await foldAt(t.db, s, stream, tally, { toVersion: 16 }, 100)).state).toEqual(forged);
    expect((await foldAt(t.db, s, stream, tally, { asOf: instants[instants.length - 1] }, 100)).snapshotVersion).toBe(16);
  });

  it('When the decider or the upcasters change, then snapshots taken with the old key are ignored and the fold starts from the events', async () => {
    const random = mulberry32(11);
    const s = store();
    const stream = `tally-${randomUUID()}`;
    await appendInterleaved(random, s, stream, randomEvents(random, 30), `tally-${randomUUID()}`);
    await foldAt(t.db, s, stream, tally, { toVersion: 30 }, EVERY);
    expect((await foldAt(t.db, s, stream, tally, { toVersion: 30 }, EVERY)).snapshotVersion).toBe(24);

    expect(stateSchemaOf(tallyChanged, new Map())).not.toBe(stateSchemaOf(tally, new Map()));
    const changed = await foldAt(t.db, s, stream, tallyChanged, { toVersion: 30 }, EVERY);
    expect(changed.snapshotVersion).toBe(0);
    expect(changed.state).toEqual((await fullFold(s, stream, { toVersion: 30 })).state);

    const upcasting = store();
    upcasting.registerUpcaster({ type: 'Added', fromSchemaVersion: 1, upcast: (data) => ({ ...data, n: (data.n as number) * 2 }) });
    const upcast = await foldAt(t.db, upcasting, stream, tally, { toVersion: 30 }, EVERY);
    expect(upcast.snapshotVersion).toBe(0);
    expect(upcast.state).toEqual(fold(tally, (await upcasting.readStream(stream, { toVersion: 30 })).map(toDomainEvent) as TallyEvent[]));
    expect(upcast.state).not.toEqual(changed.state);
    expect(new Set((await snapshotRows(stream)).map((row) => row.state_schema)).size).toBe(3);
  });

  it('When the owner repairs an event in a maintenance session, then the snapshots of its stream are dropped and the next read folds the repaired events', async () => {
    const random = mulberry32(13);
    const s = store();
    const stream = `tally-${randomUUID()}`;
    const other = `tally-${randomUUID()}`;
    await appendInterleaved(random, s, stream, randomEvents(random, 20), `tally-${randomUUID()}`);
    await appendInterleaved(random, s, other, randomEvents(random, 20), `tally-${randomUUID()}`);
    await foldAt(t.db, s, stream, tally, {}, EVERY);
    await foldAt(t.db, s, other, tally, {}, EVERY);
    expect(await snapshotRows(stream)).toHaveLength(1);
    const url = (t.db.dataSource.options as { url?: string }).url ?? '';
    await withClient(url, async (owner) => {
      await owner.query('BEGIN');
      await owner.query(`SET LOCAL claimtrail.maintenance = 'on'`);
      await owner.query(`UPDATE events SET data = '{"name": "repaired"}' WHERE stream_id = $1 AND stream_version = 1`, [stream]);
      await owner.query('COMMIT');
    });
    expect(await snapshotRows(stream)).toHaveLength(0);
    expect(await snapshotRows(other)).toHaveLength(1);
    const repaired = await foldAt(t.db, s, stream, tally, {}, EVERY);
    expect(repaired.snapshotVersion).toBe(0);
    expect(repaired.state).toEqual((await fullFold(s, stream, {})).state);
    expect(repaired.state).toMatchObject({ status: 'open' });
  });
});
