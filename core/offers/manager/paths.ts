/**
 * The blinded paths the offers flow creates:
 *
 * - message paths to us that we publish in an offer (`offer_paths`) or a refund
 *   (`invreq_paths`), each with its own random `path_id`, so a message arriving over one is tied
 *   to that offer (BOLT 12 reader: "MUST ignore the invoice_request if it did not arrive via one
 *   of those paths"); we also keep the path key of our final hop, whose blinded node id signs the
 *   invoices answering over that path when the offer has no `offer_issuer_id`;
 * - blinded payment paths for our invoices (`invoice_paths` + `invoice_blindedpay`).
 */
import { equalBytes, zeroize } from '../../crypto';
import type { BlindedPath } from '../../wire';
import type { EncryptedDataTlv, PaymentRelay } from '../../onion';
import { aggregateBlindedPayInfo, computeBlindedHopKeys, createBlindedPath } from '../../onion';
import type { PaymentPath } from '../invoice';
import { MAX_U64 } from './constants';
import { OffersError } from './errors';

export interface PublishedPath {
  readonly path: BlindedPath;
  /** E of our final hop. */
  readonly finalPathKey: Uint8Array;
  /** B of our final hop (the last `blinded_node_id` of the path). */
  readonly finalBlindedNodeId: Uint8Array;
}

export interface PublishedPathOptions {
  /** e_0, fresh randomness. Secret; zeroed by the caller. */
  readonly sessionKey: Uint8Array;
  /** The hops before us, introduction node first (at least one: a path through a peer). */
  readonly via: readonly Uint8Array[];
  readonly ourNodeId: Uint8Array;
  /** Our `path_id` for the final hop. */
  readonly pathId: Uint8Array;
  /** Dummy hops to ourselves after our real hop (BOLT 4: "MAY add additional dummy hops"). */
  readonly dummyHops: number;
}

/**
 * A blinded message path through `via` to us (BOLT 4 Route Blinding, writer): every hop but the
 * last is told the next node id ("MUST include either next_node_id or short_channel_id"), our
 * final hop carries the path_id. The hop keys are walked a second time to learn E and B of our
 * final hop (dummy hops included).
 */
export function createPublishedPath(opts: PublishedPathOptions): PublishedPath {
  if (opts.via.length === 0) throw new OffersError('offers.bad_argument', 'a published path needs at least one hop before us');
  if (opts.via.some((v) => equalBytes(v, opts.ourNodeId))) throw new OffersError('offers.bad_argument', 'a path hop is our own node');
  const nodes = [...opts.via, opts.ourNodeId];
  const hops = nodes.map((nodeId, i) => ({
    nodeId,
    data: (i < nodes.length - 1 ? { nextNodeId: nodes[i + 1]! } : { pathId: opts.pathId }) as EncryptedDataTlv,
  }));
  const { path } = createBlindedPath({ sessionKey: opts.sessionKey, hops, dummyHops: opts.dummyHops });
  // createBlindedPath puts the dummy hops (addressed to us) before our final data: same node ids.
  const keyNodes = [...opts.via, ...Array.from({ length: opts.dummyHops + 1 }, () => opts.ourNodeId)];
  const keys = computeBlindedHopKeys(opts.sessionKey, keyNodes);
  const last = keys[keys.length - 1]!;
  const finalBlindedNodeId = path.hops[path.hops.length - 1]!.blindedNodeId;
  const ok = equalBytes(last.blindedNodeId, finalBlindedNodeId);
  const finalPathKey = last.pathKey.slice();
  for (const k of keys) zeroize(k.pathPrivateKey, k.sharedSecret, k.rho, k.blindingTweak);
  if (!ok) throw new OffersError('offers.bad_argument', 'internal: the final blinded node id does not match its path key');
  return { path, finalPathKey, finalBlindedNodeId: finalBlindedNodeId.slice() };
}

/** A peer that would forward a payment to us over one of our channels (the introduction node of a path). */
export interface PaymentForwarder {
  readonly nodeId: Uint8Array;
  /** The channel from this hop to the next (BOLT 4 `encrypted_data_tlv.short_channel_id`). */
  readonly shortChannelId: bigint;
  /** What this hop charges (BOLT 4 `payment_relay`). */
  readonly relay: PaymentRelay;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  /**
   * False when the peer has not sent its channel_update for the channel yet and `relay` is our own
   * policy standing in for it: a path built from it fails at the peer if the peer asks for more
   * (LDK fails a blinded forward whose cltv_expiry_delta is below its own, `IncorrectCLTVExpiry`).
   */
  readonly policyKnown?: boolean;
}

/** The peers that can forward a payment to us now, for our invoices' payment paths (from the payments layer). */
export interface PaymentForwarders {
  /** The chain's best height (0 unknown: then no path goes through a forwarder, it needs max_cltv_expiry). */
  readonly height: number;
  readonly forwarders: readonly PaymentForwarder[];
}

