import { randomUUID } from 'node:crypto';
import { START, type Checkpoint } from '../event-store/checkpoint';
import { EventStore } from '../event-store/event-store';
import type { InlineProjection, StoredEvent } from '../event-store/event-store.types';
import { useTestStore } from '../../test/support/test-store';
import type { EventDetail, ReplayableProjection } from './projection';
import { ReplayReader } from './replay-reader';

const projection = (handles: InlineProjection['handles'], replayDetails?: readonly EventDetail[]): InlineProjection | ReplayableProjection => ({
  name: 'replay-spec',
  handles,
  apply: () => Promise.resolve(),
  ...(replayDetails ? { replayDetails } : {}),
});

/** The fields of a stored event, read through its getters (a replayed event's details live on its prototype). */
const fields = (event: StoredEvent) => ({
  globalPosition: event.globalPosition,
  transactionId: event.transactionId,
  streamId: event.streamId,
  streamVersion: event.streamVersion,
  eventId: event.eventId,
  type: event.type,
  schemaVersion: event.schemaVersion,
  data: event.data,
  metadata: event.metadata,
  recordedAt: event.recordedAt,
  prevHash: event.prevHash,
  hash: event.hash,
});

const readEverything = async (reader: ReplayReader, limit: number) => {
  const events: StoredEvent[] = [];
  let after: Checkpoint = START;
  let count = 0;
  for (let page = await reader.read(after, limit); page.end; page = await reader.read(after, limit)) {
    events.push(...page.events);
    count += page.count;
    after = page.end;
  }
  return { events, count, end: after };
};

describe('Reading the global order for replays', () => {
  const t = useTestStore(4);
  const claim = `claim-${randomUUID()}`;
  const story = `story-${randomUUID()}`;

  beforeAll(async () => {
    await t.store.append(claim, 'no_stream', [{ type: 'ClaimRecorded', data: { statement: 'Putin wants artillery shells.' }, metadata: { actor: 'ana' } }]);
    await t.store.append(story, 'no_stream', [{ type: 'StoryOpened', data: { headline: 'Kim heads to Vostochny' } }]);
    await t.store.append(claim, 1, [
      { type: 'VerdictChanged', data: { to: 'reported' }, metadata: { actor: 'ben', reason: 'US officials say so.' } },
      { type: 'ClaimReworded', data: { to: 'Putin wants shells and antitank missiles.' } },
    ]);
    await t.store.append(story, 1, [{ type: 'StoryRevised', data: { headline: 'Kim arrives at Vostochny' } }]);
  });

  it('When a projection names every detail, then each page holds exactly what EventStore.readAll returns', async () => {
    const all = await t.store.readAll(START, 1000);
    const read = await readEverything(new ReplayReader(t.db, t.store, projection('*')), 2);
    expect(read.events.map(fields)).toEqual(all.map(fields));
    expect(read.count).toBe(all.length);
  });

  it('When a projection handles some types only, then pages hold just those, yet count and end where the log does', async () => {
    const handled = ['ClaimRecorded', 'ClaimReworded'];
    const all = await t.store.readAll(START, 1000);
    const read = await readEverything(new ReplayReader(t.db, t.store, projection(handled, [])), 2);
    expect(read.events.map((e) => [e.globalPosition, e.type, e.data])).toEqual(all.filter((e) => handled.includes(e.type)).map((e) => [e.globalPosition, e.type, e.data]));
    expect(read.count).toBe(all.length);
    expect(read.end).toMatchObject({ globalPosition: all[all.length - 1].globalPosition });
  });

  it('When a projection reads a detail it did not name, then it is told so instead of getting a wrong value', async () => {
    const [event] = (await new ReplayReader(t.db, t.store, projection('*', ['recordedAt'])).read(START, 1)).events;
    expect(event.recordedAt).toEqual((await t.store.readAll(START, 1))[0].recordedAt);
    expect(() => event.metadata).toThrow(/metadata.*replayDetails/);
    expect(() => event.hash).toThrow(/hashes.*replayDetails/);
    expect(() => event.eventId).toThrow(/eventId/);
  });

  it('When the store upcasts a type, then the replay sees the upcast events too', async () => {
    const upcasting = new EventStore(t.db);
    upcasting.registerUpcaster({ type: 'VerdictChanged', fromSchemaVersion: 1, upcast: (data) => ({ ...data, override: false }) });
    const read = await readEverything(new ReplayReader(t.db, upcasting, projection(['VerdictChanged'], [])), 100);
    expect(read.events.map((e) => [e.schemaVersion, e.data])).toEqual([[2, { to: 'reported', override: false }]]);
  });
});
