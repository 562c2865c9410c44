import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../../../test/support/seeded-random';
import { useTestStore } from '../../../test/support/test-store';
import { fold } from '../../common/decider';
import { toDomainEvent } from '../../event-store/command-runner';
import { EventStore } from '../../event-store/event-store';
import type { NewEvent, ReadStreamOptions } from '../../event-store/event-store.types';
import { SNAPSHOT_EVERY } from '../../event-store/snapshots';
import { claimDecider, type ClaimEvent } from '../claim.decider';
import { toClaimView } from './claim.view';
import { ClaimViews } from './claim-views';

const pick = <T>(random: () => number, values: readonly T[]): T => values[Math.floor(random() * values.length)];

/** A long claim history of every event type the decider knows, in a random order a desk could produce. */
const randomClaimEvents = (random: () => number, claimId: string, count: number): NewEvent[] => {
  const at = (i: number) => new Date(Date.UTC(2023, 8, 1) + i * 60_000).toISOString();
  const citations: string[] = [];
  const events: NewEvent[] = [
    {
      type: 'ClaimRecorded',
      data: {
        claimId,
        storyId: randomUUID(),
        statement: 'Putin wants North Korea to supply artillery shells and antitank missiles.',
        kind: pick(random, ['assertion', 'forecast']),
        topics: ['arms-for-technology'],
        actors: ['Vladimir Putin', 'Kim Jong-un'],
        occurredAt: null,
        dueAt: random() < 0.5 ? null : '2023-09-13T00:00:00.000Z',
        at: at(0),
      },
    },
  ];
  for (let i = 1; events.length < count; i++) {
    const roll = random();
    if (roll < 0.35 || citations.length === 0) {
      const citationId = randomUUID();
      citations.push(citationId);
      events.push({
        type: 'CitationAdded',
        data: {
          citationId,
          sourceId: randomUUID(),
          role: pick(random, ['original_source', 'relay', 'corroborates', 'contradicts']),
          stance: pick(random, ['supports', 'contradicts', 'neutral']),
          credibility: 1 + Math.floor(random() * 6),
          access: pick(random, ['on_record', 'background', 'anonymous']),
          quote: random() < 0.5 ? null : `US officials said so on background (${i}).`,
          url: null,
          publishedAt: null,
          retrievedAt: at(i),
          relayOf: null,
          citedAt: at(i),
          citedBy: 'ana.editor',
          at: at(i),
        },
      });
    } else if (roll < 0.45) {
      const [citationId] = citations.splice(Math.floor(random() * citations.length), 1);
      events.push({ type: 'CitationWithdrawn', data: { citationId, reason: 'the source walked it back', at: at(i) } });
    } else if (roll < 0.7) {
      events.push({ type: 'VerdictChanged', data: { from: 'unverified', to: pick(random, ['reported', 'disputed', 'corroborated']), reason: `reporting moved on (${i})`, override: random() < 0.2, at: at(i) } });
    } else if (roll < 0.8) {
      events.push({ type: 'ClaimReworded', data: { from: 'old wording', to: `Kim will travel to Vladivostok (${i}).`, reason: 'precision', at: at(i), by: 'ana.editor' } });
    } else if (roll < 0.87) {
      events.push({ type: 'ClaimRelated', data: { relation: pick(random, ['supports', 'part_of', 'duplicate_of']), claimId: randomUUID(), at: at(i) } });
    } else if (roll < 0.92) {
      events.push({ type: 'ForecastResolved', data: { outcome: pick(random, ['occurred', 'did_not_occur']), previousOutcome: null, reason: 'the forum took place', at: at(i) } });
    } else {
      events.push({ type: random() < 0.5 ? 'ClaimWithdrawn' : 'ClaimReinstated', data: { reason: `desk decision (${i})`, at: at(i) } });
    }
  }
  return events;
};

describe('A claim as of a version or an instant, with snapshots', () => {
  const t = useTestStore(4);

  it('When a randomized claim of a few hundred events is read at every version and every instant, then each view equals the full fold of its events', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`claim as-of seed=${seed} (rerun with SEED=${seed})`);
    const random = mulberry32(seed);
    // A day ahead of the real clock, so that no other event of this database comes after these.
    let now = Date.now() + 86_400_000;
    const store = new EventStore(t.db, () => new Date(now));
    const views = new ClaimViews(t.db, store);
    const id = randomUUID();
    const events = randomClaimEvents(random, id, 2 * SNAPSHOT_EVERY + 20 + Math.floor(random() * 2 * SNAPSHOT_EVERY));
    const instants: Date[] = [];
    for (let v = 0; v < events.length; ) {
      const batch = events.slice(v, v + 1 + Math.floor(random() * 4));
      now += 1000;
      await store.append(`claim-${id}`, v === 0 ? 'no_stream' : v, batch);
      instants.push(new Date(now), new Date(now + 500));
      v += batch.length;
    }
    const fullFold = async (at: ReadStreamOptions) => {
      const read = await store.readStream(`claim-${id}`, at);
      const state = fold(claimDecider, read.map(toDomainEvent) as ClaimEvent[]);
      return state.status === 'absent' ? null : toClaimView(state, read[read.length - 1].streamVersion);
    };

    const versions = Array.from({ length: events.length }, (_, i) => i + 1).sort(() => random() - 0.5);
    for (const toVersion of versions) {
      expect({ toVersion, view: await views.findAt(id, { toVersion }) }).toEqual({ toVersion, view: await fullFold({ toVersion }) });
    }
    expect(await views.findAt(id, { toVersion: events.length + 1 })).toBeNull();
    const snapshots = await t.db.query<{ stream_version: number }>('SELECT stream_version FROM stream_snapshots WHERE stream_id = $1 ORDER BY 1', [`claim-${id}`]);
    expect(snapshots.map((row) => row.stream_version)).toEqual([SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY, 3 * SNAPSHOT_EVERY, 4 * SNAPSHOT_EVERY].filter((v) => v <= events.length));
    for (const asOf of [new Date(instants[0].getTime() - 1000), ...instants].sort(() => random() - 0.5)) {
      expect({ asOf, view: await views.findAt(id, { asOf }) }).toEqual({ asOf, view: await fullFold({ asOf }) });
    }
  });
});
