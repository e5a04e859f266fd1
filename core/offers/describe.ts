/**
 * `decodeBolt12`: a JSON-friendly description of any BOLT 12 string (or message bytes) for
 * tools and the UI — kind, every field by its spec name, unknown TLVs, and every parse and
 * semantic error with a human explanation. It never throws for bad input.
 */
import { toHex } from '../crypto';
import type { BlindedPath, SciddirOrPubkey } from '../wire';
import { decodeBolt12String } from './bech32';
import type { Bolt12Context } from './chains';
import { chainName } from './chains';
import type { Bolt12Error } from './errors';
import { Bolt12ParseError, explainBolt12Error, isBolt12Error } from './errors';
import type { InvoiceFields, InvoiceRequestFields, OfferFields } from './fields';
import { analyzeInvoice } from './invoice';
import { analyzeInvoiceError } from './invoice-error';
import { analyzeInvoiceRequest, isForOffer } from './invoice-request';
import { merkleRoot } from './merkle';
import type { Analysis } from './message';
import { analyzeOffer } from './offer';
import { analyzeStaticInvoice } from './static-invoice';
import type { BlindedPayInfo, FallbackAddress } from './subtypes';
import { fallbackIgnoredReason, featureBits } from './subtypes';
import type { TlvRecord } from '../wire';

export type Bolt12Kind = 'offer' | 'invoice_request' | 'invoice' | 'invoice_error' | 'static_invoice';

/** The kind each string prefix stands for. */
export const PREFIX_KINDS: Readonly<Record<string, Bolt12Kind>> = { lno: 'offer', lnr: 'invoice_request', lni: 'invoice' };

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Bolt12ErrorDescription {
  readonly code: string;
  /** `parse`: not a well-formed message; `semantic`: well-formed but breaks a requirement. */
  readonly family: 'parse' | 'semantic';
  readonly message: string;
  /** What the code means in general. */
  readonly explanation: string;
}

export interface Bolt12Description {
  /** Undefined when the input is not even a BOLT 12 string of a known prefix. */
  readonly kind: Bolt12Kind | undefined;
  readonly prefix?: string;
  /** True when there is no error at all. */
  readonly valid: boolean;
  /** For invoice_request: true when it answers no offer (a refund). */
  readonly refund?: boolean;
  /** Every known field present, by its spec name. */
  readonly fields: Record<string, JsonValue>;
  /** Records of types this decoder does not know. */
  readonly unknownTlvs: { type: string; length: number; hex: string }[];
  /** Merkle root of the non-signature records (signed kinds only: not offers or invoice_error). */
  readonly merkleRoot?: string;
  readonly errors: Bolt12ErrorDescription[];
}

/**
 * Describes a BOLT 12 string (`lno…`, `lnr…`, `lni…`). `ctx.nowSeconds` is the caller's clock;
 * `ctx.chains` the accepted chains (default bitcoin). Never throws.
 */
export function decodeBolt12(input: string, ctx: Bolt12Context): Bolt12Description {
  try {
    let prefix: string;
    try {
      prefix = decodeBolt12String(input).prefix;
    } catch (e) {
      return failed(undefined, undefined, e);
    }
    // Own keys only: a prefix such as "constructor" must not find Object.prototype's members.
    const kind = Object.hasOwn(PREFIX_KINDS, prefix) ? PREFIX_KINDS[prefix] : undefined;
    if (!kind) {
      return failed(undefined, prefix, new Bolt12ParseError('bolt12.parse.unknown_prefix', `unknown prefix "${prefix}" (expected lno, lnr or lni)`));
    }
    if (kind === 'offer') return describe(kind, prefix, analyzeOffer(input, ctx));
    if (kind === 'invoice_request') return describe(kind, prefix, analyzeInvoiceRequest(input, ctx));
    return describe(kind, prefix, analyzeInvoice(input, ctx));
  } catch (e) {
    return failed(undefined, undefined, e);
  }
}

