/**
 * BOLT 12 invoice_request (`lnr`): a response to an offer (signed by invreq_payer_id) or, without
 * offer_issuer_id / offer_paths, a refund — an "offer to send money".
 */
import { equalBytes, publicKeyFromPrivate, randomBytes, zeroize } from '../crypto';
import type { BlindedPath, TlvRecord } from '../wire';
import { encodeBolt12String } from './bech32';
import type { Bolt12Context } from './chains';
import { CHAIN_HASHES, isChainSupported } from './chains';
import type { Bolt12ParseError } from './errors';
import { Bolt12SemanticError } from './errors';
import type { InvoiceRequestFields, OfferFields } from './fields';
import { INVREQ_FIELD_SPEC, OFFER_FIELD_SPEC, decodeFields, encodeFields, fieldPathPointErrors, fieldTypes, scanTlvStream } from './fields';
import { merkleRoot, verifyMerkleSignature } from './merkle';
import type { Analysis } from './message';
import { UnsignedMessage, assemble, checkExtraRecords, invalidParameter, unwrap, withInput, withPathPoints, withSemantics } from './message';
import type { Offer } from './offer';
import { checkOfferFields, offerChains } from './offer';
import type { Bip353Name } from './subtypes';
import { KNOWN_INVREQ_FEATURES, isValidBip353Part, signatureCodec, unknownEvenBits } from './subtypes';
import { INVREQ_RANGES, OFFER_RANGES, SIGNATURE_TAGS, SIGNATURE_TLV, inRanges, isSignatureType } from './tlv-types';

export const INVOICE_REQUEST_PREFIX = 'lnr';

export interface InvoiceRequest {
  readonly kind: 'invoice_request';
  /** The TLV stream exactly as received or built. */
  readonly bytes: Uint8Array;
  readonly records: readonly TlvRecord[];
  /** The offer fields it mirrors (or, for a refund, the few it sets itself). */
  readonly offer: OfferFields;
  readonly invreq: InvoiceRequestFields;
  /** BOLT 12 `signature` (type 240), by invreq_payer_id. */
  readonly signature?: Uint8Array;
  readonly unknownRecords: readonly TlvRecord[];
}

/** A refund is an invoice_request with neither offer_issuer_id nor offer_paths (not for an offer). */
export type Refund = InvoiceRequest;

const OFFER_TYPES = fieldTypes(OFFER_FIELD_SPEC);
const INVREQ_TYPES = fieldTypes(INVREQ_FIELD_SPEC);
const KNOWN = new Set([...OFFER_TYPES, ...INVREQ_TYPES, SIGNATURE_TLV]);

/** True when the request answers an offer (it carries offer_issuer_id or offer_paths). */
export function isForOffer(r: { readonly offer: OfferFields }): boolean {
  return r.offer.issuerId !== undefined || r.offer.paths !== undefined;
}

/**
 * Parses an invoice_request's TLV stream, collecting parse errors (no semantic checks). The points
 * of offer_paths and invreq_paths are checked for shape only: `invoiceRequestPathPointErrors`
 * checks them on the curve.
 */
export function parseInvoiceRequestBytes(bytes: Uint8Array): Analysis<InvoiceRequest> {
  const errors: Bolt12ParseError[] = [];
  // Reader: "MUST reject the invoice request if any non-signature TLV fields are outside the
  // inclusive ranges: 0 to 159 and 1000000000 to 2999999999".
  const scan = scanTlvStream(bytes, 'invoice_request', KNOWN, INVREQ_RANGES, errors);
  if (!scan) return { value: undefined, errors };
  const offer = decodeFields(scan.records, OFFER_FIELD_SPEC, errors);
  const invreq = decodeFields(scan.records, INVREQ_FIELD_SPEC, errors);
  const signature = decodeFields(scan.records, { signature: [SIGNATURE_TLV, signatureCodec] as const }, errors).signature;
  const value: InvoiceRequest = {
    kind: 'invoice_request',
    bytes: bytes.slice(),
    records: scan.records,
    offer,
    invreq,
    ...(signature ? { signature } : {}),
    unknownRecords: scan.unknown,
  };
  return { value, errors };
}

/** The points of offer_paths and invreq_paths that are not on the curve (BOLT 1 `point`), as parse errors. */
export function invoiceRequestPathPointErrors(r: InvoiceRequest): Bolt12ParseError[] {
  return [...fieldPathPointErrors(r.offer, OFFER_FIELD_SPEC), ...fieldPathPointErrors(r.invreq, INVREQ_FIELD_SPEC)];
}

