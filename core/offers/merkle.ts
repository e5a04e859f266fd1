/**
 * BOLT 12 "Signature Calculation": the Merkle root of a TLV stream, and BIP340 signatures over
 * it tagged "lightning" ‖ messagename ‖ fieldname.
 */
import { compareBytes, concatBytes, schnorrSign, schnorrVerify, sha256, taggedHash, utf8 } from '../crypto';
import type { TlvRecord } from '../wire';
import { ByteWriter } from '../wire';
import { isSignatureType } from './tlv-types';

/** The full encoding type ‖ length ‖ value of one record. */
export function encodeTlvRecord(record: TlvRecord): Uint8Array {
  return new ByteWriter(record.value.length + 18)
    .writeBigSize(record.type)
    .writeBigSize(record.value.length)
    .writeBytes(record.value)
    .finish();
}

/** H("LnBranch", lesser ‖ greater): inner nodes order their children by value. */
export function branchHash(a: Uint8Array, b: Uint8Array): Uint8Array {
  // BOLT 12: inner nodes are H("LnBranch", lesser-SHA256 ‖ greater-SHA256).
  return compareBytes(a, b) <= 0 ? taggedHash('LnBranch', a, b) : taggedHash('LnBranch', b, a);
}

/** The per-record values the spec's test vectors show. */
export interface MerkleLeaf {
  readonly type: bigint;
  /** H("LnLeaf", tlv) */
  readonly leaf: Uint8Array;
  /** H("LnNonce" ‖ first-tlv, tlv-type) */
  readonly nonce: Uint8Array;
  /** H("LnBranch", leaf and nonce in order) — the bottom of the tree. */
  readonly branch: Uint8Array;
}

export interface MerkleTree {
  readonly leaves: readonly MerkleLeaf[];
  /** Inner nodes above the leaves, in the order they are computed (level by level, left to right). */
  readonly branches: readonly { readonly left: Uint8Array; readonly right: Uint8Array; readonly hash: Uint8Array }[];
  readonly root: Uint8Array;
}

/**
 * Builds the Merkle tree of the non-signature records (types outside 240..1000). The records must
 * be in ascending type order, as they are on the wire. Returns undefined for an empty stream.
 */
export function merkleTree(records: readonly TlvRecord[]): MerkleTree | undefined {
  const signed = records.filter((r) => !isSignatureType(r.type));
  if (signed.length === 0) return undefined;
  // BOLT 12: the nonce tag is "LnNonce" ‖ first-tlv, the numerically-first TLV entry of the stream.
  // Its SHA256 is taken once for the whole tree: the first record may be as long as the stream, and
  // hashing it again for every leaf would make the work grow with its length times the record count.
  const nonceTagHash = sha256(concatBytes(utf8.encode('LnNonce'), encodeTlvRecord(signed[0]!)));
  const noncePrefix = concatBytes(nonceTagHash, nonceTagHash);
  const leaves: MerkleLeaf[] = signed.map((r) => {
    const leaf = taggedHash('LnLeaf', encodeTlvRecord(r)); // BOLT 12: leaf 1 is H("LnLeaf", tlv)
    // Leaf 2: H("LnNonce"‖first-tlv, type) = SHA256(SHA256(tag) ‖ SHA256(tag) ‖ type), BIP340's tagged hash.
    const nonce = sha256(concatBytes(noncePrefix, new ByteWriter(9).writeBigSize(r.type).finish()));
    return { type: r.type, leaf, nonce, branch: branchHash(leaf, nonce) };
  });
  const branches: { left: Uint8Array; right: Uint8Array; hash: Uint8Array }[] = [];
  // BOLT 12: with no power-of-2 leaf count the deepest subtrees are on the lowest-order leaves:
  // pair neighbours level by level, and carry an odd last node up unchanged.
  let level = leaves.map((l) => l.branch);
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      const hash = branchHash(level[i]!, level[i + 1]!);
      branches.push({ left: level[i]!, right: level[i + 1]!, hash });
      next.push(hash);
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1]!);
    level = next;
  }
  return { leaves, branches, root: level[0]! };
}

/** The Merkle root of the non-signature records, or undefined if there are none. */
export function merkleRoot(records: readonly TlvRecord[]): Uint8Array | undefined {
  return merkleTree(records)?.root;
}

/** BOLT 12: tag = "lightning" ‖ messagename ‖ fieldname. */
export function signatureTag(messageName: string, fieldName = 'signature'): string {
  return `lightning${messageName}${fieldName}`;
}

/** H(tag, merkle-root): the 32-byte message a BIP340 signature signs. */
export function signatureDigest(tag: string, root: Uint8Array): Uint8Array {
  return taggedHash(tag, root);
}

/**
 * SIG(tag, root, key). `auxRand` defaults to fresh randomness (BIP340); pass 32 bytes for a
 * deterministic signature.
 */
export function signMerkleRoot(tag: string, root: Uint8Array, privateKey: Uint8Array, auxRand?: Uint8Array): Uint8Array {
  return schnorrSign(signatureDigest(tag, root), privateKey, auxRand);
}

/**
 * Verifies a BOLT 12 signature. `publicKey` is the 33-byte compressed key the message names
 * (invreq_payer_id, invoice_node_id): BIP340 uses its x coordinate. Never throws.
 */
export function verifyMerkleSignature(tag: string, root: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (publicKey.length !== 33) return false;
  return schnorrVerify(signature, signatureDigest(tag, root), publicKey.subarray(1));
}

/** Verifies `signature` over the Merkle root of `records` (signature records are left out). */
export function verifyRecordsSignature(tag: string, records: readonly TlvRecord[], signature: Uint8Array, publicKey: Uint8Array): boolean {
  const root = merkleRoot(records);
  return root !== undefined && verifyMerkleSignature(tag, root, signature, publicKey);
}