/** Describes raw message bytes of a given kind (invoice_error and static invoices have no string form). */
export function describeBolt12Bytes(kind: Bolt12Kind, bytes: Uint8Array, ctx: Bolt12Context): Bolt12Description {
  try {
    switch (kind) {
      case 'offer':
        return describe(kind, undefined, analyzeOffer(bytes, ctx));
      case 'invoice_request':
        return describe(kind, undefined, analyzeInvoiceRequest(bytes, ctx));
      case 'invoice':
        return describe(kind, undefined, analyzeInvoice(bytes, ctx));
      case 'invoice_error':
        return describe(kind, undefined, analyzeInvoiceError(bytes));
      case 'static_invoice':
        return describe(kind, undefined, analyzeStaticInvoice(bytes, ctx));
    }
  } catch (e) {
    return failed(kind, undefined, e);
  }
}

function describeError(e: unknown): Bolt12ErrorDescription {
  if (isBolt12Error(e)) {
    return { code: e.code, family: e instanceof Bolt12ParseError ? 'parse' : 'semantic', message: e.message, explanation: explainBolt12Error(e.code) };
  }
  // Not reachable for any input (the property tests hold decoders to that); reported, not thrown.
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'bolt12.internal', family: 'parse', message, explanation: 'an unexpected failure inside the decoder' };
}

function failed(kind: Bolt12Kind | undefined, prefix: string | undefined, e: unknown): Bolt12Description {
  return { kind, ...(prefix !== undefined ? { prefix } : {}), valid: false, fields: {}, unknownTlvs: [], errors: [describeError(e)] };
}

interface AnyMessage {
  readonly records: readonly TlvRecord[];
  readonly unknownRecords: readonly TlvRecord[];
  readonly offer?: OfferFields;
  readonly fields?: OfferFields;
  readonly invreq?: InvoiceRequestFields;
  readonly invoice?: InvoiceFields;
  readonly signature?: Uint8Array;
  readonly erroneousField?: bigint;
  readonly suggestedValue?: Uint8Array;
  readonly error?: string;
}

function describe(kind: Bolt12Kind, prefix: string | undefined, a: Analysis<AnyMessage>): Bolt12Description {
  const errors = a.errors.map((e: Bolt12Error) => describeError(e));
  const base = { kind, ...(prefix !== undefined ? { prefix } : {}), valid: errors.length === 0, errors };
  const m = a.value;
  if (!m) return { ...base, fields: {}, unknownTlvs: [] };
  const fields: Record<string, JsonValue> = {};
  const offer = m.offer ?? m.fields;
  if (offer) describeOffer(offer, fields);
  if (m.invreq) describeInvreq(m.invreq, fields);
  if (m.invoice) describeInvoice(m.invoice, fields);
  if (kind === 'invoice_error') {
    if (m.erroneousField !== undefined) fields.erroneous_field = m.erroneousField.toString();
    if (m.suggestedValue !== undefined) fields.suggested_value = toHex(m.suggestedValue);
    if (m.error !== undefined) fields.error = m.error;
  }
  if (m.signature) fields.signature = toHex(m.signature);
  const root = kind === 'invoice_error' || kind === 'offer' ? undefined : merkleRoot(m.records);
  return {
    ...base,
    ...(kind === 'invoice_request' && m.offer ? { refund: !isForOffer({ offer: m.offer }) } : {}),
    fields,
    unknownTlvs: m.unknownRecords.map((r) => ({ type: r.type.toString(), length: r.value.length, hex: toHex(r.value) })),
    ...(root ? { merkleRoot: toHex(root) } : {}),
  };
}

function set(out: Record<string, JsonValue>, name: string, v: JsonValue | undefined): void {
  if (v !== undefined) out[name] = v;
}

const hex = (b: Uint8Array | undefined): string | undefined => (b ? toHex(b) : undefined);
const num = (n: bigint | undefined): string | undefined => n?.toString();

function time(seconds: bigint | undefined): JsonValue | undefined {
  if (seconds === undefined) return undefined;
  const ms = Number(seconds) * 1000;
  const utc = seconds <= 8_640_000_000_000n ? new Date(ms).toISOString() : null;
  return { seconds: seconds.toString(), utc };
}

