import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { eventHash } from '../../src/event-store/event-hash';
import type { NewEvent } from '../../src/event-store/event-store.types';
import { claimHistory } from './payloads';

/** COPY text format: backslash, tab, newline and carriage return escaped; NULL is \N. */
const field = (value: string | null): string =>
  value === null ? '\\N' : value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
const bytea = (value: Buffer | null): string => (value === null ? '\\N' : `\\\\x${value.toString('hex')}`);

interface LoadedStream {
  readonly streamId: string;
  version: number;
  lastHash: Buffer | null;
}

interface ActiveClaim extends LoadedStream {
  readonly history: NewEvent[];
}

/**
 * Appends `count` events of claims that are worked on side by side (each event goes to one of
 * `window` open claims of `claimLength` events, as on a busy desk), with valid hash chains, by COPY in
 * chunks of `chunk` rows (one transaction each), then COPYs the streams rows. Returns the stream ids.
 */
export const bulkLoadClaims = async (
  client: Client,
  count: number,
  progress: (done: number) => void,
  options: { window?: number; claimLength?: number; chunk?: number; start?: Date } = {},
): Promise<string[]> => {
  const window = options.window ?? 2000;
  const claimLength = options.claimLength ?? 20;
  const chunk = options.chunk ?? 50_000;
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const open = (): ActiveClaim => {
    const id = randomUUID();
    return { streamId: `claim-${id}`, history: claimHistory(id, claimLength), version: 0, lastHash: null };
  };
  const active = Array.from({ length: Math.min(window, Math.max(1, Math.ceil(count / claimLength))) }, open);
  // Only what the streams rows need: keeping each finished claim's events would hold the whole load in memory.
  const finished: LoadedStream[] = [];
  let time = (options.start ?? new Date('2023-01-01T00:00:00Z')).getTime();
  let done = 0;
  while (done < count) {
    const size = Math.min(chunk, count - done);
    const lines = function* () {
      for (let i = 0; i < size; i++) {
        const slot = Math.floor(random() * active.length);
        const claim = active[slot];
        const event = claim.history[claim.version];
        const recordedAt = new Date((time += 250));
        const fields = {
          streamId: claim.streamId,
          streamVersion: claim.version + 1,
          eventId: randomUUID(),
          type: event.type,
          schemaVersion: 1,
          data: event.data,
          metadata: event.metadata ?? {},
          recordedAt,
        };
        const hash = eventHash(claim.lastHash, fields);
        yield `${[
          field(fields.streamId),
          String(fields.streamVersion),
          fields.eventId,
          field(fields.type),
          '1',
          field(JSON.stringify(fields.data)),
          field(JSON.stringify(fields.metadata)),
          recordedAt.toISOString(),
          bytea(claim.lastHash),
          bytea(hash),
        ].join('\t')}\n`;
        claim.version += 1;
        claim.lastHash = hash;
        if (claim.version === claim.history.length) {
          finished.push({ streamId: claim.streamId, version: claim.version, lastHash: claim.lastHash });
          active[slot] = open();
        }
      }
    };
    await pipeline(
      Readable.from(lines()),
      client.query(
        copyFrom('COPY events (stream_id, stream_version, event_id, type, schema_version, data, metadata, recorded_at, prev_hash, hash) FROM STDIN'),
      ),
    );
    done += size;
    progress(done);
  }
  const streams: LoadedStream[] = [...finished, ...active.filter((claim) => claim.version > 0)];
  await pipeline(
    Readable.from(streams.map((claim) => `${field(claim.streamId)}\tclaim\t${claim.version}\t${bytea(claim.lastHash)}\n`)),
    client.query(copyFrom('COPY streams (stream_id, type, version, last_hash) FROM STDIN')),
  );
  await client.query('ANALYZE events');
  await client.query('ANALYZE streams');
  return streams.map((claim) => claim.streamId);
};
