/**
 * Payment onions with route blinding (BOLT 4 "Requirements" of the `payload` and Route
 * Blinding): the sender's hops into a blinded path, the fee and CLTV arithmetic of blinded
 * hops, and peeling a payment onion into what the hop must do, with the reader's rules applied.
 */
import { ecdh } from '../crypto';
import type { AsyncPaymentsProfile, BlindedPath } from '../wire';
import { processBlindedHop } from './blinding';
import type { EncryptedDataTlv, PaymentConstraints, PaymentRelay } from './encrypted-data';
import { OnionError, OnionSemanticError, wrapError } from './errors';
import { checkAllowedFeatures } from './message-route';
import type { OnionHop, OnionPacket } from './packet';
import { peelOnionPacket } from './packet';
import type { PaymentData, PaymentHopPayload } from './payment-payload';
import { decodePaymentHopPayload, encodePaymentHopPayload } from './payment-payload';

const MILLION = 1_000_000n;

export interface BlindedPaymentHopsOptions {
  readonly path: BlindedPath;
  /** The introduction node's real id; needed when `path.firstNodeId` is a short_channel_id. */
  readonly introductionNodeId?: Uint8Array;
  /** `amt_to_forward` for the recipient. */
  readonly amountMsat: bigint;
  /** `total_amount_msat` (the whole payment when it is split); defaults to `amountMsat`. */
  readonly totalAmountMsat?: bigint;
  /** `outgoing_cltv_value` for the recipient. */
  readonly finalCltvValue: number;
  /**
   * Async payments, paying a static invoice (lightning/bolts#1149 writer: "MUST set
   * sender_provided_payment_preimage to randomly generated unique bytes ... MUST set invoice_request
   * to the BOLT 12 invoice request corresponding to this HTLC"): the recipient's extra records.
   */
  readonly asyncFinal?: { readonly invoiceRequest: Uint8Array; readonly senderPreimage: Uint8Array };
  /** The numbers those records carry (default: LDK's). */
  readonly asyncPayments?: AsyncPaymentsProfile;
  /**
   * The payer was the path's introduction node and read its own hop already: `path` holds the hops
   * after it and `firstPathKey` their path key, which goes in update_add_htlc's `blinded_path`
   * (BOLT 2), not in an onion payload — every layer is encrypted to a blinded id.
   */
  readonly entered?: boolean;
}

/**
 * BOLT 4 writer of the `payload`, "for every node inside a blinded route": the introduction
 * node gets an unblinded layer (encrypted to `first_node_id`) with `current_path_key`; the
 * others are encrypted to their blinded ids with only `encrypted_recipient_data`; the final
 * node also gets `amt_to_forward`, `outgoing_cltv_value` and `total_amount_msat`.
 * Prepend your own unblinded hops to reach the introduction node.
 */
export function blindedPaymentHops(opts: BlindedPaymentHopsOptions): OnionHop[] {
  const { path } = opts;
  if (path.hops.length === 0) throw new OnionError('onion.bad_argument', 'the blinded path has no hops');
  const introduction = opts.introductionNodeId ?? (path.firstNodeId.kind === 'node_id' ? path.firstNodeId.nodeId : undefined);
  if (introduction === undefined) {
    throw new OnionError('onion.bad_argument', 'the introduction node is a short_channel_id: pass introductionNodeId');
  }
  const last = path.hops.length - 1;
  const entered = opts.entered === true;
  return path.hops.map((hop, i) => {
    const payload: PaymentHopPayload = {
      encryptedRecipientData: hop.encryptedRecipientData,
      ...(i === 0 && !entered ? { currentPathKey: path.firstPathKey } : {}),
      ...(i === last
        ? {
            amtToForward: opts.amountMsat, outgoingCltvValue: opts.finalCltvValue, totalAmountMsat: opts.totalAmountMsat ?? opts.amountMsat,
            ...(opts.asyncFinal ? { invoiceRequest: opts.asyncFinal.invoiceRequest, senderPreimage: opts.asyncFinal.senderPreimage } : {}),
          }
        : {}),
    };
    const encodeOpts = opts.asyncPayments ? { asyncPayments: opts.asyncPayments } : {};
    return { nodeId: i === 0 && !entered ? introduction : hop.blindedNodeId, payload: encodePaymentHopPayload(payload, encodeOpts) };
  });
}

