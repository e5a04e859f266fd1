/**
 * What the payment cores need from the rest of the node, as narrow ports the composition root
 * fills: our channels (for first hops and forwarding), the routing graph, the onion keys, the
 * gossip layer's check of a failure's channel_update, the offers manager's BOLT 12 payment
 * context, and a signer for BOLT 11 invoices. Nothing here does I/O; each is a synchronous lookup.
 */
import type { Bolt11Invoice, UnsignedBolt11Invoice } from '../invoices';
import type { EncryptedDataTlv, PaymentHopAction } from '../onion';
import type { RoutingGraph, RoutingPolicy } from '../routing';

/** One of our channels as a first hop of our payments. */
export interface OurChannel {
  /** BOLT 2 channel_id, hex. */
  readonly channelId: string;
  readonly peerNodeId: Uint8Array;
  /** The short_channel_id (or alias) the route names it by. */
  readonly shortChannelId: bigint;
  /** Every other id we know it by (the real short_channel_id, the alias we sent): a blinded path we introduce may name it so. */
  readonly knownAs?: readonly bigint[];
  /** Whether HTLCs can be added now (the link is active). */
  readonly active: boolean;
  /** What an HTLC may carry out of it now (msat): balance over the reserve and fees, in-flight limits. */
  readonly outboundMsat: bigint;
  /** The peer's `htlc_minimum_msat`. */
  readonly htlcMinimumMsat: bigint;
}

/** The graph the outbound core searches, and our channels as first hops. */
export interface RouteSource {
  graph(): RoutingGraph;
  channels(): readonly OurChannel[];
}

/** Our forwarding policy on one channel: the fields of the channel_update we publish for it (BOLT 7). */
export interface ForwardingPolicy {
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: bigint;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
  readonly htlcMaximumMsat: bigint;
  /** The `disable` bit of our channel_update. */
  readonly disabled: boolean;
}

/** An outgoing channel for a forward. */
export interface ForwardingChannel {
  readonly channelId: string;
  readonly peerNodeId: Uint8Array;
  readonly active: boolean;
  readonly outboundMsat: bigint;
  readonly policy: ForwardingPolicy;
  /**
   * Our latest channel_update for it (with its 2-byte type), returned in failures with the UPDATE
   * bit; null sends `len` 0 (BOLT 4: "Nodes which do not provide a channel_update are expected to
   * set the channel_update len field to zero").
   */
  readonly channelUpdate: Uint8Array | null;
}

/** How the switch finds the outgoing channel of a forward. */
export interface ChannelDirectory {
  /** By short_channel_id or alias (BOLT 4 `short_channel_id`, encrypted_data_tlv `short_channel_id`). */
  byShortChannelId(shortChannelId: bigint): ForwardingChannel | undefined;
  /** A channel to this peer (encrypted_data_tlv `next_node_id`); the adapter picks the best one. */
  toPeer(nodeId: Uint8Array): ForwardingChannel | undefined;
  /** By channel id (a held forward remembers its channel). */
  byChannelId(channelId: string): ForwardingChannel | undefined;
}

/** The node's onion key, kept outside the cores. */
export interface OnionKeys {
  /** core/onion's peelPaymentOnion with our node key (throws OnionError and its subclasses). */
  peel(opts: { readonly packet: Uint8Array; readonly paymentHash: Uint8Array; readonly pathKey: Uint8Array | null }): PaymentHopAction;
  /** ss = ECDH(public_key of the packet, node key), to return a failure for a payload that did not parse; null if the key is unusable. */
  sharedSecret(packet: Uint8Array): Uint8Array | null;
  /**
   * BOLT 4 reader of `encrypted_recipient_data` with our node key (core/onion processBlindedHop): a
   * blinded path we introduce, read by us as its payer. Throws OnionError.
   */
  blindedHop(pathKey: Uint8Array, encryptedRecipientData: Uint8Array): { readonly data: EncryptedDataTlv; readonly nextPathKey: Uint8Array };
}

/** A failure's channel_update, checked (chain, known channel, signature) without touching the graph. GossipManager satisfies it. */
export interface FailureUpdateChecker {
  /** `erringNode`: the node that returned it — it signs a channel the graph does not know (a route hint's). */
  checkFailureUpdate(bytes: Uint8Array, erringNode?: Uint8Array):
    | { readonly shortChannelId: bigint; readonly direction: 0 | 1; readonly policy: RoutingPolicy & { readonly timestamp: number } }
    | { readonly error: string };
  /** The timestamp of the update the graph holds for this direction (BOLT 4: consider only a "more recent" one). */
  policyTimestamp?(shortChannelId: bigint, direction: 0 | 1): number | undefined;
}

/** What a BOLT 12 payment over one of our payment paths is owed (the offers manager's `paymentForPath`). */
export interface Bolt12PathPayment {
  /** Secret. */
  readonly preimage: Uint8Array;
  readonly amountMsat: bigint;
  /** Unix seconds. */
  readonly expiresAt: number;
  readonly offerId: string | null;
  readonly minFinalCltvExpiryDelta: number;
}

export interface Bolt12Payee {
  /** The payment's context from the final hop's `path_id` (authenticated) and the HTLC's hash, or undefined. */
  paymentForPath(pathId: Uint8Array, paymentHash: Uint8Array, onion?: Bolt12FinalHop): Bolt12PathPayment | undefined;
}

/** What the final hop's payload carried besides the path_id (async payments: the payer's invoice_request and preimage). */
export interface Bolt12FinalHop {
  /** `total_amount_msat`. */
  readonly totalMsat: bigint;
  readonly invoiceRequest?: Uint8Array;
  /** Secret. */
  readonly senderPreimage?: Uint8Array;
}

/** Signs the BOLT 11 invoices we issue with the node key (e.g. `(u) => u.sign(nodeKey)`). */
export type Bolt11Signer = (unsigned: UnsignedBolt11Invoice) => Bolt11Invoice;
