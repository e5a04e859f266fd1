/**
 * Our forwarding policy — the fee and CLTV delta of our channel_updates (BOLT 7) and what the
 * payments layer charges when forwarding (BOLT 4 fee_insufficient, incorrect_cltv_expiry below it):
 * core/runtime/payments' default, under config.json's `forwarding` (checked when read), under
 * `setForwardingPolicy` (node.ts).
 */
import type { ForwardingPolicy } from '../payments';

/** As config.json and the API carry it: amounts as decimal strings. */
export interface ForwardingPolicyInfo {
  readonly feeBaseMsat: string;
  readonly feeProportionalMillionths: string;
  readonly cltvExpiryDelta: number;
}

const U32 = /^(0|[1-9][0-9]{0,9})$/;

/** What is wrong with a (partial) forwarding setting, or null. */
export function forwardingProblem(v: unknown): { field: string; want: string } | null {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { field: '', want: 'an object' };
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (k === 'feeBaseMsat' || k === 'feeProportionalMillionths') {
      // channel_update fee_base_msat and fee_proportional_millionths are u32.
      if (typeof x !== 'string' || !U32.test(x) || BigInt(x) > 0xffffffffn) return { field: k, want: 'a whole number 0..4294967295 as a string' };
    } else if (k === 'cltvExpiryDelta') {
      // BOLT 7 cltv_expiry_delta is u16; below 18 our own final delta would not fit a hop's worth of safety.
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 18 || x > 2016) return { field: k, want: 'a whole number of blocks 18..2016' };
    } else {
      return { field: k, want: 'absent (forwarding takes feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta)' };
    }
  }
  return null;
}

/** The policy in force: `base` with the (checked: forwardingProblem) saved or changed fields over it. */
export function mergeForwarding(base: ForwardingPolicy, change: Partial<ForwardingPolicyInfo> | undefined): ForwardingPolicy {
  if (!change) return base;
  return {
    ...base,
    ...(change.feeBaseMsat !== undefined ? { feeBaseMsat: BigInt(change.feeBaseMsat) } : {}),
    ...(change.feeProportionalMillionths !== undefined ? { feeProportionalMillionths: BigInt(change.feeProportionalMillionths) } : {}),
    ...(change.cltvExpiryDelta !== undefined ? { cltvExpiryDelta: change.cltvExpiryDelta } : {}),
  };
}

export function forwardingInfo(p: ForwardingPolicy): ForwardingPolicyInfo {
  return { feeBaseMsat: p.feeBaseMsat.toString(), feeProportionalMillionths: p.feeProportionalMillionths.toString(), cltvExpiryDelta: p.cltvExpiryDelta };
}
