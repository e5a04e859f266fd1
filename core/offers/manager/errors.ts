/**
 * Errors of the offers manager (the flow around the BOLT 12 codecs). Codec problems keep their
 * own types (`Bolt12ParseError`, `Bolt12SemanticError`) and reach the caller unchanged, so a
 * malformed string is reported by the code that names the problem.
 *
 * OffersError codes:
 * - `offers.bad_argument` — a parameter we refuse (past expiry, a via hop that is us, too many paths…)
 * - `offers.unknown_offer` — no offer of ours has that id
 * - `offers.offer_exists` — an identical offer exists and is disabled (offers are not re-enabled)
 * - `offers.not_a_refund` — `sendInvoice` was given an invoice_request that answers an offer
 * - `offers.invoice_error` — the other side answered with an invoice_error (`InvoiceErrorReceived`)
 * - `offers.no_answer` — no invoice (or invoice_error) arrived in time
 * - `offers.bad_invoice` — the invoice that came back breaks a reader rule or does not mirror our request
 * - `offers.unexpected_reply` — the reply carried neither an invoice nor an invoice_error
 * - `offers.unreachable` — none of the offer's paths (or its issuer) could be routed to
 */
import { GlasswingError } from '../../errors';
import { toHex } from '../../crypto';
import type { InvoiceError } from '../invoice-error';
import { tlvName } from '../fields';

export class OffersError extends GlasswingError {}

/**
 * The other side answered our invoice_request (or our invoice) with an `invoice_error`. The
 * message shows its text and the field it names; `details` carries them as data.
 */
export class InvoiceErrorReceived extends OffersError {
  /** BOLT 12 `error`: the other side's explanation. */
  readonly text: string;
  /** BOLT 12 `erroneous_field`, if set. */
  readonly erroneousField: bigint | undefined;
  /** BOLT 12 `suggested_value`, if set. */
  readonly suggestedValue: Uint8Array | undefined;

  constructor(e: Pick<InvoiceError, 'error' | 'erroneousField' | 'suggestedValue'>, from: string) {
    const text = e.error ?? '(no explanation given)';
    const field = e.erroneousField;
    const fieldText = field === undefined ? '' : ` (erroneous field ${field} ${tlvName(field)}${e.suggestedValue ? `, suggested value ${toHex(e.suggestedValue)}` : ''})`;
    super('offers.invoice_error', `${from} answered with an invoice_error: "${text}"${fieldText}`, {
      error: text,
      erroneousField: field === undefined ? null : field.toString(),
      erroneousFieldName: field === undefined ? null : tlvName(field),
      suggestedValue: e.suggestedValue ? toHex(e.suggestedValue) : null,
    });
    this.text = text;
    this.erroneousField = field;
    this.suggestedValue = e.suggestedValue?.slice();
  }
}
