/**
 * What a failed part teaches the payer (BOLT 4 "Receiving Failure Codes", origin node): who
 * returned the failure, whether the payment should end, and what to tell pathfinding —
 * `FailureMemory` penalties for the erring node or channel, or a newer policy from a checked
 * channel_update ("MUST NOT ... apply the channel_update to the local network graph").
 */
import { computeSharedSecrets, decodeFailure, failureFlags, failureName } from '../onion';
import type { FailureMessage } from '../onion';
import { OnionError } from '../onion';
import { directionOf } from '../routing';
import type { RouteFailure } from '../routing';
import { fromHex, toHex, zeroize } from '../crypto';
import { formatShortChannelId } from '../wire';
import type { FailureUpdateChecker } from './ports';
import type { PartFailure, PartRecord } from './types';

export interface FailureLesson {
  readonly failure: PartFailure;
  /** Stop the payment (the recipient refused it for good). */
  readonly terminal: boolean;
  /** What pathfinding should avoid or know from now on. */
  readonly penalties: readonly RouteFailure[];
  /** A BOLT 12 blinded path that failed (its index in the invoice): do not use it again for this payment. */
  readonly failedBlindedPath: number | null;
}

/** The channel_update carried by a failure with the UPDATE bit, if any (empty means none). */
function channelUpdateOf(f: FailureMessage): Uint8Array | null {
  if (f.name === 'unknown') return null;
  const data = f.data as { channelUpdate?: Uint8Array };
  return data.channelUpdate && data.channelUpdate.length > 0 ? data.channelUpdate : null;
}

function nameOf(code: number): string {
  return failureName(code) ?? `unknown_0x${code.toString(16).padStart(4, '0')}`;
}

/**
 * Reads the failure of `part`: an `update_fail_htlc` reason decoded with the part's shared
 * secrets, or the malformed code our peer returned. `nowMs` dates the lessons.
 */
