import { eventHash } from '../event-store/event-hash';
import { HASH_BYTES, MerkleFrontier, splitHashes } from './merkle';
import { verifyStatement, type CheckpointStatement } from './signing-key';

/**
 * The checks behind `verify`, on plain records so that the database walk (log-verifier.ts) and the
 * tests share them. tools/verify-export.mjs is a second, independent implementation of the same rules
 * (docs/decisions/012-checkpoints-and-verification.md); the two must name the same events.
 */

export type ProblemCode =
  | 'event_altered'
  | 'chain_broken'
  | 'stream_row_mismatch'
  | 'stream_row_missing'
  | 'not_signed'
  | 'out_of_order'
  | 'signed_event_missing'
  | 'log_truncated'
  | 'checkpoint_invalid'
  | 'checkpoint_mismatch';

export interface Problem {
  /** global_position of the event to look at; null when the event is gone or the fault is a checkpoint's */
  readonly position: string | null;
  readonly code: ProblemCode;
  readonly reason: string;
  readonly streamId?: string;
  readonly version?: number;
  readonly checkpoint?: number;
  /** for ordering problems in the global order */
  readonly transactionId?: string;
}

/** One event as stored, read back with its time at full (microsecond) precision. */
export interface EventRecord {
  readonly position: string;
  readonly transactionId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly metadata: unknown;
  /** "YYYY-MM-DDTHH:MM:SS.ffffffZ" */
  readonly recordedAt: string;
  readonly prevHash: Buffer | null;
  readonly hash: Buffer;
}

export interface StreamRecord {
  readonly streamId: string;
  readonly version: number;
  readonly lastHash: Buffer | null;
}

export interface CheckpointRecord extends CheckpointStatement {
  readonly keyId: string;
  readonly publicKey: Buffer;
  readonly signature: Buffer;
  readonly leaves: Buffer;
}

const MICROS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})000Z$/;

/**
 * The hash the stored fields give. The app records milliseconds, so a time with other microseconds
 * was written by someone else: no hash can match it.
 */
export const recomputeHash = (event: EventRecord): Buffer | null => {
  const millis = MICROS.exec(event.recordedAt);
  if (!millis) return null;
  return eventHash(event.prevHash, {
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
    recordedAt: new Date(`${millis[1]}Z`),
  });
};

const hex = (hash: Buffer | null): string => (hash ? hash.toString('hex') : 'null');

interface Provisional {
  readonly problem: Problem;
  /** hashes that, when they belong to an event already found altered, explain this problem away */
  readonly explainedBy: readonly string[];
}

interface Checked {
  readonly event: EventRecord;
  readonly computed: Buffer | null;
  readonly intact: boolean;
}

/**
 * Hash chains, one stream at a time. Each event is first checked on its own (its fields must hash to
 * its hash); a broken link is blamed on an event only when no altered event explains it, so flipping
 * one byte of an event names that event and no neighbour.
 */
export class ChainChecker {
  readonly problems: Problem[] = [];
  private readonly provisional: Provisional[] = [];
  /** stored and recomputed hashes of every altered event */
  private readonly alteredHashes = new Set<string>();
  eventsChecked = 0;
  streamsChecked = 0;

  /** The events of one stream, in stream_version order, and its row in `streams` if any. */
  checkStream(events: readonly EventRecord[], row: StreamRecord | undefined): void {
    this.streamsChecked += 1;
    this.eventsChecked += events.length;
    const checked: Checked[] = events.map((event) => {
      const computed = recomputeHash(event);
      return { event, computed, intact: computed !== null && computed.equals(event.hash) };
    });
    for (const { event, computed, intact } of checked) {
      if (intact) continue;
      this.alteredHashes.add(hex(event.hash));
      if (computed) this.alteredHashes.add(hex(computed));
      this.problems.push(
        at(event, 'event_altered', computed ? 'its stored fields no longer hash to its stored hash' : 'its recorded time has microseconds the app never writes'),
      );
    }
    let previous: Checked | null = null;
    for (const current of checked) {
      if (current.intact) {
        const expectedVersion = previous ? previous.event.streamVersion + 1 : 1;
        const linked = previous
          ? current.event.prevHash !== null && (current.event.prevHash.equals(previous.event.hash) || (previous.computed?.equals(current.event.prevHash) ?? false))
          : current.event.prevHash === null;
        if (current.event.streamVersion !== expectedVersion || !linked) {
          const reason =
            current.event.streamVersion !== expectedVersion
              ? `version ${expectedVersion}${current.event.streamVersion > expectedVersion + 1 ? `–${current.event.streamVersion - 1}` : ''} is missing before it`
              : 'its prev_hash is not the hash of the event before it';
          this.provisional.push({ problem: at(current.event, 'chain_broken', reason), explainedBy: [hex(current.event.prevHash)] });
        }
      }
      previous = current;
    }
    this.checkRow(checked, row);
  }

