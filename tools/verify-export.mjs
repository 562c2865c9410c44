#!/usr/bin/env node
// Independent verifier for a Claimtrail export (`npm run cli -- export --out log.ndjson`).
//
//   node tools/verify-export.mjs log.ndjson --public-key <hex|base64|file> [--public-key …] [--json]
//
// Plain Node (>= 20) and the `canonicalize` package (RFC 8785), nothing from the Claimtrail code base:
// keep it, the export and your copy of the signing public key somewhere the database cannot reach.
// It checks what the app's verify checks, written a second time from the rules alone:
//   1. each event:   sha256(prev_hash || canonical JSON of streamId, streamVersion, eventId, type,
//                    schemaVersion, data, metadata, recordedAt) equals its hash;
//   2. each stream:  versions 1..n, each prev_hash the hash before it, and the stream row's version
//                    and last hash are its last event's;
//   3. checkpoints:  numbered 1..k, Ed25519 signatures by a trusted key over the canonical JSON of
//                    {log, seq, treeSize, rootHash, lastCheckpoint, createdAt}, stored leaves that hash
//                    to the signed RFC 6962 root, and the log up to each one still those leaves in order.
// Exit code 0: intact; 1: something was altered (each problem names the event); 2: could not run.

import { createHash, createPublicKey, verify } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import canonicalize from 'canonicalize';

const usage = 'usage: node tools/verify-export.mjs <export.ndjson> [--public-key <hex|base64|file>]... [--json]';

const parseArgs = (argv) => {
  const args = { file: null, keys: [], json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') args.json = true;
    else if (arg === '--public-key') args.keys.push(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      console.log(usage);
      process.exit(0);
    } else if (!args.file) args.file = arg;
    else throw new Error(`unexpected argument ${arg}\n${usage}`);
  }
  if (!args.file) throw new Error(usage);
  return args;
};

const rawKey = (text) => {
  const value = existsSync(text) ? readFileSync(text, 'utf8').trim() : text.trim();
  if (value.includes('-----BEGIN')) {
    return Buffer.from(createPublicKey(value).export({ format: 'jwk' }).x, 'base64url');
  }
  const raw = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (raw.length !== 32) throw new Error(`--public-key ${text}: not a 32-byte Ed25519 public key (hex, base64 or a PEM file)`);
  return raw;
};

const sha256 = (...parts) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

// ---- RFC 6962 Merkle tree --------------------------------------------------------------------
const leafOf = (data) => sha256(Buffer.from([0]), data);
const nodeOf = (left, right) => sha256(Buffer.from([1]), left, right);

class Tree {
  constructor() {
    this.stack = []; // [{ size, hash }], perfect subtrees, left to right
    this.size = 0;
  }
  push(data) {
    let item = { size: 1, hash: leafOf(data) };
    while (this.stack.length > 0 && this.stack[this.stack.length - 1].size === item.size) {
      const left = this.stack.pop();
      item = { size: left.size * 2, hash: nodeOf(left.hash, item.hash) };
    }
    this.stack.push(item);
    this.size += 1;
  }
  root() {
    if (this.stack.length === 0) return sha256(Buffer.alloc(0));
    let hash = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) hash = nodeOf(this.stack[i].hash, hash);
    return hash;
  }
  copy() {
    const tree = new Tree();
    tree.stack = [...this.stack];
    tree.size = this.size;
    return tree;
  }
}

// ---- reading the export ------------------------------------------------------------------------
const read = async (file) => {
  const events = [];
  const streams = new Map();
  const checkpoints = [];
  let header = null;
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line += 1;
    if (text.trim() === '') continue;
    let item;
    try {
      item = JSON.parse(text);
    } catch {
      throw new Error(`${file}:${line} is not JSON; the export is damaged`);
    }
    if (item.kind === 'claimtrail-export') header = item;
    else if (item.kind === 'event') events.push(eventOf(item));
    else if (item.kind === 'stream') streams.set(item.streamId, item);
    else if (item.kind === 'checkpoint') checkpoints.push(item);
    else throw new Error(`${file}:${line}: unknown line kind ${JSON.stringify(item.kind)}`);
  }
  if (!header) throw new Error(`${file} has no claimtrail-export header line; is it an export?`);
  return { header, events, streams, checkpoints };
};

// The app writes milliseconds; a time with other microseconds cannot be what was hashed.
const hashedTime = (recordedAt) => {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3})000Z$/.exec(recordedAt);
  return match ? `${match[1]}Z` : null;
};