/** The *expected amount* in msat (offer_amount × invreq_quantity), when it can be computed. */
export function expectedAmount(offer: OfferFields, invreq: InvoiceRequestFields, ctx?: Pick<Bolt12Context, 'convertCurrency'>): bigint | undefined {
  if (offer.amount === undefined) return undefined;
  // Reader: "if offer_currency is not the invreq_chain currency, convert to the invreq_chain currency".
  const unit = offer.currency === undefined ? offer.amount : ctx?.convertCurrency?.(offer.currency, offer.amount);
  if (unit === undefined) return undefined;
  // Reader: "if invreq_quantity is present, multiply by invreq_quantity.quantity".
  return invreq.quantity === undefined ? unit : unit * invreq.quantity;
}

/**
 * The signature rule of the invoice_request reader: "MUST reject the invoice request if signature
 * is not correct ... using the invreq_payer_id". A request for an offer must be signed (writer:
 * "MUST set signature.sig"); a refund's writer "MUST NOT include signature", so a refund is
 * checked only if it carries one anyway. `root`: the Merkle root of `r.records`, if the caller
 * has it.
 */
export function invoiceRequestSignatureError(r: InvoiceRequest, root?: Uint8Array): Bolt12SemanticError | undefined {
  if (r.signature === undefined) return isForOffer(r) ? new Bolt12SemanticError('invoice_request.missing_signature') : undefined;
  const payerId = r.invreq.payerId;
  if (payerId === undefined) return undefined; // reported as invoice_request.missing_payer_id
  const signed = root ?? merkleRoot(r.records);
  return signed !== undefined && verifyMerkleSignature(SIGNATURE_TAGS.invoiceRequest, signed, r.signature, payerId)
    ? undefined
    : new Bolt12SemanticError('invoice_request.invalid_signature');
}

export interface CheckInvoiceRequestOptions {
  /**
   * false: leave out the signature (the one costly rule), for a reader that applies every cheap
   * rule first and verifies last (`invoiceRequestSignatureError`). Default true.
   */
  readonly signature?: boolean;
}

