/**
 * Async payments' wire numbers: the one table, with two profiles.
 *
 * Async payments (paying an often-offline recipient through its always-online LSP, the payer's HTLC
 * held at the payer's LSP until the recipient releases it) are not in the BOLTs yet. The draft is
 * lightning/bolts#1149 "Support async payments in BOLT 12" (on #989 "Add the ability to hold HTLCs
 * before forwarding"); the only implementation, rust-lightning 0.2, puts other numbers on the wire
 * while the draft is open. Both are here; a node picks one profile by configuration and every codec
 * that carries one of these numbers takes the profile (default: LDK's, the one peers speak today).
 *
 * | what                                           | `ldk` (rust-lightning 0.2.7)                              | `bolts1149` (the draft, head 3a7505e) |
 * |------------------------------------------------|-----------------------------------------------------------|---------------------------------------|
 * | onion message `static_invoice`                 | 70 (`onion_message/offers.rs` STATIC_INVOICE_TLV_TYPE)    | 70 (04-onion-routing `onionmsg_tlv`)  |
 * | onion message `held_htlc_available`            | 72 (`onion_message/async_payments.rs:26`)                 | — (a TLV stream, no number): 72       |
 * | onion message `release_held_htlc`              | 74 (`onion_message/async_payments.rs:27`)                 | — (a TLV stream, no number): 74       |
 * | onion message `offer_paths_request`            | 75540 (`async_payments.rs:22`)                            | — (LDK's server protocol only): 75540 |
 * | onion message `offer_paths`                    | 75542 (`async_payments.rs:23`)                            | — : 75542                             |
 * | onion message `serve_static_invoice`           | 75544 (`async_payments.rs:24`)                            | — : 75544                             |
 * | onion message `static_invoice_persisted`       | 75546 (`async_payments.rs:25`)                            | — : 75546                             |
 * | `update_add_htlc` TLV `hold_htlc` (empty)      | 75537 (`ln/msgs.rs:3370`)                                 | 2 (02-peer-protocol)                  |
 * | `revoke_and_ack` TLV release paths             | 75537: `(u64 htlc_id, blinded_path)`* (`ln/msgs.rs:3270`) | 0: `...blinded_path` (02-peer-protocol) |
 * | payment onion `invoice_request`                | 77777 (`ln/msgs.rs:3490`)                                 | 1 (04-onion-routing `payload`)        |
 * | payment onion keysend / sender preimage        | 5482373484 (`ln/msgs.rs:3491`, bLIP 3)                    | 5482373484 `sender_provided_payment_preimage` |
 * | static invoice `held_htlc_available` paths     | 236 (`offers/invoice.rs:1487`)                            | 178 `static_invoice_message_paths` (12-offer-encoding) |
 * | feature `htlc_hold` (init, node)               | 152/153 (`lightning-types features.rs:722`: "+100")       | 52/53 `option_htlc_hold` (09-features) |
 *
 * The draft names the message TLV streams of held_htlc_available and release_held_htlc but gives
 * them no `onionmsg_tlv` number, and LDK's static-invoice server messages (75540–75546) are not in
 * it at all: both profiles use LDK's numbers for these, the one set any peer understands.
 */
import { WireError } from './errors';

export type AsyncPaymentsProfileName = 'ldk' | 'bolts1149';

/** The onion message (`onionmsg_tlv`, types >= 64) numbers of the async payments family. */
export interface AsyncOnionMessageTypes {
  readonly staticInvoice: bigint;
  readonly heldHtlcAvailable: bigint;
  readonly releaseHeldHtlc: bigint;
  readonly offerPathsRequest: bigint;
  readonly offerPaths: bigint;
  readonly serveStaticInvoice: bigint;
  readonly staticInvoicePersisted: bigint;
}

