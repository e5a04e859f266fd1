/**
 * The typed fields of BOLT 12 messages, field specs (TLV type → codec), and the generic
 * record ⇄ field conversion every message kind uses. Parsing collects errors instead of stopping
 * at the first, so that `decodeBolt12` can list them all.
 */
import type { TlvRecord } from '../wire';
import type { BlindedPath } from '../wire';
import { LIMITS, WireError, decodeTlvStream } from '../wire';
import { Bolt12ParseError } from './errors';
import type { Bip353Name, BlindedPayInfo, FallbackAddress, FieldCodec } from './subtypes';
import {
  bip353Codec,
  blindedPathsCodec,
  bytesCodec,
  chainHashCodec,
  chainsCodec,
  fallbacksCodec,
  pathPointErrors,
  payInfosCodec,
  pointCodec,
  sha256Codec,
  tu32Codec,
  tu64Codec,
  utf8Codec,
} from './subtypes';
import type { TypeRange } from './tlv-types';
import { INVOICE_TLV, INVREQ_TLV, OFFER_TLV, TLV_NAMES, inRanges } from './tlv-types';

/** BOLT 12 offer fields (types 1..79). */
export interface OfferFields {
  /** BOLT 12 `offer_chains` */
  readonly chains?: readonly Uint8Array[];
  /** BOLT 12 `offer_metadata` */
  readonly metadata?: Uint8Array;
  /** BOLT 12 `offer_currency` (ISO 4217) */
  readonly currency?: string;
  /** BOLT 12 `offer_amount` (msat, or the currency's minor unit when offer_currency is set) */
  readonly amount?: bigint;
  /** BOLT 12 `offer_description` */
  readonly description?: string;
  /** BOLT 12 `offer_features` */
  readonly features?: Uint8Array;
  /** BOLT 12 `offer_absolute_expiry` (seconds from epoch) */
  readonly absoluteExpiry?: bigint;
  /** BOLT 12 `offer_paths` (blinded message paths to the issuer) */
  readonly paths?: readonly BlindedPath[];
  /** BOLT 12 `offer_issuer` */
  readonly issuer?: string;
  /** BOLT 12 `offer_quantity_max` (0 = unlimited) */
  readonly quantityMax?: bigint;
  /** BOLT 12 `offer_issuer_id` */
  readonly issuerId?: Uint8Array;
}

/** BOLT 12 invoice_request fields (type 0 and 80..159). */
export interface InvoiceRequestFields {
  /** BOLT 12 `invreq_metadata` */
  readonly metadata?: Uint8Array;
  /** BOLT 12 `invreq_chain` */
  readonly chain?: Uint8Array;
  /** BOLT 12 `invreq_amount` (msat) */
  readonly amount?: bigint;
  /** BOLT 12 `invreq_features` */
  readonly features?: Uint8Array;
  /** BOLT 12 `invreq_quantity` */
  readonly quantity?: bigint;
  /** BOLT 12 `invreq_payer_id` */
  readonly payerId?: Uint8Array;
  /** BOLT 12 `invreq_payer_note` */
  readonly payerNote?: string;
  /** BOLT 12 `invreq_paths` */
  readonly paths?: readonly BlindedPath[];
  /** BOLT 12 `invreq_bip_353_name` */
  readonly bip353Name?: Bip353Name;
}

/** BOLT 12 invoice fields (types 160..239); `heldHtlcAvailablePaths` only in static invoices. */
export interface InvoiceFields {
  /** BOLT 12 `invoice_paths` (blinded payment paths) */
  readonly paths?: readonly BlindedPath[];
  /** BOLT 12 `invoice_blindedpay` (one per path) */
  readonly blindedPay?: readonly BlindedPayInfo[];
  /** BOLT 12 `invoice_created_at` (seconds from epoch) */
  readonly createdAt?: bigint;
  /** BOLT 12 `invoice_relative_expiry` (seconds from creation, tu32) */
  readonly relativeExpiry?: bigint;
  /** BOLT 12 `invoice_payment_hash` */
  readonly paymentHash?: Uint8Array;
  /** BOLT 12 `invoice_amount` (msat) */
  readonly amount?: bigint;
  /** BOLT 12 `invoice_fallbacks` */
  readonly fallbacks?: readonly FallbackAddress[];
  /** BOLT 12 `invoice_features` */
  readonly features?: Uint8Array;
  /** BOLT 12 `invoice_node_id` */
  readonly nodeId?: Uint8Array;
  /** LDK `held_htlc_available_paths` (type 236, static invoices only) */
  readonly heldHtlcAvailablePaths?: readonly BlindedPath[];
}