/** The invoice_request reader requirements (BOLT 12 "Requirements for Invoice Requests", reader). */
export function checkInvoiceRequest(r: InvoiceRequest, ctx: Bolt12Context, opts: CheckInvoiceRequestOptions = {}): Bolt12SemanticError[] {
  const out: Bolt12SemanticError[] = [];
  const err = (code: ConstructorParameters<typeof Bolt12SemanticError>[0], details?: Record<string, unknown>) =>
    out.push(new Bolt12SemanticError(code, undefined, details));
  const { offer, invreq } = r;

  // "MUST reject the invoice request if invreq_payer_id or invreq_metadata are not present."
  if (invreq.metadata === undefined) err('invoice_request.missing_metadata');
  if (invreq.payerId === undefined) err('invoice_request.missing_payer_id');
  // "if invreq_features contains unknown even bits that are non-zero: MUST reject".
  const bits = unknownEvenBits(invreq.features, KNOWN_INVREQ_FEATURES);
  if (bits.length > 0) err('invoice_request.unknown_required_feature', { bits });
  // "MUST reject the invoice request if signature is not correct ... using the invreq_payer_id."
  const badSignature = opts.signature === false ? undefined : invoiceRequestSignatureError(r);
  if (badSignature) out.push(badSignature);
  // "if num_hops is 0 in any blinded_path in invreq_paths: MUST reject the invoice request."
  invreq.paths?.forEach((p, i) => p.hops.length === 0 && err('invoice_request.empty_blinded_path', { path: i }));

  if (isForOffer(r)) {
    // "MUST reject the invoice request if the offer fields do not exactly match a valid, unexpired
    // offer": the offer's own validity here; the match itself is checkInvoiceRequestMatchesOffer.
    out.push(...checkOfferFields(offer, ctx));
    if (offer.quantityMax !== undefined) {
      // "if offer_quantity_max is present: MUST reject if there is no invreq_quantity field."
      if (invreq.quantity === undefined) err('invoice_request.missing_quantity');
      // "if offer_quantity_max is non-zero: MUST reject if invreq_quantity is zero, OR greater than
      // offer_quantity_max." With 0 (unlimited) the writer rule "MUST set invreq_quantity to greater
      // than zero" still applies, so zero is rejected in both cases.
      else if (invreq.quantity === 0n) err('invoice_request.zero_quantity');
      else if (offer.quantityMax !== 0n && invreq.quantity > offer.quantityMax) {
        err('invoice_request.quantity_exceeds_max', { quantity: invreq.quantity.toString(), max: offer.quantityMax.toString() });
      }
    } else if (invreq.quantity !== undefined) {
      // "otherwise: MUST reject the invoice request if there is an invreq_quantity field."
      err('invoice_request.unexpected_quantity');
    }
    if (offer.amount !== undefined) {
      const expected = expectedAmount(offer, invreq, ctx);
      if (expected !== undefined && expected > 0xffffffffffffffffn) err('invoice_request.amount_overflow');
      // "if invreq_amount is present: MUST reject if invreq_amount.msat is less than the expected amount."
      else if (expected !== undefined && invreq.amount !== undefined && invreq.amount < expected) {
        err('invoice_request.amount_below_expected', { expected: expected.toString(), amount: invreq.amount.toString() });
      }
    } else if (invreq.amount === undefined) {
      // "otherwise (no offer_amount): MUST reject the invoice request if it does not contain invreq_amount."
      err('invoice_request.missing_amount');
    }
    // Writer: "if offer_chains is set: MUST set invreq_chain to one of offer_chains unless that chain
    // is bitcoin ...; otherwise: if it sets invreq_chain it MUST set it to bitcoin."
    const chain = invreq.chain ?? CHAIN_HASHES.bitcoin;
    if (!offerChains(offer).some((c) => equalBytes(c, chain))) err('invoice_request.chain_not_in_offer');
  } else {
    // "otherwise (no offer_issuer_id or offer_paths): MUST reject the invoice request if any of the
    // following are present: offer_chains, offer_features or offer_quantity_max."
    for (const [name, v] of [['offer_chains', offer.chains], ['offer_features', offer.features], ['offer_quantity_max', offer.quantityMax]] as const) {
      if (v !== undefined) err('invoice_request.unexpected_offer_field', { field: name });
    }
    // "MUST reject the invoice request if invreq_amount is not present."
    if (invreq.amount === undefined) err('invoice_request.missing_amount');
  }
  // "if invreq_chain is not present: MUST reject if bitcoin is not a supported chain; otherwise: MUST
  // reject if invreq_chain.chain is not a supported chain."
  if (!isChainSupported(ctx, invreq.chain ?? CHAIN_HASHES.bitcoin)) err('invoice_request.unsupported_chain');
  // "if invreq_bip_353_name is present: MUST reject if name or domain contain any bytes which are not
  // 0-9, a-z, A-Z, -, _ or .."
  const hrn = invreq.bip353Name;
  if (hrn && !(isValidBip353Part(hrn.name) && isValidBip353Part(hrn.domain))) err('invoice_request.invalid_bip353_name');
  return out;
}

/**
 * Reader, response to an offer: "MUST reject the invoice request if the offer fields do not exactly
 * match a valid, unexpired offer". Compares every record in the offer ranges, unknown ones included.
 */
export function checkInvoiceRequestMatchesOffer(r: InvoiceRequest, offer: Offer): Bolt12SemanticError[] {
  const mine = r.records.filter((x) => inRanges(x.type, OFFER_RANGES));
  const theirs = offer.records.filter((x) => inRanges(x.type, OFFER_RANGES));
  const same = mine.length === theirs.length && mine.every((x, i) => x.type === theirs[i]!.type && equalBytes(x.value, theirs[i]!.value));
  return same ? [] : [new Bolt12SemanticError('invoice_request.offer_mismatch')];
}

/**
 * Parses and checks an invoice_request (string `lnr…` or TLV bytes; every point on the curve),
 * returning every error found.
 */
export function analyzeInvoiceRequest(input: string | Uint8Array, ctx: Bolt12Context, offer?: Offer): Analysis<InvoiceRequest> {
  return withInput(input, INVOICE_REQUEST_PREFIX, (bytes) =>
    withSemantics(withPathPoints(parseInvoiceRequestBytes(bytes), invoiceRequestPathPointErrors), (r) => [
      ...checkInvoiceRequest(r, ctx),
      ...(offer ? checkInvoiceRequestMatchesOffer(r, offer) : []),
    ]),
  );
}

