/**
 * The worst messages a stranger can send us (issue 20), built byte by byte, for the work-bound
 * regression tests and bench/dos.ts: BOLT 12 messages dense in points (blinded paths of valid
 * points, as many as a field or the TLV stream holds), messages at every limit of the limits table
 * (core/wire/limits.ts), and the onion messages that carry them (our own hops visited again and
 * again, a reply path as long as we answer over, a packet as large as a peer may send). Every
 * point is a real point on the curve, so each one a reader checks costs a full decompression.
 */
import { concatBytes, publicKeyFromPrivate, randomBytes, scalarFromHash, sha256, utf8 } from '../../core/crypto';
import type { BlindedPath, OnionMessage, TlvRecord } from '../../core/wire';
import { LIMITS, encodeBlindedPath, encodeTlvStream } from '../../core/wire';
import { SIGNATURE_TAGS, merkleRoot, signMerkleRoot } from '../../core/offers';
import { createBlindedPath, createOnionMessage, encodeOnionPacket } from '../../core/onion';

/** TLV types of the records these builders write (BOLT 12). */
const T = {
  invreqMetadata: 0n,
  offerChains: 2n,
  offerDescription: 10n,
  offerPaths: 16n,
  offerIssuerId: 22n,
  invreqChain: 80n,
  invreqAmount: 82n,
  invreqPayerId: 88n,
  invreqPayerNote: 89n,
  invreqPaths: 90n,
  invoicePaths: 160n,
  invoiceBlindedPay: 162n,
  invoiceCreatedAt: 164n,
  invoicePaymentHash: 168n,
  invoiceAmount: 170n,
  invoiceNodeId: 176n,
  heldHtlcAvailablePaths: 236n,
  signature: 240n,
} as const;

let pointCache: Uint8Array[] | undefined;

/** 64 distinct points on the curve (k·G for known k), reused cyclically to fill paths. */
export function curvePoints(): readonly Uint8Array[] {
  pointCache ??= Array.from({ length: 64 }, (_, i) => publicKeyFromPrivate(scalarFromHash(sha256(utf8.encode(`worst-messages/point/${i}`)))));
  return pointCache;
}

function point(i: number): Uint8Array {
  const points = curvePoints();
  return points[i % points.length]!;
}

/** A blinded_path of `hops` hops, every point on the curve, `dataBytes` of encrypted data per hop. */
export function densePath(hops: number, seed = 0, dataBytes = 1): BlindedPath {
  return {
    firstNodeId: { kind: 'node_id', nodeId: point(seed) },
    firstPathKey: point(seed + 1),
    hops: Array.from({ length: hops }, (_, i) => ({ blindedNodeId: point(seed + 2 + i), encryptedRecipientData: new Uint8Array(dataBytes).fill(i) })),
  };
}

/** The encoding of a field of `count` paths of `hops` hops each. */
export function pathsValue(count: number, hops: number): Uint8Array {
  return concatBytes(...Array.from({ length: count }, (_, i) => encodeBlindedPath(densePath(hops, i * 3))));
}

/** Points a field of `count` paths of `hops` hops (node ids as first_node_id) carries. */
export function pointsIn(count: number, hops: number): number {
  return count * (2 + hops);
}

/**
 * The offer of issue 20: `offer_paths` of `count` zero-hop paths (67 bytes and 2 points each; 970
 * fill 65 KB with 1,940 points), an offer_description and an offer_issuer_id. Raw TLV bytes:
 * no builder writes it.
 */
export function pointDenseOfferRecords(count: number, issuerId: Uint8Array): TlvRecord[] {
  return [
    { type: T.offerDescription, value: utf8.encode('dense') },
    { type: T.offerPaths, value: pathsValue(count, 0) },
    { type: T.offerIssuerId, value: issuerId },
  ];
}

/** An offer at every limit: LIMITS.blindedPathsPerField paths of LIMITS.blindedPathHops hops, and an issuer id. */
export function offerAtLimitsRecords(issuerId: Uint8Array, chain?: Uint8Array): TlvRecord[] {
  return [
    ...(chain ? [{ type: T.offerChains, value: chain }] : []),
    { type: T.offerDescription, value: utf8.encode('at the limits') },
    { type: T.offerPaths, value: pathsValue(LIMITS.blindedPathsPerField, LIMITS.blindedPathHops) },
    { type: T.offerIssuerId, value: issuerId },
  ];
}

