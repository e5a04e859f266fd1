/**
 * Onion messages end to end (BOLT 4 Onion Messages + Route Blinding): joining a sender-built
 * prefix to a blinded path, building the `onion_message_packet`, and peeling one at a hop with
 * the reader's rules applied. Pure functions; the messenger decides what to do with the result.
 */
import { equalBytes, publicKeyFromPrivate } from '../crypto';
import type { BlindedPath, SciddirOrPubkey, TlvRecord } from '../wire';
import { LIMITS } from '../wire';
import type { ProcessedBlindedHop } from './blinding';
import { createBlindedPath, processBlindedHop } from './blinding';
import type { EncryptedDataTlv } from './encrypted-data';
import { PACKET_OVERHEAD } from './constants';
import { OnionError, OnionSemanticError, wrapError } from './errors';
import type { OnionMessagePayload } from './message-payload';
import { decodeOnionMessagePayload, encodeOnionMessagePayload } from './message-payload';
import type { OnionHop, OnionPacket } from './packet';
import { chooseMessagePayloadSize, createOnionPacket, peelOnionPacket } from './packet';

export interface JoinBlindedPathOptions {
  /** e_0 for the sender's own blinded prefix. Secret. */
  readonly sessionKey: Uint8Array;
  /** Node ids from the sender's first peer up to (not including) the introduction node. */
  readonly intermediateNodeIds: readonly Uint8Array[];
  /** The recipient's blinded path. */
  readonly path: BlindedPath;
}

/**
 * BOLT 4 reader of a `blinded_path`, for onion messages: blinds the sender's own hops up to the
 * introduction node and sets `next_path_key_override` in the last of them to the path's
 * `first_path_key`, so the result is one blinded path starting at the sender's first peer.
 * With an introduction node given as a `short_channel_id`, the last prefix hop is told that
 * channel (it must be one of its ends).
 */
export function joinBlindedPath(opts: JoinBlindedPathOptions): BlindedPath {
  const { intermediateNodeIds: ids, path } = opts;
  if (ids.length === 0) return path;
  const toIntroduction: EncryptedDataTlv =
    path.firstNodeId.kind === 'node_id'
      ? { nextNodeId: path.firstNodeId.nodeId, nextPathKeyOverride: path.firstPathKey }
      : { shortChannelId: path.firstNodeId.shortChannelId, nextPathKeyOverride: path.firstPathKey };
  const prefix = createBlindedPath({
    sessionKey: opts.sessionKey,
    hops: ids.map((nodeId, i) => ({ nodeId, data: i < ids.length - 1 ? { nextNodeId: ids[i + 1]! } : toIntroduction })),
  });
  return { firstNodeId: prefix.path.firstNodeId, firstPathKey: prefix.path.firstPathKey, hops: [...prefix.path.hops, ...path.hops] };
}

/** What the final hop receives, besides the `encrypted_recipient_data` the path supplies. */
export interface OnionMessageContents {
  readonly replyPath?: BlindedPath;
  /** The message: records of type >= 64 (e.g. invoice_request = 64). */
  readonly messageRecords?: readonly TlvRecord[];
  /** Other odd records for the final hop. */
  readonly unknownRecords?: readonly TlvRecord[];
}

export interface CreateOnionMessageOptions {
  /** The onion's session key. Secret. */
  readonly sessionKey: Uint8Array;
  /** A blinded path that starts at the peer we send to (see joinBlindedPath). */
  readonly path: BlindedPath;
  readonly contents: OnionMessageContents;
  /** 1,300 or 32,768; by default the smaller one that fits. */
  readonly payloadSize?: number;
}

export interface CreatedOnionMessage {
  /** The peer to send the `onion_message` to. */
  readonly firstNodeId: SciddirOrPubkey;
  /** The `path_key` field of the `onion_message`. */
  readonly pathKey: Uint8Array;
  readonly packet: OnionPacket;
}

/**
 * BOLT 4 Onion Messages, writer: one layer per blinded hop; non-final hops carry only their
 * `encrypted_recipient_data`, the final hop also the contents. No associated data.
 */
export function createOnionMessage(opts: CreateOnionMessageOptions): CreatedOnionMessage {
  const { path, contents } = opts;
  if (path.hops.length === 0) throw new OnionError('onion.bad_argument', 'the blinded path has no hops');
  const last = path.hops.length - 1;
  const hops: OnionHop[] = path.hops.map((h, i) => ({
    nodeId: h.blindedNodeId,
    payload: encodeOnionMessagePayload(
      i < last ? { encryptedRecipientData: h.encryptedRecipientData } : { ...contents, encryptedRecipientData: h.encryptedRecipientData },
    ),
  }));
  const payloadSize = opts.payloadSize ?? chooseMessagePayloadSize(hops);
  // BOLT 4: "MUST NOT use any associated_data in the Sphinx construction."
  const { packet } = createOnionPacket({ sessionKey: opts.sessionKey, hops, payloadSize });
  return { firstNodeId: path.firstNodeId, pathKey: path.firstPathKey, packet };
}

/** The outcome of peeling an onion message at our node. */
export type OnionMessageAction =
  | {
      readonly kind: 'forward';
      /** The next peer: by node id, or the other end of a channel. */
      readonly next: { readonly nodeId: Uint8Array } | { readonly shortChannelId: bigint };
      /** The `path_key` of the `onion_message` to send. */
      readonly pathKey: Uint8Array;
      readonly packet: OnionPacket;
      readonly encryptedData: EncryptedDataTlv;
    }
  | {
      readonly kind: 'receive';
      /** The final hop's `onionmsg_tlv` (reply path and message records). */
      readonly payload: OnionMessagePayload;
      /** Our `encrypted_data_tlv` for this path (check its `pathId`). */
      readonly encryptedData: EncryptedDataTlv;
      /** How many of our own dummy hops were peeled on the way. */
      readonly dummyHopsPeeled: number;
    };

