/**
 * Static invoices for async payments: a reusable invoice an often-offline recipient leaves with
 * an always-online node. Not in the BOLTs yet; the TLV numbers, signature tag and rules follow
 * LDK's rust-lightning (see the table in tlv-types.ts). A static invoice has the offer fields,
 * the invoice fields 160..239 without payment hash or amount, held_htlc_available_paths (236; 178
 * in lightning/bolts#1149's numbers: `StaticInvoiceCodecOptions`),
 * and a signature by invoice_node_id tagged "lightning" ‖ "static_invoice" ‖ "signature".
 * It has no string form: it only travels inside onion messages.
 */
import type { BlindedPath, TlvRecord } from '../wire';
import type { Bolt12Context } from './chains';
import { nowOf } from './chains';
import type { Bolt12ParseError } from './errors';
import { Bolt12SemanticError } from './errors';
import type { InvoiceFields, OfferFields } from './fields';
import { INVOICE_FIELD_SPEC, OFFER_FIELD_SPEC, decodeFields, encodeFields, fieldPathPointErrors, fieldTypes, scanTlvStream } from './fields';
import type { InvoiceParams } from './invoice';
import { chooseNodeId, finalBlindedNodeIds, invoicePathFields, usablePathIndexes } from './invoice';
import { equalBytes } from '../crypto';
import { verifyRecordsSignature } from './merkle';
import type { Analysis } from './message';
import { UnsignedMessage, assemble, checkExtraRecords, unwrap, withPathPoints, withSemantics } from './message';
import type { Offer } from './offer';
import { checkOfferFields } from './offer';
import { KNOWN_INVOICE_FEATURES, signatureCodec, unknownEvenBits } from './subtypes';
import { DEFAULT_STATIC_INVOICE_RELATIVE_EXPIRY, OFFER_RANGES, SIGNATURE_TAGS, SIGNATURE_TLV, STATIC_INVOICE_RANGES, inRanges } from './tlv-types';

export interface StaticInvoice {
  readonly kind: 'static_invoice';
  readonly bytes: Uint8Array;
  readonly records: readonly TlvRecord[];
  /** The offer fields, copied from the offer. */
  readonly offer: OfferFields;
  readonly invoice: InvoiceFields;
  readonly signature?: Uint8Array;
  readonly unknownRecords: readonly TlvRecord[];
}

/**
 * Which type carries the held_htlc_available message paths: LDK 0.2's 236 (default) or
 * lightning/bolts#1149's 178 `static_invoice_message_paths` — the async payments profile's
 * `staticInvoiceMessagePathsTlv` (core/wire async-payments.ts, the one table).
 */
export interface StaticInvoiceCodecOptions {
  readonly messagePathsTlv?: bigint;
}

interface StaticCodec {
  readonly spec: typeof INVOICE_FIELD_SPEC;
  readonly known: ReadonlySet<bigint>;
}

function codecOf(tlv: bigint): StaticCodec {
  const spec: typeof INVOICE_FIELD_SPEC = tlv === INVOICE_FIELD_SPEC.heldHtlcAvailablePaths[0]
    ? INVOICE_FIELD_SPEC
    : { ...INVOICE_FIELD_SPEC, heldHtlcAvailablePaths: [tlv, INVOICE_FIELD_SPEC.heldHtlcAvailablePaths[1]] };
  return { spec, known: new Set([...fieldTypes(OFFER_FIELD_SPEC), ...fieldTypes(spec), SIGNATURE_TLV]) };
}

const LDK_CODEC = codecOf(INVOICE_FIELD_SPEC.heldHtlcAvailablePaths[0]);
const DRAFT_CODECS = new Map<bigint, StaticCodec>();

function staticCodec(opts: StaticInvoiceCodecOptions | undefined): StaticCodec {
  const tlv = opts?.messagePathsTlv;
  if (tlv === undefined || tlv === LDK_CODEC.spec.heldHtlcAvailablePaths[0]) return LDK_CODEC;
  let c = DRAFT_CODECS.get(tlv);
  if (!c) DRAFT_CODECS.set(tlv, (c = codecOf(tlv)));
  return c;
}