// Keeps only what the checks need once the event's own hash is recomputed.
const eventOf = (item) => {
  const time = hashedTime(item.recordedAt);
  let computed = null;
  if (time !== null) {
    const canonical = canonicalize({
      streamId: item.streamId,
      streamVersion: item.streamVersion,
      eventId: item.eventId,
      type: item.type,
      schemaVersion: item.schemaVersion,
      data: item.data,
      metadata: item.metadata,
      recordedAt: time,
    });
    computed = sha256(item.prevHash === null ? Buffer.alloc(0) : Buffer.from(item.prevHash, 'hex'), Buffer.from(canonical, 'utf8')).toString('hex');
  }
  return {
    position: item.position,
    tx: BigInt(item.transactionId),
    pos: BigInt(item.position),
    transactionId: item.transactionId,
    streamId: item.streamId,
    version: item.streamVersion,
    prevHash: item.prevHash,
    hash: item.hash,
    computed,
    timeOk: time !== null,
  };
};

// ---- checks ---------------------------------------------------------------------------------------
const problemAt = (event, code, reason) => ({
  position: event.position,
  transactionId: event.transactionId,
  code,
  reason: `event at position ${event.position} (${event.streamId} v${event.version}): ${reason}`,
});

const checkChains = (events, streams) => {
  const problems = [];
  const pending = []; // [problem, hashes that explain it]
  const altered = new Set();
  const byStream = new Map();
  for (const event of events) {
    if (!byStream.has(event.streamId)) byStream.set(event.streamId, []);
    byStream.get(event.streamId).push(event);
  }
  for (const [streamId, list] of byStream) {
    list.sort((a, b) => a.version - b.version);
    for (const e of list) {
      e.intact = e.computed !== null && e.computed === e.hash;
      if (!e.intact) {
        altered.add(e.hash);
        if (e.computed) altered.add(e.computed);
        problems.push(problemAt(e, 'event_altered', e.timeOk ? 'hash mismatch' : 'recorded time not in milliseconds'));
      }
    }
    let before = null;
    for (const e of list) {
      if (e.intact) {
        const wanted = before ? before.version + 1 : 1;
        const linked = before ? e.prevHash !== null && (e.prevHash === before.hash || e.prevHash === before.computed) : e.prevHash === null;
        if (e.version !== wanted || !linked) pending.push([problemAt(e, 'chain_broken', e.version !== wanted ? 'version gap' : 'prev_hash mismatch'), [String(e.prevHash)]]);
      }
      before = e;
    }
    const intact = list.filter((e) => e.intact);
    const row = streams.get(streamId);
    if (intact.length === 0) continue;
    if (!row) {
      pending.push([problemAt(intact[0], 'stream_row_missing', 'no stream row'), intact.map((e) => String(e.prevHash))]);
      continue;
    }
    for (const e of intact) if (e.version > row.version) pending.push([problemAt(e, 'stream_row_mismatch', `beyond stream row version ${row.version}`), []]);
    const head = list.find((e) => e.version === row.version);
    const matches = head && row.lastHash !== null && (row.lastHash === head.hash || row.lastHash === head.computed);
    if (!matches) {
      const problem = head
        ? problemAt(head, 'stream_row_mismatch', 'stream row keeps another last hash')
        : { position: null, code: 'stream_row_mismatch', reason: `stream ${streamId}: row says version ${row.version}, events are missing` };
      pending.push([problem, [String(row.lastHash), ...(head && !head.intact ? [head.hash] : [])]]);
    }
  }
  for (const [streamId, row] of streams) {
    if (!byStream.has(streamId) && row.version > 0) {
      pending.push([{ position: null, code: 'stream_row_mismatch', reason: `stream ${streamId}: row says version ${row.version}, no events` }, [String(row.lastHash)]]);
    }
  }
  for (const [problem, explainedBy] of pending) if (!explainedBy.some((h) => altered.has(h))) problems.push(problem);
  return problems;
};

const statementOf = (c) => canonicalize({ log: 'claimtrail', seq: c.seq, treeSize: c.treeSize, rootHash: c.rootHash, lastCheckpoint: c.lastCheckpoint, createdAt: c.createdAt });

const signatureHolds = (c, key) => {
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: key.toString('base64url') }, format: 'jwk' });
    return verify(null, Buffer.from(statementOf(c), 'utf8'), publicKey, Buffer.from(c.signature, 'hex'));
  } catch {
    return false;
  }
};

const boundaryOf = (c) => {
  const [tx, pos] = c.lastCheckpoint.split('-').map(BigInt);
  return { tx, pos };
};
const atOrBefore = (e, b) => e.tx < b.tx || (e.tx === b.tx && e.pos <= b.pos);

