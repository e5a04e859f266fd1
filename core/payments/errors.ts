/**
 * Errors of the payments layer. `PaymentError` is what `pay`, `createInvoice` and the record
 * decoders throw; a payment that fails later carries its reason as a `{ code, message }` in its
 * record instead (the same codes). Codes:
 * - `payments.bad_request` — a request that cannot be acted on (no amount for an any-amount
 *   invoice, a negative limit, a payment id that is not 1–64 characters, ...)
 * - `payments.wrong_network` — a BOLT 11 invoice of another network
 * - `payments.invoice_expired` — BOLT 11 payer: "after the timestamp plus expiry has passed:
 *   SHOULD NOT attempt a payment"; BOLT 12 reader: the invoice has expired
 * - `payments.amount_mismatch` — an amount that contradicts the invoice's
 * - `payments.already_paid` — another payment of this payment hash succeeded
 * - `payments.in_progress` — another payment of this payment hash is still under way
 * - `payments.no_usable_path` — a BOLT 12 invoice none of whose paths we can use
 * - `payments.self_payment` — the invoice is our own
 * - `payments.no_chain_tip` — the node knows no block height (no chain source, or its tip not read
 *   yet): an HTLC's cltv_expiry cannot be set
 * - `payments.no_route` — (record) no route within the limits, and nothing in flight
 * - `payments.timeout` — (record) the payment's time ran out before a part succeeded
 * - `payments.too_many_attempts` — (record) the retry limit was reached
 * - `payments.rejected` — (record) the recipient refused it (its failure code in `message`)
 * - `payments.no_holding_peer` — (record) an async payment to be held at our LSP, and no channel
 *   peer that advertises htlc_hold to hold it
 * - `payments.async_hold_failed` — (record) the holder (our first hop) failed a held HTLC back
 *   unreleased (its release window or CLTV deadline ended)
 * - `payments.invoice_exists` — an invoice for this payment hash is already stored
 * - `payments.bad_record` — a stored record that does not decode (the store reports `store.corrupt`)
 */
import { GlasswingError } from '../errors';

export class PaymentError extends GlasswingError {}
