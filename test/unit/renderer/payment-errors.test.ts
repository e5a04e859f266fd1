/**
 * The payment codes in the app's words (renderer/src/lib/payment-errors.ts): every `payments.*`
 * code the node declares has words saying what happened and what to do; the async payment codes
 * say what the person can do about an offline recipient; the words reach the Send flow (a refused
 * `pay`, appMessage) and the Payments page (a failed record, paymentFailureText).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { WORDED_PAYMENT_CODES, paymentCodeText } from '../../../renderer/src/lib/payment-errors';
import { appMessage } from '../../../renderer/src/lib/api-error';
import { paymentFailureText } from '../../../renderer/src/lib/payments';
import { REPO_ROOT } from '../../support/vectors';

/** The codes core/payments/errors.ts lists, and those the node throws elsewhere (the API, the async wiring). */
function declaredCodes(): string[] {
  const listed = readFileSync(join(REPO_ROOT, 'core/payments/errors.ts'), 'utf8').match(/`payments\.[a-z_]+`/g) ?? [];
  const more = ['payments.bad_static_invoice', 'payments.disabled', 'payments.not_found'];
  return [...new Set([...listed.map((c) => c.slice(1, -1)), ...more])];
}

describe('payment codes in the app’s words', () => {
  it('has words for every code the node declares but bad_request (its message is the whole story)', () => {
    const codes = declaredCodes();
    expect(codes).toContain('payments.no_holding_peer');
    expect(codes).toContain('payments.no_chain_tip');
    expect(codes).toContain('payments.async_hold_failed');
    const missing = codes.filter((c) => c !== 'payments.bad_request' && !WORDED_PAYMENT_CODES.includes(c));
    expect(missing).toEqual([]);
    for (const c of WORDED_PAYMENT_CODES) expect(paymentCodeText(c, 'x')).toMatch(/^[A-Z].*[.!]$/);
  });

  it('no holding peer: the recipient is offline, nobody can hold it, open a channel with an LSP that supports async payments', () => {
    const t = paymentCodeText('payments.no_holding_peer', 'no active channel to a peer that holds HTLCs (feature htlc_hold): the held HTLC has nowhere to go')!;
    expect(t).toBe('The recipient is offline, and none of your channels’ peers can hold a payment for them until they come back: no connected channel peer offers to hold HTLCs. '
      + 'Reconnect to your LSP if it is offline, or open a channel with an LSP that supports async payments; or pay again when the recipient is online.');
  });

  it('no chain tip: waiting for the chain, and where to look', () => {
    const refused = appMessage({ code: 'payments.no_chain_tip', message: 'the node knows no block height yet (no chain source, or the chain not read yet): an HTLC\'s expiry counts from it', details: {} });
    expect(refused).toBe('Waiting for the chain: this node does not know the current block height yet, and a payment’s timelocks count from it. '
      + 'Check the chain on the Wallet page (no chain source? set one in Settings) and pay again once it is in sync.');
  });

  it('a held payment given back: which holder (the node\'s words), then that nothing was paid', () => {
    const t = paymentFailureText('payments.async_hold_failed', 'the HTLC held at 02abcd was failed back unreleased: the recipient did not release it in time (expiry_too_soon)');
    expect(t).toBe('The LSP holding this payment for the offline recipient gave it back: the recipient did not come online to release it in time. '
      + 'The HTLC held at 02abcd was failed back unreleased: the recipient did not release it in time (expiry_too_soon). '
      + 'Nothing was paid and the amount is back in your channel. Try again later, when the recipient is more likely to be online.');
  });

  it('an async payment whose release window ended is not "no part got through"; an ordinary timeout is', () => {
    const message = 'the recipient did not release the payment within its release window: no HTLC was sent';
    expect(paymentFailureText('payments.timeout', message, 'async')).toBe('The recipient did not come online to release the payment within its release window. '
      + 'Nothing was sent. Try again later, or give held payments a longer window (Settings → Async release window).');
    expect(paymentFailureText('payments.timeout', 'no part succeeded within 60000 ms', 'bolt11')).toMatch(/^No part got through in time\. No part succeeded within 60000 ms\. Try again/);
  });

  it('a refused pay in words without command-line options; an unknown code keeps the node\'s message', () => {
    expect(appMessage({ code: 'payments.already_paid', message: 'payment hash 00ff is paid', details: {} })).toBe('This invoice is already paid: this node paid it before (see Payments sent). It is not paid twice.');
    expect(appMessage({ code: 'payments.bad_request', message: 'the invoice has no amount: pass --amount-msat', details: {} })).toBe('the invoice has no amount');
    expect(paymentFailureText('payments.something', 'went wrong')).toBe('Went wrong (payments.something).');
    fc.assert(fc.property(fc.constantFrom(...WORDED_PAYMENT_CODES), fc.string(), fc.constantFrom('amount-msat', 'via', 'max-fee-msat'), (code, text, opt) => {
      const shown = appMessage({ code, message: `${text}; pass --${opt} N`, details: {} });
      expect(shown).not.toMatch(/(?<![\w-])--[a-z]/);
      expect(shown.length).toBeGreaterThan(0);
    }), { numRuns: 300 });
  });
});
