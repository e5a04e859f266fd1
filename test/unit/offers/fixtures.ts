/** Keys, paths and helpers shared by the offers unit tests. */
import { publicKeyFromPrivate } from '../../../core/crypto';
import type { BlindedPath, TlvRecord } from '../../../core/wire';
import { encodeTlvStream } from '../../../core/wire';
import type { BlindedPayInfo, PaymentPath } from '../../../core/offers';
import { SIGNATURE_TLV, isSignatureType, merkleRoot, signMerkleRoot } from '../../../core/offers';

export function secret(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}
export function pubkey(byte: number): Uint8Array {
  return publicKeyFromPrivate(secret(byte));
}

export const ALICE = { secret: secret(0x41), id: pubkey(0x41) }; // issuer
export const BOB = { secret: secret(0x42), id: pubkey(0x42) }; // payer
export const CAROL = { secret: secret(0x43), id: pubkey(0x43) }; // someone else
export const AUX = new Uint8Array(32); // deterministic BIP340 signatures

/** A blinded path whose last hop's blinded node id is `last` (a key we hold). */
export function blindedPath(intro: number, last: Uint8Array, hops = 2): BlindedPath {
  const path = Array.from({ length: hops - 1 }, (_, i) => ({
    blindedNodeId: pubkey(intro + 1 + i),
    encryptedRecipientData: new Uint8Array(8 + i).fill(i),
  }));
  if (hops > 0) path.push({ blindedNodeId: last, encryptedRecipientData: new Uint8Array(5).fill(0xee) });
  return { firstNodeId: { kind: 'node_id', nodeId: pubkey(intro) }, firstPathKey: pubkey(intro + 20), hops: path };
}

export const PAYINFO: BlindedPayInfo = {
  feeBaseMsat: 1000,
  feeProportionalMillionths: 100,
  cltvExpiryDelta: 144,
  htlcMinimumMsat: 1n,
  htlcMaximumMsat: 1_000_000_000n,
  features: new Uint8Array(0),
};

export function paymentPath(intro = 0x50, payInfo: BlindedPayInfo = PAYINFO): PaymentPath {
  return { path: blindedPath(intro, pubkey(intro + 9)), payInfo };
}

/**
 * Replaces / adds / removes records of a signed message and signs it again with `signer`, so a
 * test can build a message the builders refuse to make. `undefined` removes the type.
 */
export function tamper(
  records: readonly TlvRecord[],
  changes: Record<string, Uint8Array | undefined>,
  tag: string,
  signer?: Uint8Array,
): Uint8Array {
  const byType = new Map(records.filter((r) => !isSignatureType(r.type)).map((r) => [r.type, r.value]));
  for (const [type, value] of Object.entries(changes)) {
    if (value === undefined) byType.delete(BigInt(type));
    else byType.set(BigInt(type), value);
  }
  const unsigned = [...byType].map(([type, value]) => ({ type, value }));
  if (!signer) return encodeTlvStream(unsigned);
  const sig = signMerkleRoot(tag, merkleRoot(encodeAndSort(unsigned))!, signer, AUX);
  return encodeTlvStream([...unsigned, { type: SIGNATURE_TLV, value: sig }]);
}

function encodeAndSort(records: TlvRecord[]): TlvRecord[] {
  return [...records].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/** The codes of an analysis' errors. */
export function codes(a: { readonly errors: readonly { readonly code: string }[] }): string[] {
  return a.errors.map((e) => e.code);
}