/** The aggregate cost of a blinded path, as an invoice's `blinded_payinfo` carries it. */
export interface BlindedPayInfo {
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: bigint;
  readonly cltvExpiryDelta: number;
}

const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b;

/**
 * BOLT 4 creator of `encrypted_recipient_data`, "MUST compute the total fees and CLTV delta":
 * folds the forwarding hops' `payment_relay` from the recipient's side outwards, rounding up:
 *   total_fee_base(n+1) = ceil((fee_base(n+1)·10^6 + total_fee_base(n)·(10^6 + fee_prop(n+1))) / 10^6)
 *   total_fee_prop(n+1) = ceil(((total_fee_prop(n) + fee_prop(n+1))·10^6 + total_fee_prop(n)·fee_prop(n+1)) / 10^6)
 *   total_cltv_delta = Σ cltv_delta + min_final_cltv_expiry_delta
 * `relays` are in path order (introduction node first).
 */
export function aggregateBlindedPayInfo(relays: readonly PaymentRelay[], minFinalCltvExpiryDelta = 0): BlindedPayInfo {
  let base = 0n;
  let prop = 0n;
  let cltv = minFinalCltvExpiryDelta;
  for (let i = relays.length - 1; i >= 0; i--) {
    const r = relays[i]!;
    const feeBase = BigInt(r.feeBaseMsat);
    const feeProp = BigInt(r.feeProportionalMillionths);
    base = ceilDiv(feeBase * MILLION + base * (MILLION + feeProp), MILLION);
    prop = ceilDiv((prop + feeProp) * MILLION + prop * feeProp, MILLION);
    cltv += r.cltvExpiryDelta;
  }
  return { feeBaseMsat: base, feeProportionalMillionths: prop, cltvExpiryDelta: cltv };
}

/** The sender's fee for a hop or path: base + amount·prop / 10^6, rounded down (BOLT 7 fee formula). */
export function forwardingFee(amountMsat: bigint, feeBaseMsat: bigint, feeProportionalMillionths: bigint): bigint {
  return feeBaseMsat + (amountMsat * feeProportionalMillionths) / MILLION;
}

/**
 * BOLT 4 reader, blinded non-final node: "MUST use values from payment_relay to calculate":
 *   amt_to_forward = ((amount_msat - fee_base_msat)·10^6 + 10^6 + fee_prop - 1) / (10^6 + fee_prop)
 * Throws `onion.bad_argument` if the incoming amount does not even cover the base fee.
 */
export function blindedAmountToForward(incomingAmountMsat: bigint, relay: PaymentRelay): bigint {
  const base = BigInt(relay.feeBaseMsat);
  const prop = BigInt(relay.feeProportionalMillionths);
  if (incomingAmountMsat < base) throw new OnionError('onion.bad_argument', 'incoming amount is below the base fee');
  return ((incomingAmountMsat - base) * MILLION + MILLION + prop - 1n) / (MILLION + prop);
}

/** BOLT 4 reader, blinded non-final node: outgoing_cltv_value = cltv_expiry - payment_relay.cltv_expiry_delta. */
export function blindedOutgoingCltv(incomingCltvExpiry: number, relay: PaymentRelay): number {
  return incomingCltvExpiry - relay.cltvExpiryDelta;
}

