import { randomUUID } from 'node:crypto';
import { DomainError } from '../common/domain-error';
import { START, formatCheckpoint } from './checkpoint';
import { EventStore } from './event-store';
import { eventHash } from './event-hash';
import type { StoredEvent } from './event-store.types';
import { useTestStore } from '../../test/support/test-store';
import { mulberry32 } from '../../test/support/seeded-random';

const claimRecorded = (n = 0) => ({ type: 'ClaimRecorded', data: { statement: `Putin wants artillery shells #${n}` } });

describe('EventStore on PostgreSQL', () => {
  const t = useTestStore(40);

  const conflictOf = async (work: Promise<unknown>): Promise<DomainError> => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  };

  it('When a stream is appended with each kind of expected version, then only the matching ones succeed', async () => {
    const stream = `claim-${randomUUID()}`;
    expect((await t.store.append(stream, 'no_stream', [claimRecorded()])).version).toBe(1);
    const noStream = await conflictOf(t.store.append(stream, 'no_stream', [claimRecorded()]));
    expect(noStream.code).toBe('STREAM.VERSION_CONFLICT');
    expect(noStream.details.currentVersion).toBe(1);
    expect((await t.store.append(stream, 1, [claimRecorded(), claimRecorded()])).version).toBe(3);
    expect((await conflictOf(t.store.append(stream, 1, [claimRecorded()]))).details.currentVersion).toBe(3);
    expect((await t.store.append(stream, 'stream_exists', [claimRecorded()])).version).toBe(4);
    expect((await t.store.append(stream, 'any', [claimRecorded()])).version).toBe(5);
    const missing = await conflictOf(t.store.append(`claim-${randomUUID()}`, 'stream_exists', [claimRecorded()]));
    expect(missing.details.currentVersion).toBe(0);
    expect((await t.store.readStream(stream)).map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5]);
  });

  it('When an append is retried with the same event ids, then the first result comes back and nothing is written twice', async () => {
    const stream = `claim-${randomUUID()}`;
    const events = [claimRecorded(1), claimRecorded(2)].map((e) => ({ ...e, eventId: randomUUID() }));
    const first = await t.store.append(stream, 'no_stream', events);
    const again = await t.store.append(stream, 'no_stream', events);
    const againAny = await t.store.append(stream, 'any', events);
    expect(again).toEqual({ ...first, idempotent: true });
    expect(againAny).toEqual({ ...first, idempotent: true });
    expect(await t.store.streamVersion(stream)).toBe(2);
    const partial = await conflictOf(t.store.append(stream, 2, [events[1], { ...claimRecorded(3), eventId: randomUUID() }]));
    expect(partial.code).toBe('STREAM.EVENT_IDS_REUSED');
    const elsewhere = await conflictOf(t.store.append(`claim-${randomUUID()}`, 'any', [events[0]]));
    expect(elsewhere.code).toBe('STREAM.EVENT_IDS_REUSED');
  });

  it('When 32 writers append to 4 shared streams at once, then no event is lost or duplicated, every loser learns the actual version, and the global order keeps each stream’s versions in order', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`concurrent writers seed=${seed} (rerun with SEED=${seed})`);
    const random = mulberry32(seed);
    const streams = Array.from({ length: 4 }, () => `claim-${randomUUID()}`);
    const perWriter = 10;
    const appendedIds = new Set<string>();
    let conflicts = 0;
    const writer = async (w: number) => {
      for (let i = 0; i < perWriter; i++) {
        const stream = streams[Math.floor(random() * streams.length)];
        const eventId = randomUUID();
        if (w % 2 === 0) {
          await t.store.append(stream, 'any', [{ ...claimRecorded(i), eventId }]);
        } else {
          for (let expected = await t.store.streamVersion(stream); ; ) {
            try {
              await t.store.append(stream, expected, [{ ...claimRecorded(i), eventId }]);
              break;
            } catch (error) {
              const conflict = error as DomainError;
              expect(conflict.code).toBe('STREAM.VERSION_CONFLICT');
              const actual = conflict.details.currentVersion as number;
              expect(actual).toBeGreaterThan(expected);
              expect(actual).toBe(await t.store.streamVersion(stream).then((v) => Math.min(v, actual)));
              expected = actual;
              conflicts++;
            }
          }
        }
        appendedIds.add(eventId);
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, w) => writer(w)));
    const stored = (await Promise.all(streams.map((s) => t.store.readStream(s)))).flat();
    expect(stored).toHaveLength(32 * perWriter);
    expect(new Set(stored.map((e) => e.eventId))).toEqual(appendedIds);
    for (const stream of streams) {
      const versions = stored.filter((e) => e.streamId === stream).map((e) => e.streamVersion);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
      expect(await t.store.streamVersion(stream)).toBe(versions.length);
    }
    const globalOrder: StoredEvent[] = [];
    for (let batch = await t.store.readAll(START, 500); batch.length > 0; batch = await t.store.readAll(globalOrder[globalOrder.length - 1], 500)) {
      globalOrder.push(...batch);
    }
    for (const stream of streams) {
      const versions = globalOrder.filter((e) => e.streamId === stream).map((e) => e.streamVersion);
      expect(versions).toEqual(versions.map((_, i) => i + 1));
    }
    console.log(`concurrent writers: ${conflicts} conflicts reported and retried`);
  });

  it('When a transaction that began first commits last, then the global order still delivers its event, before the later ones', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started: () => void = () => undefined;
    const holding = new Promise<void>((resolve) => (started = resolve));
    const tail = async () => {
      const seen: StoredEvent[] = [];
      for (let batch = await t.store.readAll(START, 1000); batch.length > 0; ) {
        seen.push(...batch);
        batch = await t.store.readAll(seen[seen.length - 1], 1000);
      }
      return seen;
    };
    const before = await tail();
    const slowStream = `claim-${randomUUID()}`;
    const slow = t.store.append(slowStream, 'no_stream', [claimRecorded()], {
      beforeCommit: async () => {
        started();
        await gate;
      },
    });
    await holding;
    const fastStream = `claim-${randomUUID()}`;
    await t.store.append(fastStream, 'no_stream', [claimRecorded()]);
    const whileOpen = await tail();
    expect(whileOpen.map((e) => e.streamId)).not.toContain(fastStream);
    expect(whileOpen).toHaveLength(before.length);
    release();
    await slow;
    const all = await tail();
    const after = all.slice(before.length).map((e) => e.streamId);
    expect(after).toEqual([slowStream, fastStream]);
    const positions = (await tail()).map((e) => BigInt(e.globalPosition));
    expect(positions.slice(-2)[0]).toBeLessThan(positions.slice(-1)[0]);
    expect(formatCheckpoint(START)).toBe('0-0');
  });

  it('When a stream is read up to a version or a time, then only the events up to it come back', async () => {
    // As-of is a prefix of the global order (as-of.ts), so these clocks run after the real one of earlier tests.
    let now = new Date('2123-09-01T10:00:00Z');
    const timed = new EventStore(t.db, () => now);
    const stream = `claim-${randomUUID()}`;
    await timed.append(stream, 'no_stream', [claimRecorded(1)]);
    now = new Date('2123-09-05T10:00:00Z');
    await timed.append(stream, 1, [claimRecorded(2)]);
    now = new Date('2123-09-10T10:00:00Z');
    await timed.append(stream, 2, [claimRecorded(3)]);
    expect((await t.store.readStream(stream, { toVersion: 2 })).map((e) => e.streamVersion)).toEqual([1, 2]);
    expect((await t.store.readStream(stream, { asOf: new Date('2123-09-06T00:00:00Z') })).map((e) => e.streamVersion)).toEqual([1, 2]);
    expect(await t.store.readStream(stream, { asOf: new Date('2123-08-31T00:00:00Z') })).toEqual([]);
  });

  it('When an upcaster is registered for an old schema version, then reads return the new shape', async () => {
    const upcasting = new EventStore(t.db);
    upcasting.registerUpcaster({ type: 'LegacyNoted', fromSchemaVersion: 1, upcast: (d) => ({ text: d.note, v: 2 }) });
    upcasting.registerUpcaster({ type: 'LegacyNoted', fromSchemaVersion: 2, upcast: (d) => ({ ...d, v: 3 }) });
    const stream = `claim-${randomUUID()}`;
    await upcasting.append(stream, 'no_stream', [{ type: 'LegacyNoted', data: { note: 'food aid' }, schemaVersion: 1 }]);
    const [event] = await upcasting.readStream(stream);
    expect(event.data).toEqual({ text: 'food aid', v: 3 });
    expect(event.schemaVersion).toBe(3);
    expect(await upcasting.loadStream(stream)).toEqual([{ streamVersion: 1, type: 'LegacyNoted', data: { text: 'food aid', v: 3 } }]);
  });

  it('When a stream is loaded to fold, then it holds the version, type and data readStream returns, in order', async () => {
    const stream = `claim-${randomUUID()}`;
    await t.store.append(stream, 'no_stream', [claimRecorded(1), claimRecorded(2)]);
    await t.store.append(stream, 2, [claimRecorded(3)]);
    const full = await t.store.readStream(stream);
    expect(await t.store.loadStream(stream)).toEqual(full.map(({ streamVersion, type, data }) => ({ streamVersion, type, data })));
    expect(await t.store.loadStream(`claim-${randomUUID()}`)).toEqual([]);
  });

  it('When anyone tries to update, delete or truncate events, then PostgreSQL refuses', async () => {
    const stream = `claim-${randomUUID()}`;
    await t.store.append(stream, 'no_stream', [claimRecorded()]);
    await expect(t.db.query(`UPDATE events SET data = '{}' WHERE stream_id = $1`, [stream])).rejects.toThrow(/append-only|permission denied/);
    await expect(t.db.query(`DELETE FROM events WHERE stream_id = $1`, [stream])).rejects.toThrow(/append-only|permission denied/);
    await expect(t.db.query(`TRUNCATE events`)).rejects.toThrow(/append-only|permission denied/);
    expect(await t.store.readStream(stream)).toHaveLength(1);
  });

  it('When events are appended, then each one carries a hash chained to the one before', async () => {
    const stream = `claim-${randomUUID()}`;
    await t.store.append(stream, 'no_stream', [claimRecorded(1), claimRecorded(2)]);
    const [first, second] = await t.store.readStream(stream);
    expect(first.prevHash).toBeNull();
    expect(second.prevHash?.equals(first.hash)).toBe(true);
    const [{ last_hash }] = await t.db.query<{ last_hash: Buffer }>('SELECT last_hash FROM streams WHERE stream_id = $1', [stream]);
    expect(last_hash.equals(second.hash)).toBe(true);
  });

  it('When single events (append_event) and batches (append_events) take turns on a stream, then both seal each event as eventHash does and continue one chain', async () => {
    const stream = `claim-${randomUUID()}`;
    const single = { ...claimRecorded(3), eventId: randomUUID() };
    expect((await t.store.append(stream, 'no_stream', [claimRecorded(1)])).version).toBe(1);
    expect((await t.store.append(stream, 1, [claimRecorded(2)])).version).toBe(2);
    expect((await t.store.append(stream, 2, [single])).version).toBe(3);
    expect(await t.store.append(stream, 2, [single])).toMatchObject({ version: 3, idempotent: true });
    expect((await conflictOf(t.store.append(stream, 2, [claimRecorded(4)]))).details.currentVersion).toBe(3);
    expect((await t.store.append(stream, 3, [claimRecorded(4), claimRecorded(5)])).version).toBe(5);
    expect((await t.store.append(stream, 'any', [claimRecorded(6)])).version).toBe(6);
    const events = await t.store.readStream(stream);
    expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6]);
    events.forEach((event, i) => {
      const previous = i === 0 ? null : events[i - 1].hash;
      expect(event.prevHash?.toString('hex') ?? null).toBe(previous?.toString('hex') ?? null);
      expect(event.hash.toString('hex')).toBe(eventHash(previous, event).toString('hex'));
    });
    const [{ last_hash }] = await t.db.query<{ last_hash: Buffer }>('SELECT last_hash FROM streams WHERE stream_id = $1', [stream]);
    expect(last_hash.toString('hex')).toBe(events[5].hash.toString('hex'));
  });
});
