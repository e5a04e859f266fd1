/**
 * Blinded paths the messenger makes and uses: reply paths to us (with a tagged `path_id` so we
 * recognise our own and authenticate the context one carries), paths to us for others to publish,
 * and taking our own hop off a path whose introduction node is ourselves.
 */
import { concatBytes, equalBytes, hmacSha256, toHex, utf8, zeroize } from '../crypto';
import type { BlindedPath } from '../wire';
import { createBlindedPath, processBlindedHop } from '../onion';
import { isGlasswingError } from '../errors';
import { MessengerError } from './errors';
import { MAX_DUMMY_HOPS } from './constants';

export interface MessagePathOptions {
  /** e_0 for the path. Secret; zeroed by the caller. */
  readonly sessionKey: Uint8Array;
  /** The nodes of the path, introduction node first, its recipient last. */
  readonly nodes: readonly Uint8Array[];
  /** The recipient's `path_id` (BOLT 4: "MAY use path_id to contain a secret"). */
  readonly pathId?: Uint8Array;
  /** Dummy hops to the recipient after its real hop, to hide the path length (only for paths to us). */
  readonly dummyHops?: number;
}

/**
 * A blinded path for onion messages through `nodes` (BOLT 4 Route Blinding, writer; as a
 * `reply_path`: `first_node_id` is the unblinded first node). Every hop but the last is told
 * the next node id; the last carries `path_id`, if any.
 */
export function createMessagePath(opts: MessagePathOptions): BlindedPath {
  const { nodes } = opts;
  const last = nodes.length - 1;
  const hops = nodes.map((nodeId, i) => ({
    nodeId,
    // BOLT 4: "MUST include either next_node_id or short_channel_id ... for each non-final node".
    data: i < last ? { nextNodeId: nodes[i + 1]! } : opts.pathId ? { pathId: opts.pathId } : {},
  }));
  return createBlindedPath({ sessionKey: opts.sessionKey, hops, dummyHops: opts.dummyHops ?? 0 }).path;
}

/**
 * The `path_id`s of the paths the messenger builds for a purpose, authenticated with a key derived
 * from the node key, so that what comes back over one is known to be ours (BOLT 4: "MAY use
 * path_id to contain a secret"):
 *
 * - awaited replies: 16 random bytes followed by the first 16 bytes of
 *   HMAC-SHA256(key, "reply" || random). We recognise our own ids after the request they served
 *   is gone, so a late or replayed reply is dropped as `unexpected_reply` (BOLT 4: a message over
 *   a path we published that is not a reply to that onion "MUST ignore");
 * - reply paths with a context (`send({ replyContext })`): 0x01 || context || the first 16 bytes
 *   of HMAC-SHA256(key, "context" || context); the context comes back to the handler of the reply
 *   only when the tag holds, so nobody can hand a handler a context we did not issue.
 */
export class MessagePathIds {
  readonly #key: Uint8Array;

  constructor(nodeKey: Uint8Array) {
    this.#key = hmacSha256(nodeKey, utf8.encode('glasswing/messenger/reply-path-id'));
  }

  /** A path_id for a reply we wait for. */
  create(random16: Uint8Array): Uint8Array {
    if (random16.length !== 16) throw new MessengerError('messenger.bad_argument', 'a reply path id needs 16 random bytes');
    return concatBytes(random16, this.#tag(utf8.encode('reply'), random16));
  }

  /** Whether `pathId` is one of our awaited-reply ids. */
  isOurs(pathId: Uint8Array): boolean {
    if (pathId.length !== 32) return false;
    return equalBytes(pathId.subarray(16), this.#tag(utf8.encode('reply'), pathId.subarray(0, 16)));
  }

  /** A path_id carrying `context` (at most MAX_CONTEXT_BYTES), authenticated. */
  withContext(context: Uint8Array): Uint8Array {
    if (context.length > MAX_CONTEXT_BYTES) throw new MessengerError('messenger.bad_argument', `a reply context is at most ${MAX_CONTEXT_BYTES} bytes`);
    return concatBytes(CONTEXT_VERSION, context, this.#tag(utf8.encode('context'), context));
  }

  /** The context a path_id of ours carries, or undefined when it is not one (or its tag is wrong). */
  contextOf(pathId: Uint8Array): Uint8Array | undefined {
    if (pathId.length < 17 || pathId[0] !== CONTEXT_VERSION[0] || pathId.length > 17 + MAX_CONTEXT_BYTES) return undefined;
    const context = pathId.subarray(1, pathId.length - 16);
    return equalBytes(pathId.subarray(pathId.length - 16), this.#tag(utf8.encode('context'), context)) ? context.slice() : undefined;
  }

  #tag(label: Uint8Array, data: Uint8Array): Uint8Array {
    return hmacSha256(this.#key, concatBytes(label, data)).subarray(0, 16);
  }

  destroy(): void {
    zeroize(this.#key);
  }
}

/** The longest context a reply path id carries. */
export const MAX_CONTEXT_BYTES = 64;
const CONTEXT_VERSION = Uint8Array.of(1);

/**
 * When a blinded path's introduction node is ourselves, we are its first hop: decrypt our
 * `encrypted_recipient_data` and start the path at the next node with the next path key
 * (BOLT 4 Route Blinding, reader). Repeats for our own dummy hops. A path that ends at us is
 * `messenger.destination_is_us`; a next hop by short_channel_id that `channelPeer` does not know
 * is `messenger.no_route`.
 */
export function advancePastOurselves(
  path: BlindedPath,
  nodeKey: Uint8Array,
  ourNodeId: Uint8Array,
  channelPeer: (scid: bigint) => Uint8Array | undefined,
): BlindedPath {
  let current = path;
  for (let guard = 0; current.firstNodeId.kind === 'node_id' && equalBytes(current.firstNodeId.nodeId, ourNodeId); guard++) {
    if (current.hops.length <= 1) throw new MessengerError('messenger.destination_is_us', 'the blinded path ends at our own node');
    // Each of our hops costs an ECDH and two point multiplications: as many as one message may
    // make us peel when it arrives (the introduction hop and MAX_DUMMY_HOPS dummy hops).
    if (guard > MAX_DUMMY_HOPS) {
      throw new MessengerError('messenger.bad_destination', `the blinded path visits our own node more than ${MAX_DUMMY_HOPS + 1} times`);
    }
    let processed;
    try {
      processed = processBlindedHop({ privateKey: nodeKey, pathKey: current.firstPathKey, encryptedRecipientData: current.hops[0]!.encryptedRecipientData });
    } catch (e) {
      throw new MessengerError('messenger.bad_destination', `we are the introduction node but cannot read our hop: ${isGlasswingError(e) ? e.message : 'malformed'}`);
    }
    zeroize(processed.sharedSecret);
    const { data } = processed;
    if (data.pathId !== undefined) throw new MessengerError('messenger.destination_is_us', 'the blinded path ends at our own node');
    let next: Uint8Array | undefined = data.nextNodeId;
    if (next === undefined && data.shortChannelId !== undefined) {
      next = channelPeer(data.shortChannelId);
      if (!next) throw new MessengerError('messenger.no_route', `the blinded path continues over short_channel_id ${data.shortChannelId}, which is none of our channels`);
    }
    if (next === undefined) throw new MessengerError('messenger.destination_is_us', 'the blinded path ends at our own node');
    current = { firstNodeId: { kind: 'node_id', nodeId: next }, firstPathKey: processed.nextPathKey, hops: current.hops.slice(1) };
  }
  return current;
}

/** Hex of a path id, for maps. */
export function pathIdKey(pathId: Uint8Array): string {
  return toHex(pathId);
}
