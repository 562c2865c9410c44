import { randomUUID } from 'node:crypto';
import { START, type Checkpoint } from './checkpoint';
import { useTestStore } from '../../test/support/test-store';
import { mulberry32 } from '../../test/support/seeded-random';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class RolledBack extends Error {}

describe('Reading the global order while commits land out of order', () => {
  const t = useTestStore(45);

  it('When 32 writers commit with random delays and rollbacks, then the subscriber misses and repeats nothing, while a naive position reader misses events', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`global order race seed=${seed} (rerun with SEED=${seed})`);
    const random = mulberry32(seed);
    const committed = new Set<string>();
    let writing = true;

    const writer = async () => {
      for (let i = 0; i < 25; i++) {
        const eventId = randomUUID();
        const delayed = random() < 0.3;
        const rollBack = random() < 0.05;
        const delay = Math.floor(random() * 60);
        try {
          await t.store.append(`claim-${randomUUID()}`, 'no_stream', [{ eventId, type: 'ClaimRecorded', data: { i } }], {
            beforeCommit: async () => {
              if (delayed) await sleep(delay);
              if (rollBack) throw new RolledBack();
            },
          });
          committed.add(eventId);
        } catch (error) {
          if (!(error instanceof RolledBack)) throw error;
        }
      }
    };

    const subscribed: string[] = [];
    const subscriber = async () => {
      let checkpoint: Checkpoint = START;
      for (let idle = 0; idle < 3; ) {
        const batch = await t.store.readAll(checkpoint, 50);
        subscribed.push(...batch.map((e) => e.eventId));
        if (batch.length > 0) checkpoint = batch[batch.length - 1];
        idle = writing || batch.length > 0 ? 0 : idle + 1;
        await sleep(2);
      }
    };

    const naive: string[] = [];
    const naiveReader = async () => {
      let last = '0';
      for (let idle = 0; idle < 3; ) {
        const rows = await t.db.query<{ event_id: string; global_position: string }>(
          'SELECT event_id, global_position FROM events WHERE global_position > $1 ORDER BY global_position LIMIT 50',
          [last],
        );
        naive.push(...rows.map((r) => r.event_id));
        if (rows.length > 0) last = rows[rows.length - 1].global_position;
        idle = writing || rows.length > 0 ? 0 : idle + 1;
        await sleep(2);
      }
    };

    const readers = Promise.all([subscriber(), naiveReader()]);
    await Promise.all(Array.from({ length: 32 }, writer));
    writing = false;
    await readers;

    expect(committed.size).toBeGreaterThan(600);
    expect(subscribed).toHaveLength(new Set(subscribed).size);
    expect(new Set(subscribed)).toEqual(committed);
    const naiveMissed = [...committed].filter((id) => !naive.includes(id)).length;
    console.log(`committed ${committed.size}; subscriber missed 0, naive reader missed ${naiveMissed}`);
    expect(naiveMissed).toBeGreaterThan(0);
  });
});
