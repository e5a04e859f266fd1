/**
 * `buildBolt11Invoice`: the writer requirements of BOLT 11 applied to the parameters of an invoice
 * we issue, laid out in one fixed field order. Call `.sign(nodeKey)` on the result.
 *
 *   buildBolt11Invoice({ network: 'regtest', timestamp, paymentHash, paymentSecret,
 *     description: 'coffee', amountMsat: 25_000n, basicMpp: true }).sign(nodeKey)
 */
import { isValidPublicKey } from '../../crypto';
import type { FeatureState } from '../../wire';
import { FEATURES, FeatureVector } from '../../wire';
import { DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA } from './decode';
import type { UnsignedBolt11Invoice } from './encode';
import { encodeUnsignedBolt11 } from './encode';
import { Bolt11SemanticError } from './errors';
import type { Bolt11Fallback } from './fallback';
import type { Bolt11Field, RouteHintHop } from './fields';
import type { Bolt11Network } from './hrp';

export interface Bolt11InvoiceParams {
  readonly network: Bolt11Network;
  /** Seconds since 1970-01-01 UTC, from the caller's clock. */
  readonly timestamp: number;
  /** `p`: SHA256 of the payment_preimage. */
  readonly paymentHash: Uint8Array;
  /** `s`: the payment_secret (32 random bytes). */
  readonly paymentSecret: Uint8Array;
  /** `d`: exactly one of description and descriptionHash. */
  readonly description?: string;
  /** `h`: SHA256 of a description made available by other means. */
  readonly descriptionHash?: Uint8Array;
  /** Omitted for an invoice of any amount. */
  readonly amountMsat?: bigint;
  /** `x`: omitted means the reader's default of 3600 seconds. */
  readonly expirySeconds?: number;
  /** `c`: "the minimum cltv_expiry it will accept for the last HTLC"; 18 when omitted. */
  readonly minFinalCltvExpiryDelta?: number;
  /** `m`: payment_metadata (sets option_payment_metadata as optional unless `features` sets it). */
  readonly metadata?: Uint8Array;
  /** `r`: private routes, most preferred first; required when the node has no public channel. */
  readonly routeHints?: readonly (readonly RouteHintHop[])[];
  /** `f`: on-chain fallbacks, most preferred first (see fallbackFromAddress). */
  readonly fallbacks?: readonly Bolt11Fallback[];
  /** Sets basic_mpp as optional: the payee accepts multi-part payments. */
  readonly basicMpp?: boolean;
  /** More `9` features (BOLT 9 context 9), e.g. option_route_blinding. */
  readonly features?: FeatureVector;
  /** `n`: written when given; it must be the key that signs. */
  readonly payeeNodeId?: Uint8Array;
}

const invalid = (message: string) => new Bolt11SemanticError('bolt11.writer.invalid_parameter', message);

/** BOLT 9 origin node: "MUST support var_onion_optin"; payment_secret is mandatory (BOLT 11 `s`). */
const BASE_FEATURES: Readonly<Record<string, FeatureState>> = { var_onion_optin: 'required', payment_secret: 'required' };

/** The `9` field for the parameters, with the BOLT 9 origin-node rules checked. */
export function invoiceFeatures(params: Pick<Bolt11InvoiceParams, 'basicMpp' | 'features' | 'metadata'>): FeatureVector {
  let v = FeatureVector.fromFeatures(BASE_FEATURES).union(params.features ?? FeatureVector.EMPTY);
  if (params.basicMpp && !v.has('basic_mpp')) v = v.withFeature('basic_mpp', 'optional');
  if (params.metadata !== undefined && !v.has('option_payment_metadata')) v = v.withFeature('option_payment_metadata', 'optional');
  for (const d of FEATURES) {
    // BOLT 9 origin node: "MUST NOT set both the optional and mandatory bits."
    if (v.hasBit(d.bit) && v.hasBit(d.bit + 1)) throw invalid(`features: both bits of ${d.name} are set`);
  }
  // BOLT 9 origin node: "MUST NOT set feature bits in fields not specified by the table above."
  const misplaced = v.misplacedFeatures('9');
  if (misplaced.length > 0) throw invalid(`features: ${misplaced.join(', ')} may not be set in an invoice`);
  // BOLT 9 origin node: "MUST set all transitive feature dependencies."
  const missing = v.missingDependencies(FEATURES);
  if (missing.length > 0) throw invalid(`features: ${missing[0]!.feature} needs ${missing[0]!.missing}`);
  return v;
}

/**
 * Lays out an invoice we issue. Fields are written in the order p, s, d|h, n, x, c, m, f…, r…, 9.
 * Throws `bolt11.writer.*` naming the parameter that breaks a writer requirement.
 */
export function buildBolt11Invoice(params: Bolt11InvoiceParams): UnsignedBolt11Invoice {
  const fields: Bolt11Field[] = [];
  // Writer: "MUST include exactly one p field" and "MUST include exactly one s field".
  fields.push({ tag: 'p', paymentHash: params.paymentHash });
  fields.push({ tag: 's', paymentSecret: params.paymentSecret });
  // Writer: "MUST include either exactly one d or exactly one h field."
  const hasD = params.description !== undefined;
  const hasH = params.descriptionHash !== undefined;
  if (hasD === hasH) throw invalid('give exactly one of description and descriptionHash');
  if (hasD) fields.push({ tag: 'd', description: params.description! });
  else fields.push({ tag: 'h', descriptionHash: params.descriptionHash! });
  // Writer: "MAY include one n field."
  if (params.payeeNodeId !== undefined) {
    if (!isValidPublicKey(params.payeeNodeId)) throw invalid('payeeNodeId is not a public key');
    fields.push({ tag: 'n', payeeNodeId: params.payeeNodeId });
  }
  // Writer: "MAY include one x field."
  if (params.expirySeconds !== undefined) fields.push({ tag: 'x', expirySeconds: params.expirySeconds });
  // Writer: "SHOULD include one c field (min_final_cltv_expiry_delta)."
  fields.push({ tag: 'c', minFinalCltvExpiryDelta: params.minFinalCltvExpiryDelta ?? DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA });
  if (params.metadata !== undefined) fields.push({ tag: 'm', metadata: params.metadata });
  // Writer: "MAY include one or more f fields"; "MUST specify the most-preferred field first".
  for (const fallback of params.fallbacks ?? []) fields.push({ tag: 'f', fallback });
  // Writer: "MAY include more than one r field to provide multiple routing options."
  for (const route of params.routeHints ?? []) fields.push({ tag: 'r', route });
  // Writer: "if 9 contains non-zero bits: MUST use the minimum data_length possible ...
  // otherwise: MUST omit the 9 field altogether" (ours always has var_onion_optin).
  fields.push({ tag: '9', features: invoiceFeatures(params) });
  return encodeUnsignedBolt11({ network: params.network, amountMsat: params.amountMsat, timestamp: params.timestamp, fields });
}