/** What a payment onion asks of the hop that peeled it. `sharedSecret` wraps a failure back. */
export type PaymentHopAction =
  | {
      readonly kind: 'forward';
      readonly shortChannelId: bigint;
      readonly amtToForward: bigint;
      readonly outgoingCltvValue: number;
      readonly packet: OnionPacket;
      readonly sharedSecret: Uint8Array;
      readonly payload: PaymentHopPayload;
    }
  | {
      readonly kind: 'receive';
      readonly amtToForward: bigint;
      readonly outgoingCltvValue: number;
      /** BOLT 4: "MUST treat total_msat as if it were equal to amt_to_forward if it is not present". */
      readonly totalMsat: bigint;
      readonly paymentData?: PaymentData;
      readonly paymentMetadata?: Uint8Array;
      /** Async payments / keysend: the preimage the payer picked (secret). */
      readonly senderPreimage?: Uint8Array;
      readonly sharedSecret: Uint8Array;
      readonly payload: PaymentHopPayload;
    }
  | {
      readonly kind: 'blinded_forward';
      readonly next: { readonly nodeId: Uint8Array } | { readonly shortChannelId: bigint };
      /** The `path_key` to put in the outgoing `update_add_htlc`. */
      readonly nextPathKey: Uint8Array;
      /** Compute the outgoing amount and expiry with blindedAmountToForward / blindedOutgoingCltv. */
      readonly paymentRelay: PaymentRelay;
      readonly paymentConstraints?: PaymentConstraints;
      /** True at the introduction node (the path key came in the payload, not with the HTLC). */
      readonly introduction: boolean;
      readonly packet: OnionPacket;
      readonly sharedSecret: Uint8Array;
      readonly encryptedData: EncryptedDataTlv;
    }
  | {
      readonly kind: 'blinded_receive';
      readonly amtToForward: bigint;
      readonly outgoingCltvValue: number;
      readonly totalAmountMsat: bigint;
      readonly pathId?: Uint8Array;
      readonly paymentConstraints?: PaymentConstraints;
      /** Async payments: the payer's invoice_request bytes (to check against our offer). */
      readonly invoiceRequest?: Uint8Array;
      /** Async payments: the preimage the payer picked (secret). */
      readonly senderPreimage?: Uint8Array;
      readonly introduction: boolean;
      readonly sharedSecret: Uint8Array;
      readonly encryptedData: EncryptedDataTlv;
    };

export interface PeelPaymentOnionOptions {
  readonly packet: OnionPacket | Uint8Array;
  /** Our node private key. Secret. */
  readonly privateKey: Uint8Array;
  /** The HTLC's payment_hash. */
  readonly associatedData: Uint8Array;
  /** The `path_key` TLV of the incoming `update_add_htlc`, if any. */
  readonly pathKey?: Uint8Array;
  /** Which async payments records the payload may carry (default: LDK's numbers). */
  readonly asyncPayments?: AsyncPaymentsProfile;
}

/**
 * BOLT 4 Onion Decryption plus the reader requirements of the `payload`: peels the layer,
 * decodes the payload, decrypts `encrypted_recipient_data` for blinded hops and checks which
 * fields the hop's role requires or forbids. Amount and expiry checks against the incoming
 * HTLC are left to the caller (they need the HTLC and the block height).
 * Errors: OnionError (packet), OnionParseError (payload), OnionSemanticError (rules).
 */
