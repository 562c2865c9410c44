import { invalidCheckpoint } from './event-store.errors';

/** A place in the global order: (transaction id, global position), written as "txid-position". */
export interface Checkpoint {
  readonly transactionId: string;
  readonly globalPosition: string;
}

export const START: Checkpoint = { transactionId: '0', globalPosition: '0' };

export const formatCheckpoint = (checkpoint: Checkpoint): string =>
  `${checkpoint.transactionId}-${checkpoint.globalPosition}`;

export const parseCheckpoint = (value: string | undefined): Checkpoint => {
  if (value === undefined || value === '' || value === '0') return START;
  const match = /^(\d{1,20})-(\d{1,19})$/.exec(value);
  if (!match) throw invalidCheckpoint(value);
  return { transactionId: match[1], globalPosition: match[2] };
};