/** A field spec maps every key of a field struct to its TLV type and codec. */
export type FieldSpec<T> = { readonly [K in keyof T]-?: readonly [bigint, FieldCodec<NonNullable<T[K]>>] };

export const OFFER_FIELD_SPEC: FieldSpec<OfferFields> = {
  chains: [OFFER_TLV.chains, chainsCodec],
  metadata: [OFFER_TLV.metadata, bytesCodec],
  currency: [OFFER_TLV.currency, utf8Codec],
  amount: [OFFER_TLV.amount, tu64Codec],
  description: [OFFER_TLV.description, utf8Codec],
  features: [OFFER_TLV.features, bytesCodec],
  absoluteExpiry: [OFFER_TLV.absoluteExpiry, tu64Codec],
  paths: [OFFER_TLV.paths, blindedPathsCodec],
  issuer: [OFFER_TLV.issuer, utf8Codec],
  quantityMax: [OFFER_TLV.quantityMax, tu64Codec],
  issuerId: [OFFER_TLV.issuerId, pointCodec],
};

export const INVREQ_FIELD_SPEC: FieldSpec<InvoiceRequestFields> = {
  metadata: [INVREQ_TLV.metadata, bytesCodec],
  chain: [INVREQ_TLV.chain, chainHashCodec],
  amount: [INVREQ_TLV.amount, tu64Codec],
  features: [INVREQ_TLV.features, bytesCodec],
  quantity: [INVREQ_TLV.quantity, tu64Codec],
  payerId: [INVREQ_TLV.payerId, pointCodec],
  payerNote: [INVREQ_TLV.payerNote, utf8Codec],
  paths: [INVREQ_TLV.paths, blindedPathsCodec],
  bip353Name: [INVREQ_TLV.bip353Name, bip353Codec],
};

export const INVOICE_FIELD_SPEC: FieldSpec<InvoiceFields> = {
  paths: [INVOICE_TLV.paths, blindedPathsCodec],
  blindedPay: [INVOICE_TLV.blindedPay, payInfosCodec],
  createdAt: [INVOICE_TLV.createdAt, tu64Codec],
  relativeExpiry: [INVOICE_TLV.relativeExpiry, tu32Codec],
  paymentHash: [INVOICE_TLV.paymentHash, sha256Codec],
  amount: [INVOICE_TLV.amount, tu64Codec],
  fallbacks: [INVOICE_TLV.fallbacks, fallbacksCodec],
  features: [INVOICE_TLV.features, bytesCodec],
  nodeId: [INVOICE_TLV.nodeId, pointCodec],
  heldHtlcAvailablePaths: [INVOICE_TLV.heldHtlcAvailablePaths, blindedPathsCodec],
};

export function fieldTypes<T>(spec: FieldSpec<T>): bigint[] {
  return Object.values<readonly [bigint, unknown]>(spec).map(([t]) => t);
}

export function tlvName(type: bigint): string {
  return TLV_NAMES[type.toString()] ?? `type ${type}`;
}

/** Decodes the fields of `spec` from `records`, pushing one error per undecodable field. */
export function decodeFields<T>(records: readonly TlvRecord[], spec: FieldSpec<T>, errors: Bolt12ParseError[], names = TLV_NAMES): T {
  const out: Record<string, unknown> = {};
  for (const [key, [type, codec]] of Object.entries<readonly [bigint, FieldCodec<unknown>]>(spec)) {
    const record = records.find((r) => r.type === type);
    if (!record) continue;
    try {
      out[key] = codec.decode(record.value, names[type.toString()] ?? `type ${type}`);
    } catch (e) {
      if (e instanceof Bolt12ParseError) errors.push(e);
      else errors.push(new Bolt12ParseError('bolt12.parse.invalid_field', `${names[type.toString()]}: malformed value`));
    }
  }
  return out as T;
}

