import { DomainError } from '../common/domain-error';
import type { ExpectedVersion } from './event-store.types';

export const versionConflict = (streamId: string, expected: ExpectedVersion, actual: number): DomainError =>
  new DomainError(
    'STREAM.VERSION_CONFLICT',
    'stale',
    `Stream ${streamId} is at version ${actual}, not ${String(expected)}. Read it again and retry.`,
    { currentVersion: actual },
  );

export const eventIdsReused = (streamId: string): DomainError =>
  new DomainError(
    'STREAM.EVENT_IDS_REUSED',
    'conflict',
    `Some of these event ids are already stored elsewhere than this append to ${streamId} would put them.`,
  );

export const invalidCheckpoint = (value: string): DomainError =>
  new DomainError('EVENTS.INVALID_CHECKPOINT', 'invalid', `"${value}" is not a checkpoint returned by this API.`);
