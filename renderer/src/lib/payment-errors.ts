/**
 * The node's payment codes (core/payments/errors.ts, `payments.*`) in the app's words: what
 * happened, then what the person can do. Used for a `pay` the node refuses (api-error.ts
 * `appMessage`) and for a payment that fails later (its record's `{ code, message }`, its
 * `payment.failed` event). The node's own message is kept where it says something the words do
 * not (which node, which amount, which network). Pure.
 */

interface Words {
  /** What happened, as a sentence. */
  readonly what: string;
  /** What the person can do about it (null: nothing to add). */
  readonly todo: string | null;
  /** The node's message adds a fact (which node, which amount): shown after `what`. */
  readonly detail: boolean;
}

const w = (what: string, todo: string | null, detail = false): Words => ({ what, todo, detail });

/** Every `payments.*` code the node gives, but `bad_request` (its message is the whole story) and `tick` (a timer name). */
const WORDS: Readonly<Record<string, Words>> = {
  // Async payments (issue 16): a static invoice of an offline recipient.
  'payments.no_holding_peer': w(
    'The recipient is offline, and none of your channels’ peers can hold a payment for them until they come back: no connected channel peer offers to hold HTLCs.',
    'Reconnect to your LSP if it is offline, or open a channel with an LSP that supports async payments; or pay again when the recipient is online.',
  ),
  'payments.no_chain_tip': w(
    'Waiting for the chain: this node does not know the current block height yet, and a payment’s timelocks count from it.',
    'Check the chain on the Wallet page (no chain source? set one in Settings) and pay again once it is in sync.',
  ),
  'payments.async_hold_failed': w(
    'The LSP holding this payment for the offline recipient gave it back: the recipient did not come online to release it in time.',
    'Nothing was paid and the amount is back in your channel. Try again later, when the recipient is more likely to be online.',
    true,
  ),
  'payments.bad_static_invoice': w(
    'The recipient is offline, and the static invoice its LSP answered with cannot be paid.',
    'Nothing was sent. Ask the recipient for a fresh offer, or pay when the recipient is online.',
    true,
  ),
  // Any payment.
  'payments.no_route': w('No route to the recipient with enough capacity within the fee limit.', 'Raise the max fee, pay a smaller amount, or open a channel toward the recipient.', true),
  'payments.timeout': w('No part got through in time.', 'Try again; a higher max fee lets more routes be tried.', true),
  'payments.too_many_attempts': w('Every route tried failed.', 'Try again later, or with a higher max fee.', true),
  'payments.rejected': w('The recipient refused the payment.', 'Check the amount, and ask the recipient for a fresh invoice.', true),
  'payments.invoice_expired': w('The invoice expired.', 'Ask the recipient for a new one.'),
  'payments.lost_track': w('The node lost track of a part of this payment.', 'Look at the channel it used on the Channels page: the part ends when the channel settles it.', true),
  'payments.no_usable_path': w('None of the invoice’s paths to the recipient can be used by this node.', 'Ask the recipient for another invoice.', true),
  'payments.self_payment': w('This invoice is your own node’s.', 'Pay it from another node.'),
  'payments.wrong_network': w('This invoice is for another network.', null, true),
  'payments.amount_mismatch': w('The amount does not match what the invoice asks.', null, true),
  'payments.already_paid': w('This invoice is already paid: this node paid it before (see Payments sent).', 'It is not paid twice.'),
  'payments.in_progress': w('This invoice is being paid right now.', 'Its outcome appears under Payments sent.'),
  'payments.disabled': w('This node runs without payments.', null),
  'payments.not_found': w('The node has no such payment.', null),
  'payments.invoice_exists': w('An invoice for this payment hash exists already.', null),
  'payments.bad_record': w('A stored payment record could not be read.', null, true),
};

/** An async payment that waited for its release (a payer holding it itself) and whose release window ended. */
const ASYNC_TIMEOUT = w(
  'The recipient did not come online to release the payment within its release window.',
  'Nothing was sent. Try again later, or give held payments a longer window (Settings → Async release window).',
);

/** The codes the app has words for (tests check every one the node declares). */
export const WORDED_PAYMENT_CODES: readonly string[] = Object.keys(WORDS);

/**
 * A payment code in the app's words, or null when the app has none for it. `message` is the node's
 * (already free of command-line hints); `kind` the payment's (`async`: a payment to a static invoice).
 */
export function paymentCodeText(code: string, message: string, kind?: string): string | null {
  const words = kind === 'async' && code === 'payments.timeout' ? ASYNC_TIMEOUT : WORDS[code];
  if (!words) return null;
  const detail = words.detail && message.trim() !== '' ? ` ${sentence(message.trim())}` : '';
  return `${words.what}${detail}${words.todo ? ` ${words.todo}` : ''}`;
}

function sentence(text: string): string {
  const t = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