export interface PaymentPathOptions {
  /** e_0, fresh randomness. Secret; zeroed by the caller. */
  readonly sessionKey: Uint8Array;
  /** Our node id (the recipient). */
  readonly recipient: Uint8Array;
  /** Our context for this payment: the preimage nonce (BOLT 4: "MAY store private data in path_id"). */
  readonly pathId: Uint8Array;
  /** Forwarding hops, introduction node first. Empty: a one-hop path with us as introduction node. */
  readonly forwarders?: readonly PaymentForwarder[];
  /** Our min_final_cltv_expiry_delta. */
  readonly minFinalCltvExpiryDelta: number;
  /** The block height after which the path may not be used; required with forwarders. */
  readonly maxCltvExpiry?: number;
  readonly htlcMinimumMsat: bigint;
}

/**
 * A blinded payment path to us with its `blinded_payinfo` (BOLT 4 "creator of
 * encrypted_recipient_data" + BOLT 12 writer: "MUST include invoice_blindedpay with exactly one
 * blinded_payinfo for each blinded_path").
 *
 * Without forwarders the path has one hop: us as introduction node, fee 0 and our final CLTV delta
 * (the BOLT 12 rationale: "they can create a path of length 1 with only themselves"). With
 * forwarders (a channel peer as introduction node: issueInvoice) each non-final hop gets
 * `short_channel_id`, `payment_relay` and `payment_constraints`, and the payinfo aggregates their
 * fees and deltas.
 */
export function createPaymentPath(opts: PaymentPathOptions): PaymentPath {
  const forwarders = opts.forwarders ?? [];
  if (forwarders.length > 0 && opts.maxCltvExpiry === undefined) {
    throw new OffersError('offers.bad_argument', 'a payment path through forwarders needs max_cltv_expiry (a block height)');
  }
  // BOLT 4: "htlc_minimum_msat to the largest minimum HTLC value the nodes will allow".
  const htlcMin = forwarders.reduce((m, f) => (f.htlcMinimumMsat > m ? f.htlcMinimumMsat : m), opts.htlcMinimumMsat);
  const htlcMax = forwarders.reduce((m, f) => (f.htlcMaximumMsat < m ? f.htlcMaximumMsat : m), MAX_U64);
  const hops: { nodeId: Uint8Array; data: EncryptedDataTlv }[] = forwarders.map((f, i) => {
    // BOLT 4: max_cltv_expiry "starting from the final node's chosen max_cltv_expiry height ...,
    // adding the final node's min_final_cltv_expiry_delta and then adding
    // payment_relay.cltv_expiry_delta at each hop" (walking from us back to hop i).
    const later = forwarders.slice(i).reduce((s, x) => s + x.relay.cltvExpiryDelta, 0);
    return {
      nodeId: f.nodeId,
      data: {
        shortChannelId: f.shortChannelId, // BOLT 4: "exactly one of short_channel_id or next_node_id for each non-final node"
        paymentRelay: f.relay, // BOLT 4: "MUST include payment_relay for each non-final node"
        paymentConstraints: { maxCltvExpiry: opts.maxCltvExpiry! + opts.minFinalCltvExpiryDelta + later, htlcMinimumMsat: htlcMin },
      },
    };
  });
  hops.push({
    nodeId: opts.recipient,
    data: {
      pathId: opts.pathId,
      // BOLT 4: payment_constraints "MAY set it for the final node" — only when we know a height.
      ...(opts.maxCltvExpiry !== undefined ? { paymentConstraints: { maxCltvExpiry: opts.maxCltvExpiry, htlcMinimumMsat: htlcMin } } : {}),
    },
  });
  const { path } = createBlindedPath({ sessionKey: opts.sessionKey, hops });
  const agg = aggregateBlindedPayInfo(forwarders.map((f) => f.relay), opts.minFinalCltvExpiryDelta);
  if (agg.feeBaseMsat > 0xffff_ffffn || agg.feeProportionalMillionths > 0xffff_ffffn || agg.cltvExpiryDelta > 0xffff) {
    throw new OffersError('offers.bad_argument', 'the aggregated fees or CLTV delta of the payment path do not fit blinded_payinfo');
  }
  return {
    path,
    payInfo: {
      feeBaseMsat: Number(agg.feeBaseMsat),
      feeProportionalMillionths: Number(agg.feeProportionalMillionths),
      cltvExpiryDelta: agg.cltvExpiryDelta,
      htlcMinimumMsat: htlcMin,
      htlcMaximumMsat: htlcMax,
      // BOLT 12 writer: "MUST set features in each blinded_payinfo to match allowed_features (or
      // empty, if no allowed_features)" — we set no allowed_features.
      features: new Uint8Array(0),
    },
  };
}