/** Unknown odd records in `range` (first type, odd) until `records` holds `total`, spreading `fillBytes` over them. */
function fill(records: TlvRecord[], firstType: bigint, total: number, fillBytes: number): TlvRecord[] {
  const n = Math.max(0, total - records.length);
  const each = n > 0 ? Math.floor(fillBytes / n) : 0;
  const extra = Array.from({ length: n }, (_, i) => ({ type: firstType + 2n * BigInt(i), value: new Uint8Array(each).fill(0x5a) }));
  return [...records, ...extra];
}

function signed(records: TlvRecord[], tag: string, secret: Uint8Array): Uint8Array {
  const sorted = [...records].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const signature = signMerkleRoot(tag, merkleRoot(sorted)!, secret, new Uint8Array(32));
  return encodeTlvStream([...sorted, { type: T.signature, value: signature }]);
}

export interface InvoiceRequestShape {
  /** The offer's records, copied as they are (one of ours, or a point-dense one). */
  readonly offerRecords: readonly TlvRecord[];
  /** The payer key that signs it (its public key is invreq_payer_id). */
  readonly payerSecret: Uint8Array;
  /** invreq_chain, when the offer is not for bitcoin. */
  readonly chain?: Uint8Array;
  readonly amountMsat?: bigint;
  /** invreq_paths: this many paths of `invreqPathHops` hops (default: none). */
  readonly invreqPaths?: number;
  readonly invreqPathHops?: number;
  /** Unknown odd records (invreq experimental range) until the request has this many records, signature included. */
  readonly records?: number;
  /** Bytes spread over those records (to make the message as large as an onion carries). */
  readonly fillBytes?: number;
  /** invreq_metadata (default 32 fresh random bytes: each request is new, never answered from a cache). */
  readonly metadata?: Uint8Array;
}

/** An invoice_request of the given shape, signed by its payer key (a stranger can always sign its own). */
export function invoiceRequestBytes(shape: InvoiceRequestShape): Uint8Array {
  const payerId = publicKeyFromPrivate(shape.payerSecret);
  const own: TlvRecord[] = [
    { type: T.invreqMetadata, value: shape.metadata ?? randomBytes(32) },
    ...(shape.chain ? [{ type: T.invreqChain, value: shape.chain }] : []),
    ...(shape.amountMsat !== undefined ? [{ type: T.invreqAmount, value: tu64(shape.amountMsat) }] : []),
    { type: T.invreqPayerId, value: payerId },
    ...(shape.invreqPaths ? [{ type: T.invreqPaths, value: pathsValue(shape.invreqPaths, shape.invreqPathHops ?? LIMITS.blindedPathHops) }] : []),
  ];
  const base = [...shape.offerRecords, ...own];
  // The signature is one record of the total; fillers go in invreq's experimental range (2e9 + odd).
  const all = shape.records ? fill(base, 2_000_000_001n, shape.records - 1, shape.fillBytes ?? 0) : base;
  return signed(all, SIGNATURE_TAGS.invoiceRequest, shape.payerSecret);
}

/** An invoice_request at every limit for an offer: invreq_paths full, every record the kind allows, `fillBytes` spread over them. */
export function invoiceRequestAtLimits(offerRecords: readonly TlvRecord[], payerSecret: Uint8Array, opts: { chain?: Uint8Array; amountMsat?: bigint; fillBytes?: number } = {}): Uint8Array {
  return invoiceRequestBytes({
    offerRecords, payerSecret, ...opts,
    invreqPaths: LIMITS.blindedPathsPerField, invreqPathHops: LIMITS.blindedPathHops, records: LIMITS.bolt12Records.invoice_request,
  });
}

/**
 * An invoice (not answering anything of ours) with offer_paths, invreq_paths and invoice_paths each
 * at the limits, signed by `nodeSecret`: what a stranger can push at us unasked.
 */
export function invoiceAtLimits(nodeSecret: Uint8Array, chain?: Uint8Array): Uint8Array {
  const nodeId = publicKeyFromPrivate(nodeSecret);
  const paths = LIMITS.blindedPathsPerField;
  const payinfo = new Uint8Array(28); // fee_base 0, proportional 0, cltv 0, min 0, max 0, flen 0
  const records: TlvRecord[] = [
    ...(chain ? [{ type: T.offerChains, value: chain }] : []),
    { type: T.offerDescription, value: utf8.encode('at the limits') },
    { type: T.offerPaths, value: pathsValue(paths, LIMITS.blindedPathHops) },
    { type: T.invreqMetadata, value: randomBytes(32) },
    ...(chain ? [{ type: T.invreqChain, value: chain }] : []),
    { type: T.invreqAmount, value: tu64(1000n) },
    { type: T.invreqPayerId, value: point(7) },
    { type: T.invreqPaths, value: pathsValue(paths, LIMITS.blindedPathHops) },
    { type: T.invoicePaths, value: pathsValue(paths, LIMITS.blindedPathHops) },
    { type: T.invoiceBlindedPay, value: concatBytes(...Array.from({ length: paths }, () => payinfo)) },
    { type: T.invoiceCreatedAt, value: tu64(BigInt(Math.floor(Date.now() / 1000))) },
    { type: T.invoicePaymentHash, value: sha256(utf8.encode('worst')) },
    { type: T.invoiceAmount, value: tu64(1000n) },
    { type: T.invoiceNodeId, value: nodeId },
  ];
  return signed(fill(records, 3_000_000_001n, LIMITS.bolt12Records.invoice - 1, 0), SIGNATURE_TAGS.invoice, nodeSecret);
}

