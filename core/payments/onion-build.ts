/**
 * The payment onion for one route (BOLT 4 "Packet Construction" and the writer of the `payload`):
 * one layer per hop after us, each telling the hop what to forward (`short_channel_id`,
 * `amt_to_forward`, `outgoing_cltv_value`), the recipient its `payment_data` (`payment_secret`,
 * `total_msat`) and `payment_metadata`; a route that ends in a BOLT 12 blinded path gives the
 * introduction node `current_path_key` and every blinded hop its `encrypted_recipient_data`.
 */
import type { AsyncPaymentsProfile, BlindedPath } from '../wire';
import type { OnionHop } from '../onion';
import { blindedPaymentHops, createOnionPacket, encodeOnionPacket, encodePaymentHopPayload } from '../onion';
import type { Route } from '../routing';

export type RouteFinal =
  /** A recipient reached in the clear (BOLT 11). */
  | {
      readonly kind: 'clear';
      /** BOLT 11 `s`: "MUST include payment_data ... MUST set payment_secret to the one provided". */
      readonly paymentSecret: Uint8Array | null;
      /** "MUST set total_msat to the total amount it will send". */
      readonly totalMsat: bigint;
      /** BOLT 11 `m`: "MUST include payment_metadata with every HTLC". */
      readonly paymentMetadata: Uint8Array | null;
    }
  /** A BOLT 12 blinded path, entered at its introduction node (the route's last hop). */
  | {
      readonly kind: 'blinded';
      readonly path: BlindedPath;
      readonly totalMsat: bigint;
      /** The final hop's `outgoing_cltv_value`: "MUST use the current block height as a baseline value" (+ our offset). */
      readonly finalCltvValue: number;
      /**
       * Paying a static invoice (async payments, lightning/bolts#1149 writer): the payer's
       * invoice_request and the preimage it picked, for the recipient; numbers of `asyncPayments`.
       */
      readonly asyncFinal?: { readonly invoiceRequest: Uint8Array; readonly senderPreimage: Uint8Array };
      readonly asyncPayments?: AsyncPaymentsProfile;
      /**
       * We were the path's introduction node and read our own hop: `path` is what follows us (the
       * route's one hop is its first node) and its `firstPathKey` goes in update_add_htlc.
       */
      readonly entered?: boolean;
    };

export interface BuiltOnion {
  /** The 1,366-byte onion_routing_packet. */
  readonly packet: Uint8Array;
  /** The keys the layers were encrypted to, in order (the blinded ones included). */
  readonly nodeIds: readonly Uint8Array[];
  /** The first HTLC (to our peer, hops[0]). */
  readonly amountMsat: bigint;
  readonly cltvExpiry: number;
}

/**
 * Builds the onion for `route` at block `height`: hop i's payload forwards hops[i+1]'s amount and
 * expiry over hops[i+1]'s channel ("For every non-final node: MUST include short_channel_id"); the
 * recipient's payload carries what it must check. `sessionKey` is 32 fresh random bytes.
 * Throws OnionError (e.g. `onion.route_too_long` when the payloads do not fit 1,300 bytes).
 */
export function buildPaymentOnion(opts: {
  readonly route: Route;
  readonly height: number;
  readonly paymentHash: Uint8Array;
  readonly sessionKey: Uint8Array;
  readonly final: RouteFinal;
}): BuiltOnion {
  const { route, height, final } = opts;
  const hops = route.hops;
  const onionHops: OnionHop[] = [];
  // The hops reached in the clear before the last one: each forwards to the next.
  const clearForwarders = hops.length - 1;
  for (let i = 0; i < clearForwarders; i++) {
    const next = hops[i + 1]!;
    onionHops.push({
      nodeId: hops[i]!.nodeId,
      payload: encodePaymentHopPayload({
        amtToForward: next.amountMsat,
        outgoingCltvValue: height + next.cltvExpiryDelta,
        shortChannelId: next.shortChannelId,
      }),
    });
  }
  const last = hops[hops.length - 1]!;
  if (final.kind === 'clear') {
    onionHops.push({
      nodeId: last.nodeId,
      payload: encodePaymentHopPayload({
        // BOLT 4 "Payload for the Last Node": the amount and expiry the recipient must check against the HTLC.
        amtToForward: last.amountMsat,
        outgoingCltvValue: height + last.cltvExpiryDelta,
        ...(final.paymentSecret ? { paymentData: { paymentSecret: final.paymentSecret, totalMsat: final.totalMsat } } : {}),
        ...(final.paymentMetadata ? { paymentMetadata: final.paymentMetadata } : {}),
      }),
    });
  } else {
    // BOLT 4 reader of a blinded_path: "MUST prepend its own onion payloads to reach the first_node_id"
    // (above), then the path's hops: the introduction node unblinded with current_path_key.
    onionHops.push(
      ...blindedPaymentHops({
        path: final.path,
        introductionNodeId: last.nodeId,
        amountMsat: route.amountMsat,
        totalAmountMsat: final.totalMsat,
        finalCltvValue: final.finalCltvValue,
        ...(final.asyncFinal ? { asyncFinal: final.asyncFinal } : {}),
        ...(final.asyncPayments ? { asyncPayments: final.asyncPayments } : {}),
        ...(final.entered ? { entered: true } : {}),
      }),
    );
  }
  const { packet } = createOnionPacket({ sessionKey: opts.sessionKey, hops: onionHops, associatedData: opts.paymentHash });
  return {
    packet: encodeOnionPacket(packet),
    nodeIds: onionHops.map((h) => h.nodeId),
    amountMsat: hops[0]!.amountMsat,
    cltvExpiry: height + hops[0]!.cltvExpiryDelta,
  };
}
