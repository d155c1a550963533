import { createHash } from 'node:crypto';

/**
 * Merkle trees as Certificate Transparency defines them (RFC 6962 §2.1): a leaf's hash is
 * SHA-256(0x00 || data), an inner node's SHA-256(0x01 || left || right), and a tree of n
 * leaves splits after the largest power of two below n. The distinct prefixes keep a leaf
 * from being passed off as an inner node. Inclusion proofs are the audit paths of §2.1.1.
 */

const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

export function leafHash(data: Buffer | string): Buffer {
  return createHash('sha256').update(LEAF).update(data).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(NODE).update(left).update(right).digest();
}

/** The root of an empty tree: the hash of nothing. */
export const EMPTY_ROOT = createHash('sha256').digest();

/**
 * The root over leaf hashes, built bottom-up: pairing neighbours and carrying a lone last
 * node up a level gives exactly RFC 6962's tree (its left subtrees are the full ones). The
 * verifier builds the same tree inside ClickHouse another way, folding leaves into a stack of
 * complete subtrees (ledger/verify-sql.ts); test/unit/ledger-signing.test.ts holds both to
 * the RFC's recursive definition.
 */
export function merkleRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  let level = leaves;
  while (level.length > 1) level = nextLevel(level);
  return level[0];
}

function nextLevel(level: readonly Buffer[]): Buffer[] {
  const next: Buffer[] = [];
  for (let i = 0; i < level.length; i += 2)
    next.push(i + 1 < level.length ? nodeHash(level[i], level[i + 1]) : level[i]);
  return next;
}

/** The audit path of leaf `index`: the sibling hashes from the leaf up to the root. */
export function inclusionProof(leaves: readonly Buffer[], index: number): Buffer[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`no leaf ${index} in a tree of ${leaves.length}`);
  const proof: Buffer[] = [];
  let level = leaves;
  let at = index;
  while (level.length > 1) {
    const sibling = at ^ 1;
    if (sibling < level.length) proof.push(level[sibling]);
    level = nextLevel(level);
    at >>= 1;
  }
  return proof;
}

/** The root a leaf and its audit path lead to in a tree of `size` leaves (RFC 9162 §2.1.3.2). */
export function rootFromProof(leaf: Buffer, index: number, size: number, proof: readonly Buffer[]): Buffer {
  if (index < 0 || index >= size) throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  let hash = leaf;
  let at = index;
  let last = size - 1;
  let used = 0;
  while (last > 0) {
    if (at % 2 === 1) hash = nodeHash(proofAt(proof, used++), hash);
    else if (at < last) hash = nodeHash(hash, proofAt(proof, used++));
    at >>= 1;
    last >>= 1;
  }
  if (used !== proof.length) throw new RangeError('the proof has more hashes than the tree has levels');
  return hash;
}

function proofAt(proof: readonly Buffer[], i: number): Buffer {
  const hash = proof[i];
  if (!hash) throw new RangeError('the proof is too short for the tree');
  return hash;
}