/** A static invoice (LDK's async payments) with offer_paths, invoice_paths and held_htlc_available_paths at the limits. */
export function staticInvoiceAtLimits(nodeSecret: Uint8Array, chain?: Uint8Array): Uint8Array {
  const paths = LIMITS.blindedPathsPerField;
  const records: TlvRecord[] = [
    ...(chain ? [{ type: T.offerChains, value: chain }] : []),
    { type: T.offerDescription, value: utf8.encode('at the limits') },
    { type: T.offerPaths, value: pathsValue(paths, LIMITS.blindedPathHops) },
    { type: T.offerIssuerId, value: publicKeyFromPrivate(nodeSecret) },
    { type: T.invoicePaths, value: pathsValue(paths, LIMITS.blindedPathHops) },
    { type: T.invoiceBlindedPay, value: concatBytes(...Array.from({ length: paths }, () => new Uint8Array(28))) },
    { type: T.invoiceCreatedAt, value: tu64(BigInt(Math.floor(Date.now() / 1000))) },
    { type: T.invoiceNodeId, value: publicKeyFromPrivate(nodeSecret) },
    { type: T.heldHtlcAvailablePaths, value: pathsValue(paths, LIMITS.blindedPathHops) },
  ];
  return signed(fill(records, 3_000_000_001n, LIMITS.bolt12Records.static_invoice - 1, 0), SIGNATURE_TAGS.staticInvoice, nodeSecret);
}

function tu64(v: bigint): Uint8Array {
  const bytes: number[] = [];
  for (let x = v; x > 0n; x >>= 8n) bytes.unshift(Number(x & 0xffn));
  return Uint8Array.from(bytes);
}

export interface OnionShape {
  /** The node the message is for (its id). */
  readonly to: Uint8Array;
  /** The message record (e.g. invoice_request, type 64). */
  readonly record: TlvRecord;
  /** Hops addressed to `to` before its final hop (a path anyone can build that visits it again). */
  readonly selfHops?: number;
  /** A reply path of this many hops, introduced by `replyVia` (every hop there too). */
  readonly replyHops?: number;
  readonly replyVia?: Uint8Array;
  /** The onion's payload size (default: the smallest of 1,300 and 32,768 that fits). */
  readonly payloadSize?: number;
}

/** The largest onion payload a peer can send: a 65,535-byte message less its type, path key, length and the packet's own 66 bytes. */
export const LARGEST_ONION_PAYLOAD = 65_535 - 2 - 33 - 2 - 66;

/** An onion_message for `to` of the given shape (sent by its peer `replyVia`, say). */
export function onionMessageTo(shape: OnionShape): OnionMessage {
  const selfHops = shape.selfHops ?? 0;
  const hops = [
    ...Array.from({ length: selfHops }, () => ({ nodeId: shape.to, data: { nextNodeId: shape.to } })),
    { nodeId: shape.to, data: {} },
  ];
  const path = createBlindedPath({ sessionKey: randomBytes(32), hops }).path;
  let replyPath: BlindedPath | undefined;
  if (shape.replyHops) {
    const via = shape.replyVia!;
    const replyHops = Array.from({ length: shape.replyHops }, (_, i) => ({ nodeId: via, data: i < shape.replyHops! - 1 ? { nextNodeId: via } : {} }));
    replyPath = createBlindedPath({ sessionKey: randomBytes(32), hops: replyHops }).path;
  }
  const created = createOnionMessage({
    sessionKey: randomBytes(32), path, contents: { messageRecords: [shape.record], ...(replyPath ? { replyPath } : {}) },
    ...(shape.payloadSize !== undefined ? { payloadSize: shape.payloadSize } : {}),
  });
  return { type: 'onion_message', pathKey: created.pathKey, onionMessagePacket: encodeOnionPacket(created.packet) };
}
