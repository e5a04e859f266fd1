/**
 * BOLT 12 offers (`lno`): reading, the reader requirements, and building.
 */
import { equalBytes } from '../crypto';
import type { BlindedPath, TlvRecord } from '../wire';
import { encodeBolt12String } from './bech32';
import type { Bolt12Context } from './chains';
import { CHAIN_HASHES, isChainSupported, nowOf } from './chains';
import { Bolt12ParseError, Bolt12SemanticError } from './errors';
import type { OfferFields } from './fields';
import { OFFER_FIELD_SPEC, decodeFields, encodeFields, fieldPathPointErrors, fieldTypes, scanTlvStream } from './fields';
import type { Analysis } from './message';
import { assemble, checkExtraRecords, invalidParameter, throwFirst, unwrap, withInput, withPathPoints, withSemantics } from './message';
import { KNOWN_OFFER_FEATURES, unknownEvenBits } from './subtypes';
import { OFFER_RANGES } from './tlv-types';

export const OFFER_PREFIX = 'lno';

/** A parsed offer: its exact bytes and records next to the typed fields. */
export interface Offer {
  readonly kind: 'offer';
  /** The TLV stream exactly as received or built. */
  readonly bytes: Uint8Array;
  /** Every record, in order (re-encoding them gives `bytes`). */
  readonly records: readonly TlvRecord[];
  readonly fields: OfferFields;
  /** Records of types this reader does not know (odd, so they were allowed). */
  readonly unknownRecords: readonly TlvRecord[];
}

const OFFER_TYPES = new Set(fieldTypes(OFFER_FIELD_SPEC));

/**
 * Parses an offer's TLV stream, collecting parse errors (no semantic checks). The points of
 * offer_paths are checked for shape only: `offerPathPointErrors` checks them on the curve.
 */
export function parseOfferBytes(bytes: Uint8Array): Analysis<Offer> {
  const errors: Bolt12ParseError[] = [];
  // BOLT 12 offer reader: "if the offer contains any TLV fields outside the inclusive ranges: 1 to 79
  // and 1000000000 to 1999999999: MUST NOT respond to the offer" (type_out_of_range).
  const scan = scanTlvStream(bytes, 'offer', OFFER_TYPES, OFFER_RANGES, errors);
  if (!scan) return { value: undefined, errors };
  const fields = decodeFields(scan.records, OFFER_FIELD_SPEC, errors);
  return { value: { kind: 'offer', bytes: bytes.slice(), records: scan.records, fields, unknownRecords: scan.unknown }, errors };
}

/** The points of offer_paths that are not on the curve (BOLT 1 `point`), as parse errors. */
export function offerPathPointErrors(o: Offer): Bolt12ParseError[] {
  return fieldPathPointErrors(o.fields, OFFER_FIELD_SPEC);
}

/**
 * The offer reader requirements (BOLT 12 "Requirements For Offers", reader) on a set of offer
 * fields. Also applied to the offer fields an invoice_request or invoice mirrors.
 */
export function checkOfferFields(f: OfferFields, ctx: Bolt12Context): Bolt12SemanticError[] {
  const out: Bolt12SemanticError[] = [];
  const err = (code: ConstructorParameters<typeof Bolt12SemanticError>[0], details?: Record<string, unknown>) =>
    out.push(new Bolt12SemanticError(code, undefined, details));

  // "if offer_features contains unknown even bits that are non-zero: MUST NOT respond to the offer."
  const unknownBits = unknownEvenBits(f.features, KNOWN_OFFER_FEATURES);
  if (unknownBits.length > 0) err('offer.unknown_required_feature', { bits: unknownBits });

  if (f.chains === undefined) {
    // "if offer_chains is not set: if the node does not accept bitcoin invoices: MUST NOT respond"
    if (!isChainSupported(ctx, CHAIN_HASHES.bitcoin)) err('offer.unsupported_chain');
  } else if (f.chains.length === 0) {
    // Rationale: "An empty offer_chains (present but with zero entries) is explicitly invalid".
    err('offer.empty_chains');
  } else if (!f.chains.some((c) => isChainSupported(ctx, c))) {
    // "if the node does not accept invoices for at least one of the chains: MUST NOT respond"
    err('offer.unsupported_chain');
  }

  // "if offer_amount is set and offer_description is not set: MUST NOT respond to the offer."
  if (f.amount !== undefined && f.description === undefined) err('offer.missing_description');
  // "if offer_amount is set and is not greater than zero: MUST NOT respond to the offer."
  if (f.amount !== undefined && f.amount <= 0n) err('offer.zero_amount');
  // "if offer_currency is set and offer_amount is not set: MUST NOT respond to the offer."
  if (f.currency !== undefined && f.amount === undefined) err('offer.currency_without_amount');
  // "if neither offer_issuer_id nor offer_paths are set: MUST NOT respond to the offer."
  // (An empty offer_paths gives nowhere to send either, so it counts as not set.)
  if (f.issuerId === undefined && (f.paths === undefined || f.paths.length === 0)) err('offer.missing_issuer_id_and_paths');
  // "if num_hops is 0 in any blinded_path in offer_paths: MUST NOT respond to the offer."
  f.paths?.forEach((p, i) => p.hops.length === 0 && err('offer.empty_blinded_path', { path: i }));
  // "if the current time is after offer_absolute_expiry: MUST NOT respond to the offer."
  if (f.absoluteExpiry !== undefined && nowOf(ctx) > f.absoluteExpiry) err('offer.expired', { absoluteExpiry: f.absoluteExpiry.toString() });
  return out;
}

