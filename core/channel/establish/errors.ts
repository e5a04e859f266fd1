/**
 * OpenError (`channel_open.*`): why a channel opening stops. The peer's `open_channel` or
 * `accept_channel` refused (by a BOLT 2 rule or by our acceptance policy: the reasons in
 * `REFUSAL_REASONS`), a later step of the peer's that breaks BOLT 2 (a bad signature, a funding
 * output that does not pay the channel), a timeout, the peer's `error`, or a request of ours that
 * cannot be opened. The code and message are what our `error` to the peer carries.
 */
import { GlasswingError } from '../../errors';

export class OpenError extends GlasswingError {
  /** The reason without the `channel_open.` prefix. */
  get reason(): string {
    return this.code.slice('channel_open.'.length);
  }
}

/** Every reason an `open_channel` or `accept_channel` is refused. */
export const REFUSAL_REASONS = [
  // BOLT 2 open_channel / accept_channel "MUST fail the channel" rules
  'unknown_chain',
  'channel_type_missing',
  'channel_type_unsupported',
  'channel_type_mismatch',
  'zeroconf_untrusted',
  'push_exceeds_funding',
  'to_self_delay_too_large',
  'max_accepted_htlcs_too_large',
  'feerate_too_low',
  'feerate_too_high',
  'bad_pubkey',
  'dust_limit_above_reserve',
  'channel_reserve_below_dust_limit',
  'dust_limit_too_small',
  'funder_cannot_pay_fee',
  'balances_below_reserve',
  'large_channel_unsupported',
  'dual_fund_negotiated',
  'bad_upfront_shutdown_script',
  'upfront_shutdown_script_missing',
  'scid_alias_announced',
  // BOLT 2 "MAY fail the channel" rules, as our acceptance policy sets them
  'funding_too_small',
  'funding_too_large',
  'push_too_large',
  'htlc_minimum_too_large',
  'max_htlc_value_in_flight_too_small',
  'channel_reserve_too_large',
  'max_accepted_htlcs_too_small',
  'dust_limit_too_large',
  'minimum_depth_too_large',
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export function refusal(reason: RefusalReason, message: string, details?: Record<string, unknown>): OpenError {
  return new OpenError(`channel_open.${reason}`, message, details);
}

export function openError(reason: string, message: string, details?: Record<string, unknown>): OpenError {
  return new OpenError(`channel_open.${reason}`, message, details);
}