export function peelPaymentOnion(opts: PeelPaymentOnionOptions): PaymentHopAction {
  const peeled = peelOnionPacket({
    packet: opts.packet,
    privateKey: opts.privateKey,
    associatedData: opts.associatedData,
    kind: 'payment',
    ...(opts.pathKey ? { pathKey: opts.pathKey } : {}),
  });
  const payload = decodePaymentHopPayload(peeled.payload, opts.asyncPayments ? { asyncPayments: opts.asyncPayments } : {});
  const { sharedSecret } = peeled;
  const isFinal = peeled.next === null;

  if (payload.encryptedRecipientData === undefined) {
    // "Otherwise (it is not part of a blinded route)"
    if (opts.pathKey !== undefined || payload.currentPathKey !== undefined) {
      throw new OnionSemanticError('onion.unexpected_field', 'a path key without encrypted_recipient_data');
    }
    const amtToForward = need(payload.amtToForward, 'amt_to_forward');
    const outgoingCltvValue = need(payload.outgoingCltvValue, 'outgoing_cltv_value');
    if (!isFinal) {
      const shortChannelId = need(payload.shortChannelId, 'short_channel_id');
      return { kind: 'forward', shortChannelId, amtToForward, outgoingCltvValue, packet: peeled.next!.packet, sharedSecret, payload };
    }
    return {
      kind: 'receive',
      amtToForward,
      outgoingCltvValue,
      totalMsat: payload.paymentData?.totalMsat ?? amtToForward,
      ...(payload.paymentData ? { paymentData: payload.paymentData } : {}),
      ...(payload.paymentMetadata ? { paymentMetadata: payload.paymentMetadata } : {}),
      ...(payload.senderPreimage ? { senderPreimage: payload.senderPreimage } : {}),
      sharedSecret,
      payload,
    };
  }

  // "If encrypted_recipient_data is present": the path key comes with the HTLC xor in the payload.
  if (opts.pathKey !== undefined && payload.currentPathKey !== undefined) {
    throw new OnionSemanticError('onion.conflicting_fields', 'current_path_key present although the HTLC carries a path_key');
  }
  const pathKey = opts.pathKey ?? payload.currentPathKey;
  if (pathKey === undefined) throw new OnionSemanticError('onion.missing_field', 'blinded hop without a path key');
  let blindingSecret = peeled.pathKeySharedSecret;
  if (blindingSecret === undefined) {
    try {
      blindingSecret = ecdh(opts.privateKey, pathKey);
    } catch (e) {
      throw wrapError(OnionError, 'onion.invalid_key', 'current_path_key', e);
    }
  }
  const blinded = processBlindedHop({ sharedSecret: blindingSecret, pathKey, encryptedRecipientData: payload.encryptedRecipientData });
  const data = blinded.data;
  const introduction = opts.pathKey === undefined;
  if (data.shortChannelId !== undefined && data.nextNodeId !== undefined) {
    throw new OnionSemanticError('onion.conflicting_fields', 'encrypted_data_tlv has both short_channel_id and next_node_id');
  }
  checkAllowedFeatures(data);
  // BOLT 4 writer, inside a blinded route: "MUST NOT include any other tlv field" — but for the final
  // node of a payment to a static invoice, sender_provided_payment_preimage and invoice_request
  // (lightning/bolts#1149; LDK refuses them at a blinded forward too).
  const allowed = isFinal
    ? ['encryptedRecipientData', 'currentPathKey', 'amtToForward', 'outgoingCltvValue', 'totalAmountMsat', 'invoiceRequest', 'senderPreimage']
    : ['encryptedRecipientData', 'currentPathKey'];
  const extra = Object.keys(payload).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw new OnionSemanticError('onion.unexpected_field', `blinded payload has other fields: ${extra.join(', ')}`);

  if (!isFinal) {
    const next =
      data.nextNodeId !== undefined
        ? { nodeId: data.nextNodeId }
        : data.shortChannelId !== undefined
          ? { shortChannelId: data.shortChannelId }
          : undefined;
    if (next === undefined) throw new OnionSemanticError('onion.missing_field', 'encrypted_data_tlv names no next hop');
    const paymentRelay = need(data.paymentRelay, 'payment_relay');
    return {
      kind: 'blinded_forward',
      next,
      nextPathKey: blinded.nextPathKey,
      paymentRelay,
      ...(data.paymentConstraints ? { paymentConstraints: data.paymentConstraints } : {}),
      introduction,
      packet: peeled.next!.packet,
      sharedSecret,
      encryptedData: data,
    };
  }
  return {
    kind: 'blinded_receive',
    amtToForward: need(payload.amtToForward, 'amt_to_forward'),
    outgoingCltvValue: need(payload.outgoingCltvValue, 'outgoing_cltv_value'),
    totalAmountMsat: need(payload.totalAmountMsat, 'total_amount_msat'),
    ...(data.pathId ? { pathId: data.pathId } : {}),
    ...(data.paymentConstraints ? { paymentConstraints: data.paymentConstraints } : {}),
    ...(payload.invoiceRequest ? { invoiceRequest: payload.invoiceRequest } : {}),
    ...(payload.senderPreimage ? { senderPreimage: payload.senderPreimage } : {}),
    introduction,
    sharedSecret,
    encryptedData: data,
  };
}

function need<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new OnionSemanticError('onion.missing_field', `${field} is required here`, { field });
  return value;
}