const checkCheckpoints = (checkpoints, trusted) => {
  const problems = [];
  const bad = (c, reason, code = 'checkpoint_invalid') => problems.push({ position: null, code, reason: `checkpoint #${c.seq}: ${reason}` });
  checkpoints.sort((a, b) => a.seq - b.seq);
  const signed = [];
  const tree = new Tree();
  let chainOk = true;
  let size = 0;
  let last = { tx: 0n, pos: 0n };
  const info = [];
  checkpoints.forEach((c, i) => {
    if (c.seq !== i + 1) bad(c, `expected #${i + 1}`);
    const key = Buffer.from(c.publicKey, 'hex');
    if (!trusted.some((k) => k.equals(key))) bad(c, `key ${c.keyId} is not trusted`);
    else {
      if (!signatureHolds(c, key)) bad(c, 'bad signature');
    }
    const boundary = boundaryOf(c);
    if (boundary.tx < last.tx || (boundary.tx === last.tx && boundary.pos <= last.pos)) bad(c, 'does not move forward');
    const leaves = Buffer.from(c.leaves, 'base64');
    let trustedLeaves = chainOk && leaves.length % 32 === 0 && c.treeSize === size + leaves.length / 32;
    if (trustedLeaves) {
      const next = tree.copy();
      for (let o = 0; o < leaves.length; o += 32) next.push(leaves.subarray(o, o + 32));
      trustedLeaves = next.root().toString('hex') === c.rootHash;
      if (trustedLeaves) {
        for (let o = 0; o < leaves.length; o += 32) {
          tree.push(leaves.subarray(o, o + 32));
          signed.push(leaves.subarray(o, o + 32).toString('hex'));
        }
      }
    }
    chainOk = trustedLeaves;
    info.push({ c, trustedLeaves, boundary });
    size = c.treeSize;
    last = boundary;
  });
  return { problems, signed, info };
};

// Longest strictly increasing run of slots (indexes of the kept entries); -1 never kept.
const increasing = (slots) => {
  const tails = [];
  const back = new Array(slots.length).fill(-1);
  for (let i = 0; i < slots.length; i++) {
    if (slots[i] < 0) continue;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (slots[tails[mid]] < slots[i]) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) back[i] = tails[lo - 1];
    tails[lo] = i;
  }
  const kept = new Set();
  for (let i = tails.length ? tails[tails.length - 1] : -1; i >= 0; i = back[i]) kept.add(i);
  return kept;
};

const checkOrder = (ordered, tree) => {
  const problems = [];
  if (tree.info.length === 0) return { problems, covered: 0 };
  const limit = tree.info[tree.info.length - 1].boundary;
  const trustedInfo = tree.info.filter((x) => x.trustedLeaves);
  const alignLimit = trustedInfo.length ? trustedInfo[trustedInfo.length - 1].boundary : null;
  const covered = ordered.filter((e) => atOrBefore(e, limit));
  // Checkpoints whose leaves cannot be used are held to the log by their signed root.
  const roots = new Tree();
  let next = 0;
  const close = (e) => {
    while (next < tree.info.length && !(e && atOrBefore(e, tree.info[next].boundary))) {
      const { c, trustedLeaves } = tree.info[next];
      if (!trustedLeaves && roots.root().toString('hex') !== c.rootHash) {
        problems.push({ position: null, code: 'checkpoint_mismatch', reason: `checkpoint #${c.seq}: the log no longer has its signed root` });
      }
      next += 1;
    }
  };
  for (const e of covered) {
    close(e);
    roots.push(Buffer.from(e.hash, 'hex'));
  }
  close(null);
  if (!alignLimit) return { problems, covered: covered.length };
  const aligned = covered.filter((e) => atOrBefore(e, alignLimit));
  let start = 0;
  while (start < aligned.length && start < tree.signed.length && aligned[start].hash === tree.signed[start]) start += 1;
  if (start === aligned.length && start === tree.signed.length) return { problems, covered: covered.length };
  const tail = aligned.slice(start);
  const signed = tree.signed.slice(start);
  const slotOf = new Map(signed.map((h, i) => [h, i]));
  const used = new Set();
  const slots = tail.map((e) => {
    const slot = slotOf.get(e.hash);
    if (slot === undefined || used.has(slot)) return -1;
    used.add(slot);
    return slot;
  });
  const kept = increasing(slots);
  slots.forEach((slot, i) => {
    if (slot >= 0 && !kept.has(i)) problems.push(problemAt(tail[i], 'out_of_order', `signed as leaf ${start + slot}`));
  });
  const anchors = [...kept].sort((a, b) => a - b);
  const lastTrusted = trustedInfo[trustedInfo.length - 1].c;
  let e0 = 0;
  let s0 = 0;
  for (let a = 0; a <= anchors.length; a++) {
    const e1 = a < anchors.length ? anchors[a] : tail.length;
    const s1 = a < anchors.length ? slots[anchors[a]] : signed.length;
    const unmatched = [];
    for (let i = e0; i < e1; i++) if (slots[i] < 0) unmatched.push(tail[i]);
    const missing = [];
    for (let s = s0; s < s1; s++) if (!used.has(s)) missing.push(s);
    const pairs = Math.min(unmatched.length, missing.length);
    for (let k = 0; k < unmatched.length; k++) problems.push(problemAt(unmatched[k], 'not_signed', k < pairs ? `replaces signed leaf ${start + missing[k]}` : 'inserted into a signed tree'));
    if (missing.length > pairs) {
      if (a < anchors.length) problems.push(problemAt(tail[e1], 'signed_event_missing', `${missing.length - pairs} signed event(s) before it are gone`));
      else {
        const [tx, pos] = lastTrusted.lastCheckpoint.split('-');
        problems.push({ position: pos, transactionId: tx, code: 'log_truncated', reason: `log ends ${missing.length - pairs} event(s) short of checkpoint #${lastTrusted.seq}` });
      }
    }
    e0 = e1 + 1;
    s0 = s1 + 1;
  }
  return { problems, covered: covered.length };
};

