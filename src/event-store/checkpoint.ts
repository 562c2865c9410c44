import { invalidCheckpoint } from './event-store.errors';

/** A place in the global order: (transaction id, global position), written as "txid-position". */
export interface Checkpoint {
  readonly transactionId: string;
  readonly globalPosition: string;
}

const MAX_XID8 = 18_446_744_073_709_551_615n;
const MAX_BIGINT = 9_223_372_036_854_775_807n;

export const START: Checkpoint = { transactionId: '0', globalPosition: '0' };

export const formatCheckpoint = (checkpoint: Checkpoint): string =>
  `${checkpoint.transactionId}-${checkpoint.globalPosition}`;

export const parseCheckpoint = (value: string | undefined): Checkpoint => {
  if (value === undefined || value === '' || value === '0') return START;
  const match = /^(\d{1,20})-(\d{1,19})$/.exec(value);
  // Beyond xid8 and bigint nothing was ever issued, and PostgreSQL would refuse the cast.
  if (!match || BigInt(match[1]) > MAX_XID8 || BigInt(match[2]) > MAX_BIGINT) throw invalidCheckpoint(value);
  return { transactionId: match[1], globalPosition: match[2] };
};