  private checkRow(checked: readonly Checked[], row: StreamRecord | undefined): void {
    const intact = checked.filter((c) => c.intact);
    if (intact.length === 0) return;
    const first = intact[0].event;
    if (!row) {
      this.provisional.push({
        problem: at(first, 'stream_row_missing', `stream ${first.streamId} has events but no row in streams`),
        explainedBy: intact.map((c) => hex(c.event.prevHash)),
      });
      return;
    }
    for (const c of intact) {
      if (c.event.streamVersion > row.version) {
        this.provisional.push({
          problem: at(c.event, 'stream_row_mismatch', `it lies beyond version ${row.version}, where the stream row says the stream ends`),
          explainedBy: [],
        });
      }
    }
    const head = checked.find((c) => c.event.streamVersion === row.version);
    const headMatches = head !== undefined && row.lastHash !== null && (row.lastHash.equals(head.event.hash) || (head.computed?.equals(row.lastHash) ?? false));
    if (!headMatches) {
      const problem: Problem = head
        ? at(head.event, 'stream_row_mismatch', 'the stream row keeps a different last hash')
        : {
            position: null,
            code: 'stream_row_mismatch',
            streamId: row.streamId,
            version: row.version,
            reason: `stream ${row.streamId} ends at version ${Math.max(...checked.map((c) => c.event.streamVersion).filter((v) => v <= row.version), 0)} but its row says ${row.version}: its last events were deleted`,
          };
      this.provisional.push({ problem, explainedBy: [hex(row.lastHash), ...(head && !head.intact ? [hex(head.event.hash)] : [])] });
    }
  }

  /** A stream row with no events at all. */
  checkEmptyStream(row: StreamRecord): void {
    if (row.version === 0) return;
    this.provisional.push({
      problem: {
        position: null,
        code: 'stream_row_mismatch',
        streamId: row.streamId,
        version: row.version,
        reason: `stream ${row.streamId} has no events but its row says version ${row.version}: they were deleted`,
      },
      explainedBy: [hex(row.lastHash)],
    });
  }

  /** The problems, once every stream is seen: links explained by an altered event are dropped. */
  finish(): Problem[] {
    for (const { problem, explainedBy } of this.provisional) {
      if (!explainedBy.some((h) => this.alteredHashes.has(h))) this.problems.push(problem);
    }
    this.provisional.length = 0;
    return this.problems;
  }
}

const at = (event: EventRecord, code: ProblemCode, reason: string): Problem => ({
  position: event.position,
  transactionId: event.transactionId,
  streamId: event.streamId,
  version: event.streamVersion,
  code,
  reason: `event at position ${event.position} (${event.streamId} v${event.streamVersion}): ${reason}`,
});

/** The checkpoints' own consistency: sequence, sizes, stored leaves against the signed root, signatures. */
export interface SignedTree {
  readonly problems: Problem[];
  /** the signed leaves of the longest run of checkpoints, from the first, whose leaves match their roots */
  readonly leaves: Buffer[];
  /** every checkpoint, in order, with whether its stored leaves could be trusted */
  readonly checkpoints: readonly { readonly record: CheckpointRecord; readonly leavesTrusted: boolean; readonly boundary: [bigint, bigint] }[];
}

export const parseBoundary = (checkpoint: string): [bigint, bigint] => {
  const [tx, pos] = checkpoint.split('-');
  return [BigInt(tx), BigInt(pos)];
};

const checkpointProblem = (seq: number, reason: string, code: ProblemCode = 'checkpoint_invalid'): Problem => ({
  position: null,
  checkpoint: seq,
  code,
  reason: `checkpoint #${seq}: ${reason}`,
});