/**
 * Parses a static invoice's TLV stream (LDK ranges: offer, invoice, signature, experimental). The
 * points of its blinded paths are checked for shape only: `staticInvoicePathPointErrors` checks
 * them on the curve.
 */
export function parseStaticInvoiceBytes(bytes: Uint8Array, opts?: StaticInvoiceCodecOptions): Analysis<StaticInvoice> {
  const errors: Bolt12ParseError[] = [];
  const codec = staticCodec(opts);
  const scan = scanTlvStream(bytes, 'static_invoice', codec.known, STATIC_INVOICE_RANGES, errors);
  if (!scan) return { value: undefined, errors };
  const offer = decodeFields(scan.records, OFFER_FIELD_SPEC, errors);
  const invoice = decodeFields(scan.records, codec.spec, errors);
  const signature = decodeFields(scan.records, { signature: [SIGNATURE_TLV, signatureCodec] as const }, errors).signature;
  const value: StaticInvoice = {
    kind: 'static_invoice',
    bytes: bytes.slice(),
    records: scan.records,
    offer,
    invoice,
    ...(signature ? { signature } : {}),
    unknownRecords: scan.unknown,
  };
  return { value, errors };
}

/** The points of offer_paths, invoice_paths and held_htlc_available_paths not on the curve, as parse errors. */
export function staticInvoicePathPointErrors(inv: StaticInvoice, opts?: StaticInvoiceCodecOptions): Bolt12ParseError[] {
  return [...fieldPathPointErrors(inv.offer, OFFER_FIELD_SPEC), ...fieldPathPointErrors(inv.invoice, staticCodec(opts).spec)];
}

/** The static invoice rules (LDK `StaticInvoice::try_from`, plus expiry and signature). */
export function checkStaticInvoice(inv: StaticInvoice, ctx: Bolt12Context): Bolt12SemanticError[] {
  const out: Bolt12SemanticError[] = [];
  const err = (code: ConstructorParameters<typeof Bolt12SemanticError>[0], details?: Record<string, unknown>) =>
    out.push(new Bolt12SemanticError(code, undefined, details));
  const f = inv.invoice;
  if (f.paymentHash !== undefined) err('static_invoice.unexpected_payment_hash');
  if (f.amount !== undefined) err('static_invoice.unexpected_amount');
  if (f.paths === undefined || f.paths.length === 0) err('static_invoice.missing_paths');
  f.paths?.forEach((p, i) => p.hops.length === 0 && err('static_invoice.empty_blinded_path', { path: i }));
  if (f.blindedPay === undefined || f.blindedPay.length !== (f.paths?.length ?? 0)) err('static_invoice.blindedpay_count_mismatch');
  else if (f.blindedPay.length > 0 && usablePathIndexes(f).length === 0) err('static_invoice.no_usable_paths');
  if (f.heldHtlcAvailablePaths === undefined) err('static_invoice.missing_held_htlc_available_paths');
  if (f.createdAt === undefined) err('static_invoice.missing_created_at');
  if (f.nodeId === undefined) err('static_invoice.missing_node_id');
  else if (inv.offer.issuerId !== undefined ? !equalBytes(f.nodeId, inv.offer.issuerId) : inv.offer.paths !== undefined && !finalBlindedNodeIds(inv.offer.paths).some((id) => equalBytes(id, f.nodeId!))) {
    err('static_invoice.node_id_mismatch');
  }
  if (inv.offer.paths === undefined) err('static_invoice.missing_offer_paths');
  if ((inv.offer.chains?.length ?? 0) > 1) err('static_invoice.multiple_chains');
  out.push(...checkOfferFields(inv.offer, ctx));
  const bits = unknownEvenBits(f.features, KNOWN_INVOICE_FEATURES);
  if (bits.length > 0) err('static_invoice.unknown_required_feature', { bits });
  if (f.createdAt !== undefined && nowOf(ctx) > f.createdAt + (f.relativeExpiry ?? DEFAULT_STATIC_INVOICE_RELATIVE_EXPIRY)) err('static_invoice.expired');
  if (inv.signature === undefined) err('static_invoice.missing_signature');
  else if (f.nodeId !== undefined && !verifyRecordsSignature(SIGNATURE_TAGS.staticInvoice, inv.records, inv.signature, f.nodeId)) {
    err('static_invoice.invalid_signature');
  }
  return out;
}

