/**
 * The records of the payments layer: what the store port persists and the cores rebuild from
 * after a restart. Amounts are bigint msat; ids, hashes and keys are lowercase hex; times are unix
 * ms unless named `…Seconds`. Fields marked secret never reach events, logs or API payloads.
 */

/** A failure as a record keeps it: a stable code and words. */
export interface FailureInfo {
  readonly code: string;
  readonly message: string;
}

// ----- outbound ---------------------------------------------------------------------------------

/** `async`: a static invoice (async payments); what we receive over one is `bolt12`. */
export type PaymentKind = 'bolt11' | 'bolt12' | 'async';
/** `pending` until a part succeeds (`succeeded`) or nothing is in flight and nothing more will be tried (`failed`). */
export type PaymentStatus = 'pending' | 'succeeded' | 'failed';

export interface PaymentRecord {
  /** The caller's idempotency key. */
  readonly paymentId: string;
  readonly kind: PaymentKind;
  readonly paymentHash: string;
  /** The payee's node id (BOLT 11), or null when it is hidden behind blinded paths (BOLT 12). */
  readonly destination: string | null;
  /** What the recipient gets: BOLT 4 `total_msat`. */
  readonly amountMsat: bigint;
  readonly maxFeeMsat: bigint;
  readonly maxCltvExpiryDelta: number;
  /** The invoice as given (BOLT 11 string or BOLT 12 `lni…`). */
  readonly request: string;
  readonly description: string | null;
  readonly status: PaymentStatus;
  readonly createdAt: number;
  /** No part is started after this time (ms). */
  readonly deadline: number;
  readonly completedAt: number | null;
  /** Once succeeded: the proof of payment. */
  readonly preimage: string | null;
  /** Once succeeded: the fees of the parts that succeeded. */
  readonly feeMsat: bigint | null;
  /** Why it failed, or why no part is started any more while the last ones are in flight. */
  readonly failure: FailureInfo | null;
  /** Parts started so far. */
  readonly attempts: number;
}

/**
 * - `adding`: handed to the channel, its HTLC id not known yet;
 * - `inflight`: our HTLC is on the channel;
 * - `failing`: the peer failed it, the removal not yet irrevocably committed;
 * - `succeeded` / `failed`: final.
 */
export type PartStatus = 'adding' | 'inflight' | 'failing' | 'succeeded' | 'failed';

/** One hop of a part's route: the node reached, the channel into it, the HTLC on that channel. */
export interface RouteHopRecord {
  readonly nodeId: string;
  readonly shortChannelId: bigint;
  readonly amountMsat: bigint;
  /** Absolute block height. */
  readonly cltvExpiry: number;
  readonly feeMsat: bigint;
}

export interface PartRecord {
  readonly paymentId: string;
  readonly partId: number;
  readonly status: PartStatus;
  /** Our channel the HTLC went out on (hex channel id). */
  readonly channelId: string;
  readonly htlcId: bigint | null;
  /** What this part delivers to the recipient. */
  readonly amountMsat: bigint;
  /** The first HTLC's amount (amount + fees). */
  readonly sentMsat: bigint;
  readonly feeMsat: bigint;
  readonly cltvExpiry: number;
  readonly hops: readonly RouteHopRecord[];
  /** The BOLT 12 path this part ends in: its index in the invoice, the introduction node, what it costs. */
  readonly blinded: {
    readonly pathIndex: number;
    readonly feeMsat: bigint;
    /** The blinded hops the onion carries (after us, when we introduce the path). */
    readonly blindedHops: number;
    /** We introduce the path: our hop was read, the part's one channel leads into the rest of it. */
    readonly entered?: boolean;
  } | null;
  /** The keys the onion layers were encrypted to, in order (blinded ids included): with the session key they give the shared secrets. */
  readonly onionNodeIds: readonly string[];
  /** Secret: the onion's session key (decodes a returned failure; kept until the part is final). */
  readonly sessionKey: string | null;
  /** The peer's failure as received (`update_fail_htlc` reason hex, or the malformed code), until it is committed. */
  readonly failReason: string | null;
  readonly failMalformedCode: number | null;
  /** What the failure said once decoded. */
  readonly failure: PartFailure | null;
  readonly createdAt: number;
  readonly resolvedAt: number | null;
}

/** A part's failure as decoded from the onion. */
export interface PartFailure {
  /** BOLT 4 failure name (`temporary_channel_failure`, ...), `unknown_0x…`, `malformed`, `unreadable`, or a local code. */
  readonly code: string;
  /** The node that returned it (hex), when known. */
  readonly erringNode: string | null;
  /** Its position in the onion (0 = our peer), when known. */
  readonly hopIndex: number | null;
  /** Whether it came from the recipient (or the blinded path that hides it). */
  readonly fromRecipient: boolean;
  readonly message: string;
}