/** Decodes and checks an invoice_request; throws the first Bolt12ParseError / Bolt12SemanticError. */
export function decodeInvoiceRequest(input: string | Uint8Array, ctx: Bolt12Context, offer?: Offer): InvoiceRequest {
  return unwrap(analyzeInvoiceRequest(input, ctx, offer));
}

export function encodeInvoiceRequest(r: InvoiceRequest): string {
  return encodeBolt12String(INVOICE_REQUEST_PREFIX, r.bytes);
}

// ---------------------------------------------------------------------------------------------
// Building.

/** An invoice_request whose fields are final but which is not signed yet (by invreq_payer_id). */
export class UnsignedInvoiceRequest extends UnsignedMessage<InvoiceRequest> {
  /** @internal use buildInvoiceRequest */
  constructor(records: readonly TlvRecord[], bytes: Uint8Array, payerId: Uint8Array) {
    super(records, bytes, { key: payerId, field: 'invreq_payer_id', tag: SIGNATURE_TAGS.invoiceRequest, parse: parseInvoiceRequestBytes });
  }

  /** The key that must sign: invreq_payer_id. */
  get payerId(): Uint8Array {
    return this.signingKey;
  }
}

export interface InvoiceRequestParams {
  /** invreq_payer_id: a transient public key whose secret the caller keeps. */
  readonly payerId: Uint8Array;
  /** invreq_metadata: unpredictable bytes (default: 32 random bytes). */
  readonly metadata?: Uint8Array;
  /** invreq_chain; bitcoin is omitted (writer: "SHOULD omit invreq_chain" for bitcoin). */
  readonly chain?: Uint8Array;
  /** invreq_amount in msat. */
  readonly amount?: bigint;
  readonly quantity?: bigint;
  readonly payerNote?: string;
  readonly features?: Uint8Array;
  readonly paths?: readonly BlindedPath[];
  readonly bip353Name?: Bip353Name;
  /** Extra odd records in 80..159 or 2000000000..2999999999. */
  readonly extraRecords?: readonly TlvRecord[];
}

const INVREQ_OWN_RANGES = [
  [80n, 159n],
  [2_000_000_000n, 2_999_999_999n],
] as const;

/**
 * Builds an invoice_request for `offer` (BOLT 12 "Requirements for Invoice Requests", writer,
 * "if it is responding to an offer"). Call `.sign(payerSecret)` on the result.
 */
export function buildInvoiceRequest(offer: Offer, params: InvoiceRequestParams): UnsignedInvoiceRequest {
  const o = offer.fields;
  // Writer: "if offer_chains is set: MUST set invreq_chain to one of offer_chains unless that chain
  // is bitcoin, in which case it SHOULD omit invreq_chain; otherwise: if it sets invreq_chain it MUST
  // set it to bitcoin."
  // By default: bitcoin when the offer allows it (then omitted), else the offer's first chain.
  const allowsBitcoin = offerChains(o).some((c) => equalBytes(c, CHAIN_HASHES.bitcoin));
  const chain = params.chain ?? (allowsBitcoin ? undefined : o.chains?.[0]);
  if (chain && !offerChains(o).some((c) => equalBytes(c, chain))) throw new Bolt12SemanticError('invoice_request.chain_not_in_offer');
  // Writer: "if offer_quantity_max is present: MUST set invreq_quantity to greater than zero; if
  // offer_quantity_max is non-zero: MUST set invreq_quantity less than or equal to it; otherwise:
  // MUST NOT set invreq_quantity."
  if (o.quantityMax !== undefined) {
    if (params.quantity === undefined) throw new Bolt12SemanticError('invoice_request.missing_quantity');
    if (params.quantity <= 0n) throw new Bolt12SemanticError('invoice_request.zero_quantity');
    if (o.quantityMax !== 0n && params.quantity > o.quantityMax) throw new Bolt12SemanticError('invoice_request.quantity_exceeds_max');
  } else if (params.quantity !== undefined) {
    throw new Bolt12SemanticError('invoice_request.unexpected_quantity');
  }
  // Writer: "if offer_amount is not present: MUST specify invreq_amount; otherwise ... if it sets
  // invreq_amount: MUST specify invreq_amount.msat as greater or equal to amount expected".
  if (o.amount === undefined && params.amount === undefined) throw new Bolt12SemanticError('invoice_request.missing_amount');
  const expected = expectedAmount(o, { quantity: params.quantity });
  if (params.amount !== undefined && expected !== undefined && params.amount < expected) {
    throw new Bolt12SemanticError('invoice_request.amount_below_expected');
  }
  const invreq: InvoiceRequestFields = {
    metadata: params.metadata ?? randomBytes(32), // writer: "MUST set invreq_metadata to an unpredictable series of bytes"
    chain: chain && !equalBytes(chain, CHAIN_HASHES.bitcoin) ? chain : undefined,
    amount: params.amount,
    features: params.features && params.features.length > 0 ? params.features : undefined,
    quantity: params.quantity,
    payerId: params.payerId,
    payerNote: params.payerNote,
    paths: params.paths,
    bip353Name: params.bip353Name,
  };
  return unsignedFrom(offer.records, invreq, params.extraRecords ?? []);
}