export function learnFromFailure(part: PartRecord, checker: FailureUpdateChecker | undefined, ourNodeId: Uint8Array): FailureLesson {
  const hops = part.hops;
  const blinded = part.blinded;
  const recipientIndex = hops.length - 1;
  const channelInto = (i: number): RouteFailure & { kind: 'channel' } => ({
    kind: 'channel',
    shortChannelId: hops[i]!.shortChannelId,
    from: i === 0 ? toHex(ourNodeId) : hops[i - 1]!.nodeId,
    to: hops[i]!.nodeId,
    amountMsat: hops[i]!.amountMsat,
    permanent: false,
  });

  if (blinded?.entered === true) {
    // We introduced the path and sent straight into it: the node after us is inside it, and BOLT 4 has
    // every node inside a blinded path "return an error with invalid_onion_blinding" (malformed, from
    // our peer). Whoever answered, the path failed; our channel and the hidden nodes are not blamed.
    const code = part.failMalformedCode !== null ? nameOf(part.failMalformedCode) : 'blinded_path_failed';
    return {
      failure: { code, erringNode: null, hopIndex: null, fromRecipient: true, message: `the blinded path after us failed (${code})` },
      terminal: false,
      penalties: [],
      failedBlindedPath: blinded.pathIndex,
    };
  }

  if (part.failMalformedCode !== null) {
    // BOLT 2: our peer could not parse the onion we sent it (update_fail_malformed_htlc). It is on our
    // side of the first channel: take that channel out of this amount's consideration and try again.
    const code = nameOf(part.failMalformedCode);
    return {
      failure: { code, erringNode: hops[0]!.nodeId, hopIndex: 0, fromRecipient: false, message: `our peer could not read the onion (${code})` },
      terminal: false,
      penalties: [channelInto(0)],
      failedBlindedPath: null,
    };
  }

  let decoded: ReturnType<typeof decodeFailure>;
  const secrets = part.sessionKey ? computeSharedSecrets(fromHex(part.sessionKey), part.onionNodeIds.map((n) => fromHex(n))) : [];
  try {
    decoded = decodeFailure({ sharedSecrets: secrets, packet: fromHex(part.failReason ?? '') });
  } catch (e) {
    // BOLT 4: no hop's HMAC matches — someone on the route garbled it. Every channel of the route is
    // suspect for this amount (a temporary bound, so a retry goes another way if there is one).
    const message = e instanceof OnionError ? e.message : 'the failure did not decode';
    return {
      failure: { code: 'unreadable', erringNode: null, hopIndex: null, fromRecipient: false, message },
      terminal: false,
      penalties: hops.map((_, i) => channelInto(i)),
      failedBlindedPath: null,
    };
  } finally {
    zeroize(...secrets);
  }

  const k = decoded.hopIndex;
  const f = decoded.failure;
  // Inside the blinded path: only the introduction node (the last clear hop) can answer readably;
  // an index past it would be a blinded hop that broke the rule.
  const erringNode = k < hops.length ? hops[k]!.nodeId : null;
  if (f === null) {
    // BOLT 4: the origin "MUST ignore any extra bytes"; a body that does not parse at all is that hop's fault.
    const penalties: RouteFailure[] = erringNode ? [{ kind: 'node', nodeId: erringNode, permanent: false }] : [];
    return {
      failure: { code: 'unreadable', erringNode, hopIndex: k, fromRecipient: k >= recipientIndex, message: decoded.parseError?.message ?? 'an unreadable failure message' },
      terminal: false,
      penalties,
      failedBlindedPath: null,
    };
  }
  const code = f.name === 'unknown' ? nameOf(f.code) : f.name;
  const flags = failureFlags(f.code);

  // A blinded path of more than one hop: its introduction node (or anything after it) answered.
  // BOLT 4: "An error occurred within the blinded path" — that path is spent for this payment.
  if (blinded && blinded.blindedHops > 1 && k >= recipientIndex) {
    return {
      failure: { code, erringNode: null, hopIndex: k, fromRecipient: true, message: `the blinded path failed (${code})` },
      terminal: false,
      penalties: [],
      failedBlindedPath: blinded.pathIndex,
    };
  }

  if (k >= recipientIndex) {
    // The final node returned it (or, for a one-hop blinded path, the recipient as its own introduction node).
    // BOLT 4: "if the PERM bit is set: SHOULD fail the payment"; otherwise it "MAY retry".
    const base = { code, erringNode, hopIndex: k, fromRecipient: true };
    if (flags.perm) {
      return { failure: { ...base, message: `the recipient refused the payment (${code})` }, terminal: true, penalties: [], failedBlindedPath: null };
    }
    if (code === 'final_incorrect_cltv_expiry' || code === 'final_incorrect_htlc_amount') {
      // The HTLC arrived with less than the onion promised: the hop before the recipient altered it.
      return { failure: { ...base, message: `the last hop delivered less than the onion asked (${code})` }, terminal: false, penalties: [channelInto(recipientIndex)], failedBlindedPath: null };
    }
    return { failure: { ...base, message: `the recipient could not take it now (${code})` }, terminal: false, penalties: [], failedBlindedPath: null };
  }

  // An intermediate hop k failed forwarding over the channel to hop k+1.
  const node = hops[k]!.nodeId;
  const out = hops[k + 1]!;
  const base = { code, erringNode: node, hopIndex: k, fromRecipient: false };
  if (flags.node) {
    // "if the NODE bit is set: SHOULD remove all channels connected with the erring node from consideration."
    return { failure: { ...base, message: `node ${node.slice(0, 16)}… failed (${code})` }, terminal: false, penalties: [{ kind: 'node', nodeId: node, permanent: flags.perm }], failedBlindedPath: null };
  }
  const penalties: RouteFailure[] = [];
  let message = `channel ${formatShortChannelId(out.shortChannelId)} from ${node.slice(0, 16)}… failed (${code})`;
  const update = flags.update ? channelUpdateOf(f) : null;
  /** The failure says the channel is out of service (not short of liquidity), with the disabling update's timestamp if it carried one. */
  let outage: { knownUpdate?: number } | null = code === 'channel_disabled' ? {} : null;
  if (update && checker) {
    const checked = checker.checkFailureUpdate(update, fromHex(node));
    if ('error' in checked) {
      message += `; its channel_update was ignored: ${checked.error}`;
    } else {
      const expected = directionOf(node, out.nodeId);
      const known = checker.policyTimestamp?.(checked.shortChannelId, checked.direction);
      // "if UPDATE is set, AND the channel_update is valid and more recent than the channel_update used
      // to send the payment: MAY consider the channel_update when calculating routes to retry the payment".
      const ours = checked.shortChannelId === out.shortChannelId && checked.direction === expected;
      if (ours && checked.policy.disabled && known !== undefined && checked.policy.timestamp === known) {
        // The disabling update the graph holds already (gossip was faster than this failure): still an outage.
        outage = { knownUpdate: known };
        message += '; its channel_update says the channel is disabled';
      } else if (ours && (known === undefined || checked.policy.timestamp > known)) {
        if (checked.policy.disabled) {
          // BOLT 7: the `disable` bit signals "a channel's temporary unavailability (e.g. due to a loss of
          // connectivity)": an outage, not a liquidity limit. The channel is out until a newer update (BOLT 4:
          // "SHOULD restore the channels as it receives new channel_updates").
          outage = { knownUpdate: checked.policy.timestamp };
          message += '; its channel_update says the channel is disabled';
        } else {
          penalties.push({ kind: 'policy', shortChannelId: out.shortChannelId, from: node, to: out.nodeId, policy: checked.policy, timestamp: checked.policy.timestamp });
          message += '; retrying with its newer channel_update';
        }
      } else {
        message += '; its channel_update does not apply';
      }
    }
  }
  if (outage && !flags.perm) {
    // channel_disabled, or any UPDATE failure whose update disables the channel: the direction is out for
    // every amount for a while, and no liquidity bound is learned (a bound outlives the outage).
    penalties.push({ kind: 'disabled', shortChannelId: out.shortChannelId, from: node, to: out.nodeId, ...outage });
    return { failure: { ...base, message }, terminal: false, penalties, failedBlindedPath: null };
  }
  // A policy failure with a usable update is answered by the new policy alone; the rest bound the channel
  // (PERM: for good; otherwise "SHOULD restore the channels as it receives new channel_updates": it fades,
  // and a newer update drops it — see core/routing/learning.ts). A temporary_channel_failure without a
  // disabling update is ambiguous: LDK forwarders send it, with no update, while the next peer is
  // reconnecting (`ChannelNotReady`) as well as when the channel is short of liquidity; the node's memory
  // keeps it soft so an outage is not remembered as a limit.
  const liquidity = code === 'temporary_channel_failure' || penalties.length === 0;
  if (liquidity || flags.perm) {
    penalties.push({ kind: 'channel', shortChannelId: out.shortChannelId, from: node, to: out.nodeId, amountMsat: out.amountMsat, permanent: flags.perm });
  }
  return { failure: { ...base, message }, terminal: false, penalties, failedBlindedPath: null };
}