// ----- inbound ----------------------------------------------------------------------------------

export type InvoiceStatus = 'unpaid' | 'paid';

/** A BOLT 11 invoice we issued. */
export interface InvoiceRecord {
  readonly paymentHash: string;
  /** Secret until paid. */
  readonly preimage: string;
  /** Secret (it is in the invoice string we hand out, and nowhere else). */
  readonly paymentSecret: string;
  readonly bolt11: string;
  /** Null: any amount. */
  readonly amountMsat: bigint | null;
  readonly description: string | null;
  readonly descriptionHash: string | null;
  /** Unix seconds. */
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly minFinalCltvExpiryDelta: number;
  readonly status: InvoiceStatus;
  readonly paidMsat: bigint | null;
  readonly paidAt: number | null;
}

/** One HTLC of a received payment. */
export interface HtlcRef {
  readonly channelId: string;
  readonly htlcId: bigint;
}

/**
 * A payment we claimed (written before the first update_fulfill_htlc leaves): BOLT 11 (its invoice
 * marked paid in the same step) or BOLT 12 (the first and only record of an invoice paid over its
 * path: unpaid BOLT 12 invoices need not be stored).
 */
export interface ReceivedRecord {
  readonly paymentHash: string;
  readonly kind: PaymentKind;
  /** What the HTLCs brought (Σ amt_to_forward). */
  readonly amountMsat: bigint;
  /** What the invoice asked (null: any amount). */
  readonly invoiceAmountMsat: bigint | null;
  readonly offerId: string | null;
  /** Secret until the fulfills left; kept to fulfill again after a restart. */
  readonly preimage: string;
  readonly htlcs: readonly (HtlcRef & { readonly amountMsat: bigint })[];
  readonly claimedAt: number;
}

// ----- forwards ---------------------------------------------------------------------------------

/**
 * - `held`: parked until released (issue 16's held HTLCs) or its deadline;
 * - `offered`: the outgoing HTLC is handed to the channel or on it;
 * - `failing`: the next hop failed it, the removal not yet committed;
 * - `fulfilled` / `failed`: final; `refused`: failed back without an outgoing HTLC.
 */
export type ForwardStatus = 'held' | 'offered' | 'failing' | 'fulfilled' | 'failed' | 'refused';

/** Where we sit in a blinded route, which decides how failures go back (BOLT 2 / BOLT 4). */
export type BlindedRole = 'none' | 'introduction' | 'inside';

export interface ForwardRecord {
  /** `<in channel id>:<in htlc id>`. */
  readonly forwardId: string;
  readonly inChannelId: string;
  readonly inHtlcId: bigint;
  readonly inAmountMsat: bigint;
  readonly inCltvExpiry: number;
  readonly paymentHash: string;
  readonly outChannelId: string | null;
  readonly outHtlcId: bigint | null;
  readonly outAmountMsat: bigint;
  readonly outCltvExpiry: number;
  /** What the outgoing HTLC carries: the next onion (hex) and path key; kept until it is offered. */
  readonly outOnion: string | null;
  readonly outPathKey: string | null;
  readonly status: ForwardStatus;
  /** in − out: what we earn when it settles. */
  readonly feeMsat: bigint;
  readonly blinded: BlindedRole;
  /** Secret: the incoming onion's shared secret (wraps failures on the way back). */
  readonly sharedSecret: string | null;
  /** SHA256 of the incoming onion (BADONION failures carry it). */
  readonly onionHash: string;
  /** Secret until fulfilled upstream; kept to fulfill again after a restart. */
  readonly preimage: string | null;
  /** The next hop's update_fail_htlc reason (hex), or for update_fail_malformed_htlc its sha256_of_onion. */
  readonly failReason: string | null;
  readonly failMalformedCode: number | null;
  /** What we returned upstream: a BOLT 4 failure name, or `downstream` (the next hop's failure, wrapped). */
  readonly failure: string | null;
  /** The upstream removal exactly as sent (hex reason, or a malformed code), to send again after a restart. */
  readonly upstream: { readonly reason: string } | { readonly malformedCode: number } | null;
  /** A held forward's release key and deadline (block height). */
  readonly hold: { readonly key: string; readonly deadlineHeight: number } | null;
  readonly receivedAt: number;
  readonly resolvedAt: number | null;
}