export const checkSignedTree = (records: readonly CheckpointRecord[], trustedKeys: readonly Buffer[]): SignedTree => {
  const problems: Problem[] = [];
  const leaves: Buffer[] = [];
  const checkpoints: { record: CheckpointRecord; leavesTrusted: boolean; boundary: [bigint, bigint] }[] = [];
  const frontier = new MerkleFrontier();
  let trustedSoFar = true;
  let previousSize = 0;
  let previousBoundary: [bigint, bigint] = [0n, 0n];
  records.forEach((record, index) => {
    if (record.seq !== index + 1) problems.push(checkpointProblem(record.seq, `found where #${index + 1} belongs: a checkpoint is missing or renumbered`));
    if (!trustedKeys.some((key) => key.equals(record.publicKey))) {
      problems.push(checkpointProblem(record.seq, `signed by key ${record.keyId}, which is not a trusted key (set AUDIT_TRUSTED_KEYS for retired keys)`));
    } else if (!verifyStatement(record, record.signature, record.publicKey)) {
      problems.push(checkpointProblem(record.seq, 'its signature does not match its contents'));
    }
    const boundary = parseBoundary(record.lastCheckpoint);
    if (boundary[0] < previousBoundary[0] || (boundary[0] === previousBoundary[0] && boundary[1] <= previousBoundary[1])) {
      problems.push(checkpointProblem(record.seq, 'its last event is not after the previous checkpoint’s'));
    }
    const added = record.leaves.length / HASH_BYTES;
    let leavesTrusted = trustedSoFar && Number.isInteger(added) && record.treeSize === previousSize + added;
    if (leavesTrusted) {
      const added = splitHashes(record.leaves);
      for (const leaf of added) frontier.append(leaf);
      leavesTrusted = frontier.root().toString('hex') === record.rootHash;
      if (leavesTrusted) for (const leaf of added) leaves.push(leaf);
    }
    // Without its leaves a checkpoint can still be held to the log through its root (LogOrderChecker).
    trustedSoFar = leavesTrusted;
    checkpoints.push({ record, leavesTrusted, boundary });
    previousSize = record.treeSize;
    previousBoundary = boundary;
  });
  return { problems, leaves, checkpoints };
};

interface Covered {
  readonly position: string;
  readonly transactionId: string;
  readonly hash: Buffer;
}

/** Longest strictly increasing subsequence of `values` (indexes into it); -1 entries never take part. */
const longestIncreasing = (values: readonly number[]): Set<number> => {
  const tails: number[] = [];
  const previous = new Array<number>(values.length).fill(-1);
  values.forEach((value, i) => {
    if (value < 0) return;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (values[tails[mid]] < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1];
    tails[lo] = i;
  });
  const keep = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1] : -1; i >= 0; i = previous[i]) keep.add(i);
  return keep;
};

/**
 * The log in global order against the signed trees: every event up to the last checkpoint must be,
 * in order, the leaf the checkpoints signed. Fed one event at a time (hash and place only).
 */
export class LogOrderChecker {
  readonly problems: Problem[] = [];
  private readonly limit: [bigint, bigint] | null;
  /** only checkpoints without usable leaves need the log's own root */
  private readonly frontier: MerkleFrontier | null;
  private coveredCount = 0;
  private index = 0;
  private mismatchAt = -1;
  private readonly tail: Covered[] = [];
  private nextCheckpoint = 0;

  /** the last event of the last checkpoint whose signed leaves are known: events up to it are matched leaf by leaf */
  private readonly alignLimit: [bigint, bigint] | null;

  constructor(private readonly tree: SignedTree) {
    const last = tree.checkpoints[tree.checkpoints.length - 1];
    this.limit = last ? last.boundary : null;
    const trusted = tree.checkpoints.filter((c) => c.leavesTrusted);
    this.alignLimit = trusted.length > 0 ? trusted[trusted.length - 1].boundary : null;
    this.frontier = trusted.length < tree.checkpoints.length ? new MerkleFrontier() : null;
  }

  /** Events in global order. */
  add(position: string, transactionId: string, hash: Buffer): void {
    if (!this.limit) return;
    const tx = BigInt(transactionId);
    const pos = BigInt(position);
    if (tx > this.limit[0] || (tx === this.limit[0] && pos > this.limit[1])) return;
    this.closeCheckpointsBefore(tx, pos);
    const covered = { position, transactionId, hash };
    this.frontier?.append(hash);
    this.coveredCount += 1;
    const aligned = this.alignLimit !== null && (tx < this.alignLimit[0] || (tx === this.alignLimit[0] && pos <= this.alignLimit[1]));
    if (!aligned) return;
    if (this.mismatchAt < 0 && !(this.index < this.tree.leaves.length && this.tree.leaves[this.index].equals(hash))) this.mismatchAt = this.index;
    if (this.mismatchAt >= 0) this.tail.push(covered);
    this.index += 1;
  }

  /** A checkpoint whose leaves cannot be trusted is held to the log by its root, over the events up to its last one. */
  private closeCheckpointsBefore(tx: bigint, pos: bigint): void {
    const checkpoints = this.tree.checkpoints;
    while (this.nextCheckpoint < checkpoints.length) {
      const { record, leavesTrusted, boundary } = checkpoints[this.nextCheckpoint];
      if (tx < boundary[0] || (tx === boundary[0] && pos <= boundary[1])) return;
      if (!leavesTrusted && this.frontier?.root().toString('hex') !== record.rootHash) {
        this.problems.push(checkpointProblem(record.seq, 'the log up to its last event no longer has the Merkle root it signed', 'checkpoint_mismatch'));
      }
      this.nextCheckpoint += 1;
    }
  }

