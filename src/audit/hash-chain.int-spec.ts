import { useTestStore } from '../../test/support/test-store';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ChainChecker, recomputeHash } from './log-check';
import { eventRecordColumns, toEventRecord, type EventRecordRow } from './log-rows';

const NUL = String.fromCharCode(0);

/** PostgreSQL refuses NUL in jsonb text, so documents with one can never be appended. */
const withoutNul = (value: unknown): unknown => {
  if (typeof value === 'string') return value.split(NUL).join('');
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.split(NUL).join(''), withoutNul(v)]));
  }
  return value;
};

const document = fc
  .dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 4 }), { maxKeys: 6 })
  .map((d) => withoutNul(d) as Record<string, unknown>);

describe('The hash chain through a jsonb round trip', () => {
  const t = useTestStore(4);

  it('When events with arbitrary JSON (unicode, -0, huge and tiny numbers, nesting) are stored as jsonb and read back, then every hash recomputes from the stored fields and every link holds', async () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`jsonb round trip seed=${seed} (rerun with SEED=${seed})`);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(document, document), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), async (events, appends) => {
        const streamId = `claim-${randomUUID()}`;
        for (let i = 0; i < appends; i++) {
          await t.store.append(
            streamId,
            'any',
            events.map(([data, metadata]) => ({ type: 'ClaimRecorded', data, metadata })),
          );
        }
        const { rows } = await t.db.pool.query<EventRecordRow>(
          `SELECT ${eventRecordColumns('events')} FROM events WHERE stream_id = $1 ORDER BY stream_version`,
          [streamId],
        );
        const records = rows.map(toEventRecord);
        for (const record of records) expect(recomputeHash(record)?.toString('hex')).toBe(record.hash.toString('hex'));
        const [row] = await t.db.query<{ version: number; last_hash: Buffer }>('SELECT version, last_hash FROM streams WHERE stream_id = $1', [streamId]);
        const chains = new ChainChecker();
        chains.checkStream(records, { streamId, version: row.version, lastHash: row.last_hash });
        expect(chains.finish()).toEqual([]);
        expect(row.last_hash.equals(records[records.length - 1].hash)).toBe(true);
      }),
      { seed, numRuns: 60 },
    );
  });
});
