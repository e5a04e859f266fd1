/**
 * The features this node sets in `init` and the ones it understands. Each capability adds its
 * bits here as it is built, so `init` never advertises what the node cannot do.
 */
import { FEATURES, FeatureVector, featureByName, type FeatureDefinition } from '../wire';

/**
 * BOLT 9 marks these ASSUMED. We set them as required, as deployed implementations do: several
 * still disconnect peers that leave them out.
 */
export const ASSUMED_REQUIRED = ['option_data_loss_protect', 'var_onion_optin', 'option_static_remotekey', 'payment_secret', 'option_channel_type'] as const;

/**
 * Features we support and advertise as optional. `option_onion_messages` (38/39): we forward,
 * send and receive onion messages (core/messenger). `gossip_queries` (6/7) and `gossip_queries_ex`
 * (10/11): we answer and send BOLT 7 queries, with query flags, timestamps and checksums (core/gossip).
 */
export const SUPPORTED_OPTIONAL: readonly string[] = ['gossip_queries', 'gossip_queries_ex', 'option_onion_messages'];

/**
 * Channel features, advertised when the node follows a chain (it can fund, close and enforce
 * channels): BOLT 2 upfront shutdown scripts, anchors with zero-fee HTLC transactions, scid aliases,
 * zero-conf (with the peers the user trusts), any segwit version in shutdown.
 */
export const CHANNEL_OPTIONAL: readonly string[] = [
  'option_upfront_shutdown_script', 'option_anchors', 'option_scid_alias', 'option_zeroconf', 'option_shutdown_anysegwit',
];

/**
 * Payment features, advertised when the node pays and forwards (core/payments): BOLT 9 `basic_mpp`
 * (IN9: we send and receive multi-part payments) and `option_route_blinding` (IN9: we forward and
 * receive over blinded paths). A peer that builds a blinded payment path through us checks the
 * latter in our `init` (LDK uses only such peers as the path's introduction node).
 */
export const PAYMENT_OPTIONAL: readonly string[] = ['basic_mpp', 'option_route_blinding'];

/**
 * What the node advertises as optional: channel features only with a chain source, payment features
 * unless payments are off.
 */
export function nodeFeatureNames(chain: { readonly kind: string }, opts: { readonly payments?: boolean } = {}): readonly string[] {
  return [
    ...SUPPORTED_OPTIONAL,
    ...(chain.kind === 'none' ? [] : CHANNEL_OPTIONAL),
    ...(opts.payments === false ? [] : PAYMENT_OPTIONAL),
  ];
}

export function localInitFeatures(optional: readonly string[] = SUPPORTED_OPTIONAL): FeatureVector {
  let v = FeatureVector.EMPTY;
  for (const name of ASSUMED_REQUIRED) v = v.withFeature(name, 'required');
  for (const name of optional) v = v.withFeature(name, 'optional');
  return v;
}

/**
 * Features we understand: a peer may require any of these. Everything ASSUMED plus what we
 * advertise; a peer requiring anything else is refused (BOLT 1).
 */
export function knownFeatures(optional: readonly string[] = SUPPORTED_OPTIONAL): FeatureDefinition[] {
  const names = new Set<string>([...FEATURES.filter((f) => f.assumed).map((f) => f.name), ...ASSUMED_REQUIRED, ...optional]);
  return [...names].map((n) => featureByName(n)!).filter(Boolean);
}