/**
 * The blinded path fields of `spec` whose points are not all on the curve (the parse checked
 * their shape only): one invalid_field error per field, naming its first bad point.
 */
export function fieldPathPointErrors<T>(fields: T, spec: FieldSpec<T>, names = TLV_NAMES): Bolt12ParseError[] {
  const out: Bolt12ParseError[] = [];
  for (const [key, [type, codec]] of Object.entries<readonly [bigint, FieldCodec<unknown>]>(spec)) {
    if (codec !== blindedPathsCodec) continue;
    out.push(...pathPointErrors((fields as Record<string, readonly BlindedPath[] | undefined>)[key], names[type.toString()] ?? `type ${type}`));
  }
  return out;
}

/** Encodes the fields present in `fields` as records (unsorted). */
export function encodeFields<T>(fields: T, spec: FieldSpec<T>, names = TLV_NAMES): TlvRecord[] {
  const out: TlvRecord[] = [];
  for (const [key, [type, codec]] of Object.entries<readonly [bigint, FieldCodec<unknown>]>(spec)) {
    const v = (fields as Record<string, unknown>)[key];
    if (v === undefined) continue;
    out.push({ type, value: codec.encode(v, names[type.toString()] ?? `type ${type}`) });
  }
  return out;
}

/** What the TLV stage of parsing found. */
export interface TlvStreamScan {
  readonly records: readonly TlvRecord[];
  /** Records whose type no field spec of this kind knows (odd, or reported as errors). */
  readonly unknown: readonly TlvRecord[];
}

/** The kinds of BOLT 12 TLV streams, as LIMITS.bolt12Records names them. */
export type Bolt12StreamKind = keyof typeof LIMITS.bolt12Records;

function maxRecordsOf(kind: Bolt12StreamKind): number {
  return LIMITS.bolt12Records[kind];
}

/**
 * The TLV stage shared by every kind: BOLT 1 stream rules (through core/wire), at most
 * LIMITS.bolt12Records[kind] records (over_limit as soon as one more starts: each record is hashed as a
 * Merkle leaf, and no writer needs more), then BOLT 12 type ranges, then the unknown-even rule.
 * Returns undefined when the stream itself does not decode (errors explain why); range and
 * unknown-even errors are collected and the scan goes on.
 */
export function scanTlvStream(
  bytes: Uint8Array,
  kind: Bolt12StreamKind,
  known: ReadonlySet<bigint>,
  ranges: readonly TypeRange[] | undefined,
  errors: Bolt12ParseError[],
): TlvStreamScan | undefined {
  let records: TlvRecord[];
  try {
    records = decodeTlvStream(bytes, { name: kind, maxRecords: maxRecordsOf(kind) });
  } catch (e) {
    if (e instanceof WireError && e.code === 'wire.too_large') {
      const max = maxRecordsOf(kind);
      errors.push(new Bolt12ParseError('bolt12.parse.over_limit', `${kind}: more than ${max} TLV records, more than any writer uses`, { max }));
      return undefined;
    }
    const message = e instanceof WireError ? e.message : 'malformed TLV stream';
    errors.push(new Bolt12ParseError('bolt12.parse.bad_tlv', message, { wireCode: e instanceof WireError ? e.code : undefined }));
    return undefined;
  }
  if (records.length === 0) {
    errors.push(new Bolt12ParseError('bolt12.parse.empty', `${kind}: no TLV records`));
    return undefined;
  }
  records = records.map((r) => ({ type: r.type, value: r.value.slice() }));
  const unknown: TlvRecord[] = [];
  for (const r of records) {
    if (ranges && !inRanges(r.type, ranges)) {
      errors.push(
        new Bolt12ParseError('bolt12.parse.type_out_of_range', `${kind}: type ${r.type} is outside the ranges ${kind} allows`, {
          type: r.type.toString(),
        }),
      );
    } else if (!known.has(r.type) && r.type % 2n === 0n) {
      errors.push(new Bolt12ParseError('bolt12.parse.unknown_even_type', `${kind}: unknown even type ${r.type}`, { type: r.type.toString() }));
    }
    if (!known.has(r.type)) unknown.push(r);
  }
  return { records, unknown };
}