export interface AsyncPaymentsProfile {
  readonly name: AsyncPaymentsProfileName;
  readonly onionMessages: AsyncOnionMessageTypes;
  /** `update_add_htlc_tlvs` type of `hold_htlc` (no value): hold this HTLC until released. */
  readonly holdHtlcTlv: bigint;
  /** `revoke_and_ack_tlvs` type of the paths `release_held_htlc` travels to the HTLC's holder over. */
  readonly releasePathsTlv: bigint;
  /** LDK pairs every release path with the id of the held HTLC (`Vec<(u64, BlindedMessagePath)>`); the draft lists paths only. */
  readonly releasePathsCarryHtlcId: boolean;
  /** Payment onion (`payload`) type of the payer's `invoice_request`, for a payment to a static invoice. */
  readonly invoiceRequestTlv: bigint;
  /** Payment onion type of the payer-chosen preimage (keysend, bLIP 3 / `sender_provided_payment_preimage`). */
  readonly senderPreimageTlv: bigint;
  /** Static invoice type of its `held_htlc_available` message paths. */
  readonly staticInvoiceMessagePathsTlv: bigint;
  /** The even (required) bit of the HTLC-holding feature; the odd bit is `+ 1`. */
  readonly htlcHoldFeatureBit: number;
  /**
   * Whether each async payments onion message is its TLV stream prefixed with the stream's BigSize
   * length (LDK 0.2: `impl_writeable_tlv_based!`), or the bare stream (lightning/bolts#1149).
   */
  readonly lengthPrefixedMessages: boolean;
}

/** One set of onion message numbers: the draft numbers only `static_invoice` (70, as LDK), so both profiles share LDK's. */
const ONION_MESSAGES: AsyncOnionMessageTypes = Object.freeze({
  staticInvoice: 70n,
  heldHtlcAvailable: 72n,
  releaseHeldHtlc: 74n,
  offerPathsRequest: 75540n,
  offerPaths: 75542n,
  serveStaticInvoice: 75544n,
  staticInvoicePersisted: 75546n,
});

export const ASYNC_PAYMENTS_PROFILES: Readonly<Record<AsyncPaymentsProfileName, AsyncPaymentsProfile>> = Object.freeze({
  ldk: Object.freeze({
    name: 'ldk',
    onionMessages: ONION_MESSAGES,
    holdHtlcTlv: 75537n,
    releasePathsTlv: 75537n,
    releasePathsCarryHtlcId: true,
    invoiceRequestTlv: 77777n,
    senderPreimageTlv: 5482373484n,
    staticInvoiceMessagePathsTlv: 236n,
    htlcHoldFeatureBit: 152,
    lengthPrefixedMessages: true,
  }),
  bolts1149: Object.freeze({
    name: 'bolts1149',
    onionMessages: ONION_MESSAGES,
    holdHtlcTlv: 2n,
    releasePathsTlv: 0n,
    releasePathsCarryHtlcId: false,
    invoiceRequestTlv: 1n,
    senderPreimageTlv: 5482373484n,
    staticInvoiceMessagePathsTlv: 178n,
    htlcHoldFeatureBit: 52,
    lengthPrefixedMessages: false,
  }),
} satisfies Record<AsyncPaymentsProfileName, AsyncPaymentsProfile>);

/** The profile a node uses unless configured otherwise: what LDK 0.2 puts on the wire. */
export const DEFAULT_ASYNC_PAYMENTS_PROFILE: AsyncPaymentsProfile = ASYNC_PAYMENTS_PROFILES.ldk;

/** The profile of a configured name (`wire.bad_value` for any other name). */
export function asyncPaymentsProfile(name: string | undefined): AsyncPaymentsProfile {
  if (name === undefined) return DEFAULT_ASYNC_PAYMENTS_PROFILE;
  const p = (ASYNC_PAYMENTS_PROFILES as Readonly<Record<string, AsyncPaymentsProfile>>)[name];
  if (!p || !Object.prototype.hasOwnProperty.call(ASYNC_PAYMENTS_PROFILES, name)) {
    throw new WireError('wire.bad_value', `async payments profile "${name}" is none of ${Object.keys(ASYNC_PAYMENTS_PROFILES).join(', ')}`);
  }
  return p;
}

/** What message codecs may be told: which async payments numbers are on this connection's wire. */
export interface WireOptions {
  /** Default: DEFAULT_ASYNC_PAYMENTS_PROFILE. */
  readonly asyncPayments?: AsyncPaymentsProfile;
}