/** Parses and checks an offer (every point on the curve), returning every error found. */
export function analyzeOffer(input: string | Uint8Array, ctx: Bolt12Context): Analysis<Offer> {
  return withInput(input, OFFER_PREFIX, (bytes) =>
    withSemantics(withPathPoints(parseOfferBytes(bytes), offerPathPointErrors), (o) => checkOfferFields(o.fields, ctx)),
  );
}

/** Decodes an `lno` string (or offer TLV bytes); throws the first Bolt12ParseError / Bolt12SemanticError. */
export function decodeOffer(input: string | Uint8Array, ctx: Bolt12Context): Offer {
  return unwrap(analyzeOffer(input, ctx));
}

/** The `lno` string of an offer (its exact bytes). */
export function encodeOffer(offer: Offer): string {
  return encodeBolt12String(OFFER_PREFIX, offer.bytes);
}

/** An amount: msat on the offer's chain, or a currency amount in its ISO 4217 minor unit. */
export type OfferAmount = bigint | { readonly currency: string; readonly amount: bigint };

export interface OfferParams {
  readonly chains?: readonly Uint8Array[];
  readonly metadata?: Uint8Array;
  /** Omit for "any amount" (donations, tips). */
  readonly amount?: OfferAmount;
  readonly description?: string;
  readonly features?: Uint8Array;
  /** Seconds since the epoch after which invoice_request should not be attempted. */
  readonly absoluteExpiry?: bigint;
  readonly paths?: readonly BlindedPath[];
  readonly issuer?: string;
  /** Maximum quantity per invoice_request; 0 means "more than one, no known maximum". */
  readonly quantityMax?: bigint;
  readonly issuerId?: Uint8Array;
  /** Extra odd records in the offer ranges (experiments, tests). */
  readonly extraRecords?: readonly TlvRecord[];
}

/**
 * Builds an offer, enforcing the writer requirements (BOLT 12 "Requirements For Offers",
 * writer). Offers carry no signature, so the result is final. Throws Bolt12SemanticError.
 */
export function buildOffer(params: OfferParams): Offer {
  let currency: string | undefined;
  let amount: bigint | undefined;
  if (typeof params.amount === 'bigint') amount = params.amount;
  else if (params.amount) ({ currency, amount } = params.amount);
  // Writer: "MUST set offer_amount greater than zero".
  if (amount !== undefined && amount <= 0n) throw new Bolt12SemanticError('offer.zero_amount');
  // Writer: "MUST specify offer_currency iso4217 as an ISO 4217 three-letter code".
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) invalidParameter('offer_currency must be a three-letter ISO 4217 code');
  // Writer: with an amount, "MUST set offer_description to a complete description".
  if (amount !== undefined && params.description === undefined) throw new Bolt12SemanticError('offer.missing_description');
  // Writer: "if it includes offer_paths: MAY set offer_issuer_id; otherwise: MUST set offer_issuer_id".
  if (params.issuerId === undefined && (params.paths === undefined || params.paths.length === 0)) {
    throw new Bolt12SemanticError('offer.missing_issuer_id_and_paths');
  }
  if (params.paths?.some((p) => p.hops.length === 0)) throw new Bolt12SemanticError('offer.empty_blinded_path');
  if (params.chains !== undefined && params.chains.length === 0) throw new Bolt12SemanticError('offer.empty_chains');
  if (params.quantityMax !== undefined && params.quantityMax < 0n) invalidParameter('offer_quantity_max must not be negative');

  const fields: OfferFields = {
    // Writer: "if the chain for the invoice is not solely bitcoin: MUST specify offer_chains;
    // otherwise: SHOULD omit offer_chains".
    chains: params.chains && !(params.chains.length === 1 && isBitcoin(params.chains[0]!)) ? params.chains : undefined,
    metadata: params.metadata,
    currency,
    amount,
    description: params.description,
    features: params.features && params.features.length > 0 ? params.features : undefined,
    absoluteExpiry: params.absoluteExpiry,
    paths: params.paths,
    issuer: params.issuer,
    quantityMax: params.quantityMax,
    issuerId: params.issuerId,
  };
  const extra = params.extraRecords ?? [];
  checkExtraRecords(extra, OFFER_RANGES, OFFER_TYPES);
  const { records, bytes } = assemble([...encodeFields(fields, OFFER_FIELD_SPEC), ...extra]);
  const parsed = parseOfferBytes(bytes);
  if (parsed.errors.length > 0 || !parsed.value) throw parsed.errors[0] ?? new Bolt12ParseError('bolt12.parse.bad_tlv', 'offer');
  throwFirst(
    checkOfferFields(parsed.value.fields, { nowSeconds: 0, chains: params.chains ?? [CHAIN_HASHES.bitcoin] }).filter(
      (e) => e.code !== 'offer.unknown_required_feature',
    ),
  );
  return { ...parsed.value, records };
}

function isBitcoin(chain: Uint8Array): boolean {
  return equalBytes(chain, CHAIN_HASHES.bitcoin);
}

/** The chains an offer is valid for: offer_chains, or bitcoin when absent. */
export function offerChains(f: OfferFields): readonly Uint8Array[] {
  return f.chains ?? [CHAIN_HASHES.bitcoin];
}