export interface PeelOnionMessageOptions {
  readonly packet: OnionPacket | Uint8Array;
  /** The `path_key` from the `onion_message`. */
  readonly pathKey: Uint8Array;
  /** Our node private key. Secret. */
  readonly privateKey: Uint8Array;
  /** Our node id, if known (saves deriving it when a hop forwards to ourselves). */
  readonly ourNodeId?: Uint8Array;
  /**
   * Bound on consecutive hops addressed to ourselves (dummy hops) peeled after the first layer;
   * default `LIMITS.selfHops`, the messenger's MAX_DUMMY_HOPS (core/wire/limits.ts).
   */
  readonly maxSelfHops?: number;
  /** The longest reply path read (default `LIMITS.blindedPathHops`; see decodeOnionMessagePayload). */
  readonly maxReplyPathHops?: number;
  /**
   * Called before each layer is peeled (the first, then each hop addressed to ourselves) with
   * the size of its packet's `hop_payloads`: the work to count against whoever sent the message,
   * reported even when a later step throws.
   */
  readonly onLayer?: (payloadBytes: number) => void;
}

/**
 * BOLT 4 Onion Messages, reader: peel the layer with the path key, decrypt the hop's
 * `encrypted_recipient_data`, and apply the reader's rules. A hop that forwards to ourselves
 * (a dummy hop of a path we made) is peeled again here. Violations are OnionSemanticError;
 * the spec's answer to all of them is "MUST ignore the message".
 */
export function peelOnionMessage(opts: PeelOnionMessageOptions): OnionMessageAction {
  let packet = opts.packet;
  let pathKey = opts.pathKey;
  let ourNodeId = opts.ourNodeId;
  const maxSelfHops = opts.maxSelfHops ?? LIMITS.selfHops;
  const payloadOptions = opts.maxReplyPathHops !== undefined ? { maxReplyPathHops: opts.maxReplyPathHops } : {};
  for (let selfHops = 0; ; selfHops++) {
    opts.onLayer?.(packet instanceof Uint8Array ? Math.max(0, packet.length - PACKET_OVERHEAD) : packet.hopPayloads.length);
    const peeled = peelOnionPacket({ packet, privateKey: opts.privateKey, pathKey, kind: 'message' });
    const payload = decodeOnionMessagePayload(peeled.payload, payloadOptions);
    if (payload.encryptedRecipientData === undefined) {
      throw new OnionSemanticError('onion.missing_field', 'onionmsg_tlv has no encrypted_recipient_data');
    }
    const blinded = processBlindedHop({
      sharedSecret: peeled.pathKeySharedSecret!,
      pathKey,
      encryptedRecipientData: payload.encryptedRecipientData,
    });
    checkAllowedFeatures(blinded.data);
    if (peeled.next === null) {
      // Final node: "if the onionmsg_tlv contains more than one payload field: MUST ignore the message".
      if ((payload.messageRecords?.length ?? 0) > 1) {
        throw new OnionSemanticError('onion.unexpected_field', 'onionmsg_tlv carries more than one message');
      }
      return { kind: 'receive', payload, encryptedData: blinded.data, dummyHopsPeeled: selfHops };
    }
    // Not the final node: only encrypted_recipient_data, no path_id, and a next hop.
    if (payload.replyPath || payload.messageRecords || payload.unknownRecords) {
      throw new OnionSemanticError('onion.unexpected_field', 'a forwarded onionmsg_tlv may only hold encrypted_recipient_data');
    }
    const next = nextHop(blinded);
    if ('nodeId' in next) {
      ourNodeId ??= derivePublicKey(opts.privateKey);
      if (equalBytes(next.nodeId, ourNodeId)) {
        if (selfHops + 1 > maxSelfHops) throw new OnionSemanticError('onion.unexpected_field', 'too many hops addressed to ourselves');
        packet = peeled.next.packet;
        pathKey = blinded.nextPathKey;
        continue;
      }
    }
    return { kind: 'forward', next, pathKey: blinded.nextPathKey, packet: peeled.next.packet, encryptedData: blinded.data };
  }
}

function nextHop(blinded: ProcessedBlindedHop): { nodeId: Uint8Array } | { shortChannelId: bigint } {
  const { data } = blinded;
  if (data.pathId !== undefined) throw new OnionSemanticError('onion.unexpected_field', 'a forwarding hop has a path_id');
  if (data.nextNodeId !== undefined) return { nodeId: data.nextNodeId };
  if (data.shortChannelId !== undefined) return { shortChannelId: data.shortChannelId };
  throw new OnionSemanticError('onion.missing_field', 'encrypted_data_tlv names no next hop');
}

/** BOLT 4: allowed_features with any bit we do not know (we know none yet) makes the hop fail. */
export function checkAllowedFeatures(data: EncryptedDataTlv): void {
  if (data.allowedFeatures?.some((b) => b !== 0)) {
    throw new OnionSemanticError('onion.unknown_feature', 'encrypted_data_tlv.allowed_features has a bit we do not know');
  }
}

function derivePublicKey(privateKey: Uint8Array): Uint8Array {
  try {
    return publicKeyFromPrivate(privateKey);
  } catch (e) {
    throw wrapError(OnionError, 'onion.bad_argument', 'node key', e);
  }
}