  finish(): Problem[] {
    this.closeCheckpointsBefore(BigInt('18446744073709551615'), 0n);
    if (this.mismatchAt < 0 && this.index < this.tree.leaves.length) this.mismatchAt = this.index;
    if (this.mismatchAt >= 0) this.align();
    return this.problems;
  }

  /** From the first difference on: which events moved, which are new, which signed ones are gone. */
  private align(): void {
    const start = this.mismatchAt;
    const signed = this.tree.leaves.slice(start);
    const slotOf = new Map<string, number>();
    signed.forEach((leaf, slot) => slotOf.set(leaf.toString('hex'), slot));
    const used = new Set<number>();
    const slots = this.tail.map((event) => {
      const slot = slotOf.get(event.hash.toString('hex'));
      if (slot === undefined || used.has(slot)) return -1;
      used.add(slot);
      return slot;
    });
    const inOrder = longestIncreasing(slots);
    const anchors = [...inOrder].sort((a, b) => a - b);
    const report = (event: Covered, code: ProblemCode, reason: string) =>
      this.problems.push({ position: event.position, transactionId: event.transactionId, code, reason: `event at position ${event.position}: ${reason}` });
    slots.forEach((slot, i) => {
      if (slot >= 0 && !inOrder.has(i)) report(this.tail[i], 'out_of_order', `checkpoints signed it as leaf ${start + slot}, elsewhere in the global order`);
    });
    // Between two events still in signed order: pair new events with gone leaves (an altered hash), the rest are inserted or missing.
    const lastCheckpoint = this.tree.checkpoints.filter((c) => c.leavesTrusted).slice(-1)[0].record;
    let fromEvent = 0;
    let fromSlot = 0;
    for (let a = 0; a <= anchors.length; a++) {
      const toEvent = a < anchors.length ? anchors[a] : this.tail.length;
      const toSlot = a < anchors.length ? slots[anchors[a]] : signed.length;
      const unmatched = this.tail.slice(fromEvent, toEvent).filter((_, k) => slots[fromEvent + k] < 0);
      const missing: number[] = [];
      for (let slot = fromSlot; slot < toSlot; slot++) if (!used.has(slot)) missing.push(slot);
      const paired = Math.min(unmatched.length, missing.length);
      for (let k = 0; k < paired; k++) report(unmatched[k], 'not_signed', `its hash is not the one checkpoints signed for leaf ${start + missing[k]}: the event was altered or replaced`);
      for (let k = paired; k < unmatched.length; k++) report(unmatched[k], 'not_signed', 'no checkpoint signed it, though it lies inside a signed tree: it was inserted');
      if (missing.length > paired) {
        const gone = missing.length - paired;
        const first = start + missing[paired];
        if (a < anchors.length) {
          report(this.tail[toEvent], 'signed_event_missing', `${gone} signed event(s) before it (leaf ${first}${gone > 1 ? `–${first + gone - 1}` : ''}) are gone from the log`);
        } else {
          const [, lastPosition] = lastCheckpoint.lastCheckpoint.split('-');
          this.problems.push({
            position: lastPosition,
            transactionId: lastCheckpoint.lastCheckpoint.split('-')[0],
            checkpoint: lastCheckpoint.seq,
            code: 'log_truncated',
            reason: `the log ends ${gone} event(s) short of checkpoint #${lastCheckpoint.seq}, which signed ${lastCheckpoint.treeSize} events up to position ${lastPosition}: its tail was cut`,
          });
        }
      }
      if (a < anchors.length) {
        fromEvent = toEvent + 1;
        fromSlot = toSlot + 1;
      }
    }
  }

  /** Events up to the last checkpoint. */
  get covered(): number {
    return this.coveredCount;
  }
}

/** Problems in global order (those without a place last), so the first is where to start looking. */
export const sortProblems = (problems: readonly Problem[]): Problem[] =>
  [...problems].sort((a, b) => {
    if (a.position === null || b.position === null) return a.position === null ? (b.position === null ? 0 : 1) : -1;
    const ta = BigInt(a.transactionId ?? '0');
    const tb = BigInt(b.transactionId ?? '0');
    if (ta !== tb) return ta < tb ? -1 : 1;
    const pa = BigInt(a.position);
    const pb = BigInt(b.position);
    return pa === pb ? 0 : pa < pb ? -1 : 1;
  });
