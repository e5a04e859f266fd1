import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../../../core/crypto';
import { decodeTlvStream } from '../../../core/wire';
import {
  SIGNATURE_TAGS,
  decodeInvoiceRequest,
  encodeTlvRecord,
  merkleTree,
  signMerkleRoot,
  signatureDigest,
  signatureTag,
  verifyMerkleSignature,
} from '../../../core/offers';
import { loadVectors } from '../../support/vectors';

type Entry = Record<string, string>;
interface SignatureCase {
  readonly comment: string;
  readonly tlv: string;
  readonly 'first-tlv': string;
  readonly leaves: Entry[];
  readonly branches: Entry[];
  readonly merkle: string;
  readonly bolt12?: string;
  readonly signature_tag?: string;
  readonly 'H(signature_tag,merkle)'?: string;
  readonly signature?: string;
}

const cases = loadVectors<SignatureCase[]>('bolt12/signature-test.json');

/** The one `H(...)` entry of `entry` whose key starts with `prefix`: [argument, value]. */
function pick(entry: Entry, prefix: string): [string, string] {
  const key = Object.keys(entry).find((k) => k.startsWith(prefix));
  if (!key) throw new Error(`no ${prefix} in ${JSON.stringify(entry)}`);
  const arg = /^H\(`[A-Za-z]+`[^,]*,([^)]*)\)$/.exec(key)?.[1] ?? '';
  return [arg, entry[key]!];
}

describe('BOLT 12 Merkle signatures (signature-test.json)', () => {
  it('has the 4 cases the README counts', () => expect(cases).toHaveLength(4));

  for (const c of cases) {
    it(`${c.comment}: leaves, nonces, branches and root match`, () => {
      // The stream is the concatenation of the TLVs each leaf hashes (they are given in order).
      const tlvs = c.leaves.map((l) => fromHex(pick(l, 'H(`LnLeaf`')[0]));
      const records = decodeTlvStream(concatBytes(...tlvs));
      expect(toHex(encodeTlvRecord(records[0]!))).toBe(c['first-tlv']);
      const tree = merkleTree(records)!;
      expect(tree.leaves).toHaveLength(c.leaves.length);
      c.leaves.forEach((l, i) => {
        expect(toHex(tree.leaves[i]!.leaf)).toBe(pick(l, 'H(`LnLeaf`')[1]);
        expect(toHex(tree.leaves[i]!.nonce)).toBe(pick(l, 'H(`LnNonce`')[1]);
        expect(toHex(tree.leaves[i]!.branch)).toBe(pick(l, 'H(`LnBranch`')[1]);
      });
      // Each inner node of the vector: its (ordered) children and hash appear in our tree.
      expect(tree.branches).toHaveLength(c.branches.length);
      for (const b of c.branches) {
        const [children, hash] = pick(b, 'H(`LnBranch`');
        const ours = tree.branches.find((x) => toHex(x.hash) === hash);
        expect(ours, `branch ${b.desc}`).toBeDefined();
        const [lo, hi] = [toHex(ours!.left), toHex(ours!.right)].sort();
        expect(lo! + hi!).toBe(children);
      }
      expect(toHex(tree.root)).toBe(c.merkle);
    });
  }

  const signed = cases.find((c) => c.bolt12 !== undefined)!;
  it('invoice_request case: tag, digest and signature match, and the lnr string verifies', () => {
    expect(signatureTag('invoice_request')).toBe(signed.signature_tag);
    expect(SIGNATURE_TAGS.invoiceRequest).toBe(signed.signature_tag);
    const root = fromHex(signed.merkle);
    expect(toHex(signatureDigest(signed.signature_tag!, root))).toBe(signed['H(signature_tag,merkle)']);
    // Bob's key 0x4242…42 with BIP340 auxiliary randomness of 32 zero bytes gives the vector's signature.
    const bob = new Uint8Array(32).fill(0x42);
    expect(toHex(signMerkleRoot(signed.signature_tag!, root, bob, new Uint8Array(32)))).toBe(signed.signature);

    const request = decodeInvoiceRequest(signed.bolt12!, { nowSeconds: 0 });
    expect(toHex(request.signature!)).toBe(signed.signature);
    expect(toHex(request.invreq.payerId!)).toBe('0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c');
    expect(toHex(merkleTree(request.records)!.root)).toBe(signed.merkle);
    expect(verifyMerkleSignature(signed.signature_tag!, root, request.signature!, request.invreq.payerId!)).toBe(true);
  });
});