function features(b: Uint8Array | undefined): JsonValue | undefined {
  return b ? { hex: toHex(b), bits: featureBits(b) } : undefined;
}

function chain(c: Uint8Array): JsonValue {
  return { hex: toHex(c), name: chainName(c) ?? null };
}

function sciddir(v: SciddirOrPubkey): JsonValue {
  if (v.kind === 'node_id') return toHex(v.nodeId);
  const s = v.shortChannelId;
  return { short_channel_id: `${s >> 40n}x${(s >> 16n) & 0xffffffn}x${s & 0xffffn}`, direction: v.direction };
}

function paths(ps: readonly BlindedPath[] | undefined): JsonValue | undefined {
  return ps?.map((p) => ({
    first_node_id: sciddir(p.firstNodeId),
    first_path_key: toHex(p.firstPathKey),
    num_hops: p.hops.length,
    hops: p.hops.map((h) => ({ blinded_node_id: toHex(h.blindedNodeId), encrypted_recipient_data: toHex(h.encryptedRecipientData) })),
  }));
}

function payinfo(p: BlindedPayInfo): JsonValue {
  return {
    fee_base_msat: p.feeBaseMsat,
    fee_proportional_millionths: p.feeProportionalMillionths,
    cltv_expiry_delta: p.cltvExpiryDelta,
    htlc_minimum_msat: p.htlcMinimumMsat.toString(),
    htlc_maximum_msat: p.htlcMaximumMsat.toString(),
    features: features(p.features)!,
  };
}

function fallback(f: FallbackAddress): JsonValue {
  const ignored = fallbackIgnoredReason(f);
  return { version: f.version, address: toHex(f.address), ...(ignored ? { ignored } : {}) };
}

function latin(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

function describeOffer(f: OfferFields, out: Record<string, JsonValue>): void {
  set(out, 'offer_chains', f.chains?.map(chain));
  set(out, 'offer_metadata', hex(f.metadata));
  set(out, 'offer_currency', f.currency);
  set(out, 'offer_amount', num(f.amount));
  set(out, 'offer_description', f.description);
  set(out, 'offer_features', features(f.features));
  set(out, 'offer_absolute_expiry', time(f.absoluteExpiry));
  set(out, 'offer_paths', paths(f.paths));
  set(out, 'offer_issuer', f.issuer);
  set(out, 'offer_quantity_max', num(f.quantityMax));
  set(out, 'offer_issuer_id', hex(f.issuerId));
}

function describeInvreq(f: InvoiceRequestFields, out: Record<string, JsonValue>): void {
  set(out, 'invreq_metadata', hex(f.metadata));
  set(out, 'invreq_chain', f.chain ? chain(f.chain) : undefined);
  set(out, 'invreq_amount', num(f.amount));
  set(out, 'invreq_features', features(f.features));
  set(out, 'invreq_quantity', num(f.quantity));
  set(out, 'invreq_payer_id', hex(f.payerId));
  set(out, 'invreq_payer_note', f.payerNote);
  set(out, 'invreq_paths', paths(f.paths));
  set(out, 'invreq_bip_353_name', f.bip353Name ? { name: latin(f.bip353Name.name), domain: latin(f.bip353Name.domain) } : undefined);
}

function describeInvoice(f: InvoiceFields, out: Record<string, JsonValue>): void {
  set(out, 'invoice_paths', paths(f.paths));
  set(out, 'invoice_blindedpay', f.blindedPay?.map(payinfo));
  set(out, 'invoice_created_at', time(f.createdAt));
  set(out, 'invoice_relative_expiry', num(f.relativeExpiry));
  set(out, 'invoice_payment_hash', hex(f.paymentHash));
  set(out, 'invoice_amount', num(f.amount));
  set(out, 'invoice_fallbacks', f.fallbacks?.map(fallback));
  set(out, 'invoice_features', features(f.features));
  set(out, 'invoice_node_id', hex(f.nodeId));
  set(out, 'held_htlc_available_paths', paths(f.heldHtlcAvailablePaths));
}