function unsignedFrom(offerRecords: readonly TlvRecord[], invreq: InvoiceRequestFields, extra: readonly TlvRecord[]): UnsignedInvoiceRequest {
  if (invreq.paths?.some((p) => p.hops.length === 0)) throw new Bolt12SemanticError('invoice_request.empty_blinded_path');
  if (invreq.bip353Name && !(isValidBip353Part(invreq.bip353Name.name) && isValidBip353Part(invreq.bip353Name.domain))) {
    throw new Bolt12SemanticError('invoice_request.invalid_bip353_name');
  }
  checkExtraRecords(extra, INVREQ_OWN_RANGES, KNOWN);
  // Writer: "MUST copy all fields from the offer (including unknown fields)".
  const copied = offerRecords.filter((r) => !isSignatureType(r.type));
  const { records, bytes } = assemble([...copied, ...encodeFields(invreq, INVREQ_FIELD_SPEC), ...extra]);
  const parsed = parseInvoiceRequestBytes(bytes);
  if (parsed.errors.length > 0) throw parsed.errors[0]!;
  return new UnsignedInvoiceRequest(records, bytes, invreq.payerId!);
}

export interface RefundParams {
  /** invreq_payer_id: the key the invoice's payer (us, paying the refund) is known by. */
  readonly payerId: Uint8Array;
  readonly metadata?: Uint8Array;
  /** offer_description: "a complete description of the purpose of the payment". */
  readonly description: string;
  /** invreq_amount in msat (required). */
  readonly amount: bigint;
  readonly absoluteExpiry?: bigint;
  readonly issuer?: string;
  readonly chain?: Uint8Array;
  readonly paths?: readonly BlindedPath[];
  readonly payerNote?: string;
  readonly features?: Uint8Array;
  readonly quantity?: bigint;
  readonly extraRecords?: readonly TlvRecord[];
}

/**
 * Builds a refund: an invoice_request that answers no offer (writer, "otherwise (not responding
 * to an offer)"). It carries no signature — the writer "MUST NOT include signature" — so it is
 * final as built.
 */
export function buildRefund(params: RefundParams): Refund {
  if (params.amount <= 0n) invalidParameter('invreq_amount must be greater than zero');
  const offer: OfferFields = { description: params.description, absoluteExpiry: params.absoluteExpiry, issuer: params.issuer };
  const invreq: InvoiceRequestFields = {
    metadata: params.metadata ?? randomBytes(32),
    // Writer: "if the chain for the invoice is not solely bitcoin: MUST specify invreq_chain".
    chain: params.chain && !equalBytes(params.chain, CHAIN_HASHES.bitcoin) ? params.chain : undefined,
    amount: params.amount,
    features: params.features && params.features.length > 0 ? params.features : undefined,
    quantity: params.quantity,
    payerId: params.payerId,
    payerNote: params.payerNote,
    paths: params.paths,
  };
  const unsigned = unsignedFrom(encodeFields(offer, OFFER_FIELD_SPEC), invreq, params.extraRecords ?? []);
  return unwrap(parseInvoiceRequestBytes(unsigned.bytes));
}

/** A fresh transient payer key pair (writer: "MUST set invreq_payer_id to a transient public key"). */
export function newPayerKey(): { readonly secret: Uint8Array; readonly publicKey: Uint8Array } {
  for (;;) {
    const secret = randomBytes(32);
    try {
      return { secret, publicKey: publicKeyFromPrivate(secret) };
    } catch {
      zeroize(secret); // out of range (probability ~2^-128): draw again
    }
  }
}

