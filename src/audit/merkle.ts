import { createHash } from 'node:crypto';

/**
 * RFC 6962 (Certificate Transparency) Merkle trees over the event hashes in global order:
 * leaf = SHA-256(0x00 || leaf), node = SHA-256(0x01 || left || right), the empty tree is SHA-256("").
 * The prefixes keep a leaf from ever being passed off as an inner node.
 */

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

export const HASH_BYTES = 32;

export const leafHash = (leaf: Buffer): Buffer => createHash('sha256').update(LEAF).update(leaf).digest();

export const nodeHash = (left: Buffer, right: Buffer): Buffer =>
  createHash('sha256').update(NODE).update(left).update(right).digest();

const EMPTY_ROOT = createHash('sha256').digest();

const largestPowerOfTwoBelow = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/**
 * The roots of the perfect subtrees a tree of `size` leaves is made of, largest (leftmost) first:
 * one per set bit of `size`. Appending a leaf only touches the right end, so a checkpoint keeps this
 * frontier and the next one starts from it instead of from leaf zero.
 */
export class MerkleFrontier {
  private readonly roots: Buffer[];
  private count: number;

  constructor(size = 0, roots: readonly Buffer[] = []) {
    if (roots.length !== popCount(size)) throw new Error(`a frontier of ${size} leaves has ${popCount(size)} roots, not ${roots.length}`);
    this.roots = [...roots];
    this.count = size;
  }

  static fromBytes(size: number, bytes: Buffer): MerkleFrontier {
    return new MerkleFrontier(size, splitHashes(bytes));
  }

  get size(): number {
    return this.count;
  }

  /** Appends one leaf (an event hash). */
  append(leaf: Buffer): void {
    let carry = leafHash(leaf);
    // Each trailing set bit of the old size is a perfect subtree the new leaf completes.
    for (let n = this.count; n & 1; n >>>= 1) carry = nodeHash(this.roots.pop() as Buffer, carry);
    this.roots.push(carry);
    this.count += 1;
  }

  root(): Buffer {
    if (this.roots.length === 0) return EMPTY_ROOT;
    let root = this.roots[this.roots.length - 1];
    for (let i = this.roots.length - 2; i >= 0; i--) root = nodeHash(this.roots[i], root);
    return root;
  }

  toBytes(): Buffer {
    return Buffer.concat(this.roots);
  }

  clone(): MerkleFrontier {
    return new MerkleFrontier(this.count, this.roots);
  }
}

const popCount = (n: number): number => {
  let bits = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) bits += v % 2;
  return bits;
};

export const splitHashes = (bytes: Buffer): Buffer[] => {
  if (bytes.length % HASH_BYTES !== 0) throw new Error(`${bytes.length} bytes is not a whole number of hashes`);
  const hashes: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += HASH_BYTES) hashes.push(bytes.subarray(offset, offset + HASH_BYTES));
  return hashes;
};

/** MTH(D[n]) of RFC 6962, section 2.1. */
export const merkleRoot = (leaves: readonly Buffer[]): Buffer => {
  const frontier = new MerkleFrontier();
  for (const leaf of leaves) frontier.append(leaf);
  return frontier.root();
};

/** PATH(m, D[n]) of RFC 6962, section 2.1.1: the sibling hashes from leaf m up to the root, bottom first. */
export const inclusionProof = (leaves: readonly Buffer[], index: number): Buffer[] => {
  if (!Number.isInteger(index) || index < 0 || index >= leaves.length) throw new Error(`leaf ${index} is not in a tree of ${leaves.length}`);
  const path: Buffer[] = [];
  const walk = (start: number, end: number, m: number): void => {
    const n = end - start;
    if (n === 1) return;
    const k = largestPowerOfTwoBelow(n);
    if (m < k) {
      walk(start, start + k, m);
      path.push(merkleRoot(leaves.slice(start + k, end)));
    } else {
      walk(start + k, end, m - k);
      path.push(merkleRoot(leaves.slice(start, start + k)));
    }
  };
  walk(0, leaves.length, index);
  return path;
};

/** Checks an inclusion proof as RFC 9162, section 2.1.3.2 describes. */
export const verifyInclusion = (leaf: Buffer, index: number, treeSize: number, path: readonly Buffer[], root: Buffer): boolean => {
  if (index < 0 || index >= treeSize) return false;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash(leaf);
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
};
