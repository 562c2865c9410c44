import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export interface HashedFields {
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: unknown;
  readonly recordedAt: Date;
}

/** sha256(prev_hash || RFC 8785 canonical JSON of the stored fields): each event seals the one before. */
export const eventHash = (prevHash: Buffer | null, event: HashedFields): Buffer => {
  const canonical = canonicalize({
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  });
  const hash = createHash('sha256');
  if (prevHash) hash.update(prevHash);
  return hash.update(canonical ?? '').digest();
};

export interface CanonicalParts {
  /** The canonical JSON up to and including `"streamVersion":`. */
  readonly head: string;
  /** The canonical JSON after the version: `,"type":"…"}`. */
  readonly tail: string;
}

/**
 * The canonical JSON of an event whose stream version only the database will know, split around the
 * version: head + version + tail is exactly what eventHash hashes (keys sort as data, eventId, metadata,
 * recordedAt, schemaVersion, streamId, streamVersion, type, so the version is followed only by the type).
 */
export const canonicalParts = (event: Omit<HashedFields, 'streamVersion'>): CanonicalParts => {
  const canonical = canonicalize({
    streamId: event.streamId,
    streamVersion: 0,
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    recordedAt: event.recordedAt.toISOString(),
  }) as string;
  const tail = `,"type":${canonicalize(event.type) as string}}`;
  const end = `"streamVersion":0${tail}`;
  if (!canonical.endsWith(end)) throw new Error('canonical event JSON does not end with its version and type');
  return { head: canonical.slice(0, canonical.length - end.length + '"streamVersion":'.length), tail };
};
