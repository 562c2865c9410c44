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
