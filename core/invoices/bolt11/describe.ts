/**
 * `describeBolt11`: a JSON-friendly description of a BOLT 11 string for tools and the UI —
 * every field by its spec name, the fields a reader skips and why, the signature and payee, and
 * every error with its explanation. It never throws.
 */
import { isLowS, toHex } from '../../crypto';
import { formatShortChannelId } from '../../wire';
import type { Bolt11Analysis, DecodeOptions, ParsedBolt11 } from './decode';
import { DEFAULT_EXPIRY_SECONDS, DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA, allFields, analyzeBolt11, firstField } from './decode';
import { Bolt11Error, Bolt11ParseError, Bolt11SemanticError, explainBolt11Error } from './errors';
import type { Bolt11Fallback } from './fallback';
import { FALLBACK_P2PKH, FALLBACK_P2SH, fallbackAddress, fallbackType } from './fallback';
import type { Bolt11Field, RouteHintHop } from './fields';
import { tagLetter } from './fields';
import type { Bolt11Network } from './hrp';
import type { Bolt11Description, Bolt11ErrorDescription, JsonValue } from './description';

export type { Bolt11Description, Bolt11ErrorDescription, JsonValue } from './description';

export interface DescribeBolt11Options extends DecodeOptions {
  /** The caller's clock: when set, an expired invoice is reported (`bolt11.expired`). */
  readonly nowSeconds?: number;
  /** When set, an invoice for another network is reported (`bolt11.unsupported_network`). */
  readonly networks?: readonly Bolt11Network[];
}

/** Describes a BOLT 11 string (an optional `lightning:` scheme is dropped). Never throws. */
export function describeBolt11(input: string, opts: DescribeBolt11Options = {}): Bolt11Description {
  try {
    const s = typeof input === 'string' ? input.trim().replace(/^lightning:/i, '') : input;
    const a = analyzeBolt11(s, opts);
    const errors = a.errors.map(describeError);
    if (!a.parsed) return { kind: 'bolt11_invoice', valid: false, fields: {}, errors };
    const fields = describeFields(a.parsed, a);
    const extra: Bolt11Error[] = [];
    if (opts.networks && !opts.networks.includes(a.parsed.network)) {
      extra.push(new Bolt11SemanticError('bolt11.unsupported_network', `the invoice is for ${a.parsed.network} (accepted: ${opts.networks.join(', ') || 'none'})`));
    }
    if (opts.nowSeconds !== undefined) {
      const expiresAt = a.parsed.timestamp + (firstField(a.parsed.fields, 'x')?.expirySeconds ?? DEFAULT_EXPIRY_SECONDS);
      fields.expired = opts.nowSeconds > expiresAt;
      if (fields.expired) extra.push(new Bolt11SemanticError('bolt11.expired', `expired at ${expiresAt} (now ${opts.nowSeconds})`));
    }
    const all = [...errors, ...extra.map(describeError)];
    return { kind: 'bolt11_invoice', valid: all.length === 0, fields, errors: all };
  } catch (e) {
    // Not reachable for any input (the property tests hold the decoder to that); reported, not thrown.
    return { kind: 'bolt11_invoice', valid: false, fields: {}, errors: [describeError(e)] };
  }
}

function describeError(e: unknown): Bolt11ErrorDescription {
  if (e instanceof Bolt11Error) {
    const bits = e.code === 'bolt11.unknown_required_feature' ? (e.details?.bits as number[] | undefined) : undefined;
    return {
      code: e.code,
      family: e instanceof Bolt11ParseError ? 'parse' : 'semantic',
      message: e.message,
      explanation: explainBolt11Error(e.code),
      ...(bits ? { bits } : {}),
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'bolt11.internal', family: 'parse', message, explanation: 'an unexpected failure inside the decoder' };
}

function describeFields(p: ParsedBolt11, a: Bolt11Analysis): Record<string, JsonValue> {
  const f = p.fields;
  const out: Record<string, JsonValue> = {
    prefix: p.prefix,
    currency: p.prefix.slice(2),
    network: p.network,
    amount_msat: p.amountMsat === undefined ? null : p.amountMsat.toString(),
    timestamp: p.timestamp,
    timestamp_utc: new Date(p.timestamp * 1000).toISOString(),
  };
  const set = (name: string, v: JsonValue | undefined) => {
    if (v !== undefined) out[name] = v;
  };
  set('payment_hash', hex(firstField(f, 'p')?.paymentHash));
  set('payment_secret', hex(firstField(f, 's')?.paymentSecret));
  set('description', firstField(f, 'd')?.description);
  set('description_hash', hex(firstField(f, 'h')?.descriptionHash));
  set('metadata', hex(firstField(f, 'm')?.metadata));
  set('n_field', hex(firstField(f, 'n')?.payeeNodeId));
  const x = firstField(f, 'x')?.expirySeconds;
  out.expiry = x ?? DEFAULT_EXPIRY_SECONDS;
  out.expires_at = p.timestamp + (x ?? DEFAULT_EXPIRY_SECONDS);
  out.min_final_cltv_expiry_delta = firstField(f, 'c')?.minFinalCltvExpiryDelta ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA;
  const fallbacks = allFields(f, 'f').map((x) => fallback(x.fallback, p.network));
  if (fallbacks.length > 0) out.fallbacks = fallbacks;
  const routes = allFields(f, 'r').map((r) => r.route.map(hop));
  if (routes.length > 0) out.route_hints = routes;
  const features = firstField(f, '9')?.features;
  out.features = features ? { bits: features.bits(), names: features.names() } : { bits: [], names: [] };
  if (a.payeeNodeId) {
    out.payee_pubkey = toHex(a.payeeNodeId);
    out.payee_pubkey_from = firstField(f, 'n') ? 'n_field' : 'recovery';
  }
  out.signature = { rs: toHex(p.signature.rs), recovery_id: p.signature.recoveryId, high_s: !isLowS(p.signature.rs) };
  out.signing_hash = toHex(p.signingHash);
  out.field_order = f.map((x) => (x.tag === 'skipped' ? tagLetter(x.type) : x.tag)).join('');
  const skipped = f.filter((x): x is Extract<Bolt11Field, { tag: 'skipped' }> => x.tag === 'skipped');
  if (skipped.length > 0) {
    out.ignored_fields = skipped.map((x) => ({ tag: tagLetter(x.type), type: x.type, data_length: x.words.length, why: x.reason }));
  }
  return out;
}

const hex = (b: Uint8Array | undefined): string | undefined => (b ? toHex(b) : undefined);

function fallback(f: Bolt11Fallback, network: Bolt11Network): JsonValue {
  const isHash = f.version === FALLBACK_P2PKH || f.version === FALLBACK_P2SH;
  return {
    version: f.version,
    type: fallbackType(f),
    [isHash ? 'hash' : 'program']: toHex(f.program),
    address: fallbackAddress(f, network),
  };
}

function hop(h: RouteHintHop): JsonValue {
  return {
    pubkey: toHex(h.pubkey),
    short_channel_id: formatShortChannelId(h.shortChannelId),
    fee_base_msat: h.feeBaseMsat,
    fee_proportional_millionths: h.feeProportionalMillionths,
    cltv_expiry_delta: h.cltvExpiryDelta,
  };
}
