import { createHash, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { canonicalParts, eventHash } from './event-hash';

describe('canonicalParts', () => {
  it('When the database joins head, version and tail and hashes them, then it gets exactly eventHash', () => {
    const seed = Number(process.env.SEED ?? Date.now() % 1_000_000);
    console.log(`canonicalParts seed=${seed} (rerun with SEED=${seed})`);
    fc.assert(
      fc.property(
        fc.record({
          type: fc.string({ minLength: 1 }),
          data: fc.dictionary(fc.string(), fc.jsonValue()),
          metadata: fc.dictionary(fc.string(), fc.jsonValue()),
          streamVersion: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          schemaVersion: fc.integer({ min: 1, max: 9 }),
          prev: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: null }),
        }),
        ({ type, data, metadata, streamVersion, schemaVersion, prev }) => {
          const fields = { streamId: `claim-${randomUUID()}`, eventId: randomUUID(), type, schemaVersion, data, metadata, recordedAt: new Date() };
          const { head, tail } = canonicalParts(fields);
          const prevHash = prev ? Buffer.from(prev) : null;
          const hash = createHash('sha256');
          if (prevHash) hash.update(prevHash);
          const joined = hash.update(`${head}${streamVersion}${tail}`).digest();
          expect(joined.equals(eventHash(prevHash, { ...fields, streamVersion }))).toBe(true);
        },
      ),
      { seed, numRuns: 300 },
    );
  });
});