/** Parses and checks static invoice bytes (every point on the curve), returning every error found. */
export function analyzeStaticInvoice(bytes: Uint8Array, ctx: Bolt12Context, opts?: StaticInvoiceCodecOptions): Analysis<StaticInvoice> {
  return withSemantics(withPathPoints(parseStaticInvoiceBytes(bytes, opts), (inv) => staticInvoicePathPointErrors(inv, opts)), (inv) => checkStaticInvoice(inv, ctx));
}

export function decodeStaticInvoice(bytes: Uint8Array, ctx: Bolt12Context, opts?: StaticInvoiceCodecOptions): StaticInvoice {
  return unwrap(analyzeStaticInvoice(bytes, ctx, opts));
}

/** LDK: a static invoice was built from `offer` when their offer records are identical. */
export function isStaticInvoiceForOffer(inv: StaticInvoice, offer: Offer): boolean {
  const a = inv.records.filter((r) => inRanges(r.type, OFFER_RANGES));
  const b = offer.records.filter((r) => inRanges(r.type, OFFER_RANGES));
  return a.length === b.length && a.every((r, i) => r.type === b[i]!.type && equalBytes(r.value, b[i]!.value));
}

export class UnsignedStaticInvoice extends UnsignedMessage<StaticInvoice> {
  /** @internal use buildStaticInvoice */
  constructor(records: readonly TlvRecord[], bytes: Uint8Array, nodeId: Uint8Array, opts?: StaticInvoiceCodecOptions) {
    super(records, bytes, { key: nodeId, field: 'invoice_node_id', tag: SIGNATURE_TAGS.staticInvoice, parse: (b) => parseStaticInvoiceBytes(b, opts) });
  }

  /** The key that must sign: invoice_node_id. */
  get nodeId(): Uint8Array {
    return this.signingKey;
  }
}

export interface StaticInvoiceParams extends Pick<InvoiceParams, 'paths' | 'createdAt' | 'fallbacks' | 'features' | 'nodeId' | 'extraRecords'> {
  /** Blinded message paths to the recipient, for held_htlc_available (LDK type 236). */
  readonly heldHtlcAvailablePaths: readonly BlindedPath[];
  /** Seconds after createdAt (default 14 days, LDK). */
  readonly relativeExpiry?: bigint;
  /** The type of heldHtlcAvailablePaths (default LDK's 236; lightning/bolts#1149: 178). */
  readonly messagePathsTlv?: bigint;
}

/** Builds a static invoice for one of our offers (LDK `StaticInvoiceBuilder`). Call `.sign(nodeSecret)`. */
export function buildStaticInvoice(offer: Offer, params: StaticInvoiceParams): UnsignedStaticInvoice {
  // LDK: the offer must have paths and name at most one chain; paths must be given.
  if (offer.fields.paths === undefined || offer.fields.paths.length === 0) throw new Bolt12SemanticError('static_invoice.missing_offer_paths');
  if ((offer.fields.chains?.length ?? 0) > 1) throw new Bolt12SemanticError('static_invoice.multiple_chains');
  if (params.heldHtlcAvailablePaths.length === 0) throw new Bolt12SemanticError('static_invoice.missing_held_htlc_available_paths');
  const nodeId = chooseNodeId(offer.fields, params.nodeId);
  const fields: InvoiceFields = {
    ...invoicePathFields(params),
    nodeId,
    heldHtlcAvailablePaths: params.heldHtlcAvailablePaths,
  };
  const extra = params.extraRecords ?? [];
  const opts: StaticInvoiceCodecOptions = params.messagePathsTlv === undefined ? {} : { messagePathsTlv: params.messagePathsTlv };
  const codec = staticCodec(opts);
  checkExtraRecords(
    extra,
    [
      [160n, 239n],
      [3_000_000_000n, 3_999_999_999n],
    ],
    codec.known,
  );
  const { records, bytes } = assemble([...offer.records, ...encodeFields(fields, codec.spec), ...extra]);
  const parsed = parseStaticInvoiceBytes(bytes, opts);
  if (parsed.errors.length > 0) throw parsed.errors[0]!;
  return new UnsignedStaticInvoice(records, bytes, nodeId, opts);
}