/** The channel layer's code for an add refused for dust exposure (core/channel commands: BOLT 2 max_dust_htlc_exposure_msat). */
export const DUST_EXPOSURE_REFUSAL = 'channel_command.dust_exposure_exceeded';

/**
 * A failure that happened here (the add was refused, the channel closed): the first channel is out for
 * this amount. A refusal for dust exposure is not a lack of balance: the channel is not bounded, but this
 * payment gives it no dust part of this size or smaller again (BOLT 2: "if the HTLC's amount_msat is
 * smaller than the ... dust_limit_satoshis plus the HTLC-timeout fee ... if the amount_msat plus the dust
 * balance ... is greater than max_dust_htlc_exposure_msat: SHOULD NOT send this HTLC" — a smaller HTLC
 * is as trimmed, and halving a dust part only adds more dust).
 */
export function localFailure(part: PartRecord, code: string, message: string, ourNodeId: Uint8Array, permanent: boolean): FailureLesson {
  const first = part.hops[0]!;
  const edge = { shortChannelId: first.shortChannelId, from: toHex(ourNodeId), to: first.nodeId, amountMsat: first.amountMsat };
  return {
    failure: { code, erringNode: null, hopIndex: null, fromRecipient: false, message },
    terminal: false,
    penalties: [code === DUST_EXPOSURE_REFUSAL && !permanent ? { kind: 'dust', ...edge } : { kind: 'channel', ...edge, permanent }],
    failedBlindedPath: null,
  };
}