const inGlobalOrder = (a, b) => {
  if (a.position === null || b.position === null) return a.position === null ? (b.position === null ? 0 : 1) : -1;
  const ta = BigInt(a.transactionId ?? 0);
  const tb = BigInt(b.transactionId ?? 0);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const pa = BigInt(a.position);
  const pb = BigInt(b.position);
  return pa === pb ? 0 : pa < pb ? -1 : 1;
};

const main = async () => {
  const started = performance.now();
  const args = parseArgs(process.argv.slice(2));
  const { header, events, streams, checkpoints } = await read(args.file);
  const notes = [];
  let trusted = args.keys.map(rawKey);
  if (trusted.length === 0) {
    trusted = (header.publicKeys ?? []).map((k) => Buffer.from(k, 'hex'));
    notes.push('No --public-key given: signatures were checked against the keys the export itself names, which proves nothing about who signed.');
  }
  if (header.events !== events.length || header.checkpoints !== checkpoints.length) {
    throw new Error(`${args.file} holds ${events.length} events and ${checkpoints.length} checkpoints, but its header promises ${header.events} and ${header.checkpoints}: the export is incomplete; export again`);
  }
  const tree = checkCheckpoints(checkpoints, trusted);
  const chainProblems = checkChains(events, streams);
  const ordered = [...events].sort((a, b) => (a.tx !== b.tx ? (a.tx < b.tx ? -1 : 1) : a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : 0));
  const order = checkOrder(ordered, tree);
  const problems = [...tree.problems, ...chainProblems, ...order.problems].sort(inGlobalOrder);
  if (checkpoints.length === 0) notes.push('The export has no checkpoint: a cut tail or a reordered log cannot be told from an honest one.');
  const first = problems.find((p) => p.position !== null) ?? problems[0] ?? null;
  const seconds = (performance.now() - started) / 1000;
  const report = {
    ok: problems.length === 0,
    eventsChecked: events.length,
    checkpointsChecked: checkpoints.length,
    eventsUnderCheckpoints: order.covered,
    firstBadPosition: first ? first.position : null,
    reason: first ? first.reason : null,
    problemCount: problems.length,
    problems,
    notes,
    seconds,
    eventsPerSecond: Math.round(events.length / Math.max(seconds, 1e-6)),
  };
  if (args.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(report.ok ? `ok: ${events.length} events and ${checkpoints.length} checkpoints are as written` : `NOT OK: ${problems.length} problem(s); first bad position ${report.firstBadPosition}`);
    for (const p of problems) console.log(`  ${p.code.padEnd(20)} ${p.reason}`);
    for (const n of notes) console.log(`note: ${n}`);
    console.log(`${seconds.toFixed(2)} s, ${report.eventsPerSecond} events/s`);
  }
  process.exitCode = report.ok ? 0 : 1;
};

main().catch((error) => {
  console.error(`verify-export: ${error.message}`);
  process.exitCode = 2;
});
