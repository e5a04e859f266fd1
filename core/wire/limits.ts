/**
 * How much any honest sender writes, and so the most our readers accept: the one table of the
 * shape limits that bound the work a stranger's message can buy before we know it is worth it
 * (issue 20). Beyond a limit a reader refuses with a typed error before it checks a point, peels
 * a layer or hashes a record, so the work of one message is bounded by its shape, whatever the
 * crypto backend; the messenger's rate limiter then charges the sender by the work it did
 * (core/messenger/constants.ts `WORK_COSTS`).
 *
 * What deployed implementations write, read at these commits: rust-lightning cfee4b755 (LDK),
 * Core Lightning 090f4b0e6 (CLN), Eclair 5b765e026.
 *
 * | limit                         | value | honest writers                                                          | why                                                                       |
 * |-------------------------------|-------|-------------------------------------------------------------------------|---------------------------------------------------------------------------|
 * | hops in one `blinded_path`    | 20    | LDK: 4 hops by default (onion_message/messenger.rs DUMMY_HOPS_PATH_LENGTH), at most 1 peer + 10 dummy hops + recipient = 12 (blinded_path/message.rs MAX_DUMMY_HOPS_COUNT); payment paths 1 peer + 3 dummy hops + recipient = 5 (routing/router.rs DEFAULT_PAYMENT_DUMMY_HOPS). CLN: 2 (plugins/offers_offer.c offer_onehop_path; one-hop invoice paths). Eclair: offer paths ≥ 2 (offers.message-path-min-length), payment paths 2 (payment-path-length), reply paths ≥ 7 (onion-messages.min-intermediate-hops = 6) | a payment onion holds about 20 hops in all (LDK's MAX_PATH_LENGTH_ESTIMATE is 19), so a longer payment path cannot be paid; each hop of a message path costs whoever sends over it (we, replying) an ECDH, and reading it a point check |
 * | `blinded_path`s in one field  | 8     | LDK: at most 3 (messenger.rs MAX_PATHS, router.rs MAX_PAYMENT_PATHS). Eclair: 2 payment paths (offers.payment-path-count), 1 offer path. CLN: 1 invoice path (plugins/offers_invreq_hook.c), 1 offer path, or one per configured fronting node | a payer tries paths in turn; 8 paths of 20 hops are at most 176 points per field |
 * | hops addressed to ourselves   | 10    | LDK builds at most 10 dummy hops (MAX_DUMMY_HOPS_COUNT), 2 or 3 by default; Eclair peels at most 2 × message-path-min-length + 1 = 5 of its own (io/MessageRelay.scala TooManyDummyHops); we build at most 10 | anyone can build a path that visits us again and again, and each visit costs a full peel (2 ECDH + 2 k·P) |
 * | records in a BOLT 12 message  | offer 64, invoice_request 96, invoice 128 | an invoice carries at most the 30 fields BOLT 12 defines (11 offer, 9 invoice_request, 9 invoice, signature) and CLN's 8 experimental recurrence fields (wire/bolt12_wire.csv); LDK's static invoice adds 1 | each record is a Merkle leaf (three tagged hashes) hashed for the message's id and again for its signature; each kind leaves room for the 32 records at most that the next one adds (a request copies its offer, an invoice its request) |
 * | records in an `onionmsg_tlv` or `encrypted_data_tlv` | 64 | BOLT 4: an onionmsg_tlv holds reply_path, encrypted_recipient_data and one message record (a second one: "MUST ignore the message"), plus unknown odd types below 64: 35 at most; an encrypted_data_tlv has 8 known fields | both are decoded at every layer we peel, before the rules can refuse them |
 */
export const LIMITS = {
  /** Hops in one `blinded_path` (BOLT 4; in BOLT 12 fields and in an onion message's `reply_path`). */
  blindedPathHops: 20,
  /** `blinded_path`s in one BOLT 12 field: offer_paths, invreq_paths, invoice_paths (and one invoice_blindedpay each), held_htlc_available_paths. */
  blindedPathsPerField: 8,
  /** Consecutive hops addressed to ourselves (our dummy hops) peeled from one onion message. */
  selfHops: 10,
  /** TLV records in one BOLT 12 message, by kind (static invoices and invoice_errors as invoices and offers). */
  bolt12Records: { offer: 64, invoice_request: 96, invoice: 128, static_invoice: 128, invoice_error: 64 },
  /** TLV records in one `onionmsg_tlv` or `encrypted_data_tlv` (what one onion message layer carries). */
  onionRecords: 64,
} as const;
