/**
 * Everything that happens on a peer connection after the BOLT 8 handshake, as a sans-I/O state
 * machine: the `init` exchange and feature negotiation, the `networks` check, ping/pong
 * keepalive, and the BOLT 1 rules for errors, warnings and unknown messages. It is fed decoded
 * plaintext and the time, and returns actions; the connection adapter carries them out.
 */
import type { MessageWire } from '../wire';
import { FeatureVector, MESSAGE_TYPES, decodeMessage, isAllZeroChannelId, peekMessageType, type FeatureDefinition, type Init, type Message } from '../wire';
import { PING_NO_PONG_THRESHOLD } from '../wire/messages-setup';
import { equalBytes, toHex, utf8 } from '../crypto';
import { isGlasswingError } from '../errors';
import { TokenBucket } from '../token-bucket';
import { PeerError } from './errors';

export type PeerAction =
  /** Send this message to the peer. */
  | { readonly kind: 'send'; readonly message: Message }
  /** The init exchange completed; upper layers may talk to this peer. */
  | { readonly kind: 'ready'; readonly remoteInit: Init; readonly features: FeatureVector }
  /** A message for upper layers (channels, onion messages, ...). */
  | { readonly kind: 'deliver'; readonly message: Message; readonly size: number }
  /** A message was decoded (for traffic accounting; every received message produces one). */
  | { readonly kind: 'received'; readonly message: Message | null; readonly typeNumber: number; readonly size: number }
  /** A whole message we could not use and drop without closing (see `receive`). */
  | { readonly kind: 'malformed'; readonly typeNumber: number; readonly size: number; readonly code: string; readonly reason: string }
  /** Our ping was answered. */
  | { readonly kind: 'pong'; readonly rttMs: number }
  /** The peer sent `error` or `warning`. */
  | { readonly kind: 'remote_error'; readonly level: 'error' | 'warning'; readonly channelId: Uint8Array; readonly text: string }
  /** Close the connection (after sending `notify`, if any). */
  | { readonly kind: 'disconnect'; readonly error: PeerError; readonly notify?: Message };

export interface PeerSessionOptions {
  /** Our `init`. */
  readonly localInit: Init;
  /** Features we implement: a peer requiring any other even bit is refused (BOLT 1). */
  readonly knownFeatures: readonly FeatureDefinition[];
  /** Chains we are on (`networks`): a peer on none of them is refused. */
  readonly chainHashes: readonly Uint8Array[];
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly initTimeoutMs: number;
  /** How many of the peer's pings we answer (`DEFAULT_PING_LIMITS` when absent). */
  readonly pingLimits?: PingLimits;
  /** The message codecs (which async payments numbers the wire carries: core/wire `messageWire`); default LDK's. */
  readonly wire?: MessageWire;
}

/**
 * How many pong bytes we build for the peer. BOLT 1 (ping/pong rationale): "Limited precautions
 * are recommended against `ping` flooding". A pong may ask for 65,531 bytes we build and encrypt,
 * so the bucket counts pong bytes: small pongs (keepalives — LDK pings every 10 s and again after
 * every 32 messages it sends, and stalls until answered) are always answered; large ones come out
 * of a byte bucket, and a peer that keeps asking past it is warned and disconnected.
 */
export interface PingLimits {
  /** Pongs of at most this many bytes are always answered and cost nothing. */
  readonly freePongBytes: number;
  /** Pong bytes answered in a burst ... */
  readonly burstBytes: number;
  /** ... then this many more per second. */
  readonly refillBytesPerSecond: number;
  /** Ignored pings within `floodWindowMs` that close the connection with `peer.ping_flood`. */
  readonly maxIgnored: number;
  readonly floodWindowMs: number;
}

/** Defaults: keepalives free, twenty 64 KiB pongs at once, then about one such pong per 10 s. */
export const DEFAULT_PING_LIMITS: PingLimits = Object.freeze({
  freePongBytes: 1024, burstBytes: 20 * 65_536, refillBytesPerSecond: 6_554, maxIgnored: 50, floodWindowMs: 60_000,
});

type Phase = 'awaiting_init' | 'ready' | 'closed';

/**
 * How many bytes of a peer's `error`/`warning` data we show. The field may hold up to ~65 KB and
 * every one becomes an event kept in history, so a flood of long warnings must not become a flood
 * of memory.
 */
export const MAX_SHOWN_ERROR_BYTES = 512;

/**
 * Text for an `error`/`warning` data field: printable ASCII as is, anything else as hex; at most
 * `MAX_SHOWN_ERROR_BYTES` of it, followed by "… (N bytes)" when cut.
 */
export function describeErrorData(data: Uint8Array): string {
  const shown = data.length > MAX_SHOWN_ERROR_BYTES ? data.subarray(0, MAX_SHOWN_ERROR_BYTES) : data;
  const suffix = shown.length < data.length ? `… (${data.length} bytes)` : '';
  try {
    const s = utf8.decode(shown);
    if (/^[\x20-\x7e\t\n\r]*$/.test(s)) return s + suffix;
  } catch {
    /* not UTF-8 */
  }
  return `hex:${toHex(shown)}${suffix}`;
}

/** How many items of a peer-chosen list (feature bits, ...) a reason or warning names. */
export const MAX_LISTED_ITEMS = 16;

/** "a, b, c" — at most `max` items, then "… and N more". */
export function listSome(items: readonly (string | number)[], max = MAX_LISTED_ITEMS): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown}, … and ${items.length - max} more` : shown;
}

function warning(text: string): Message {
  return { type: 'warning', channelId: new Uint8Array(32), data: utf8.encode(text) };
}

export class PeerSession {
  readonly #opts: PeerSessionOptions;
  #phase: Phase = 'awaiting_init';
  #startedAt = 0;
  #lastActivity = 0;
  /** The outstanding ping: when it was sent and how many pong bytes we asked for. */
  #ping: { sentAt: number; numPongBytes: number } | undefined;
  #remoteFeatures: FeatureVector = FeatureVector.EMPTY;
  readonly #pingLimits: PingLimits;
  /** Pong bytes we may still build (past the free keepalive size). */
  #pongBytes: TokenBucket;
  /** Pings ignored in the current flood window. */
  #ignoredPings = { since: 0, count: 0 };

  constructor(opts: PeerSessionOptions) {
    this.#opts = opts;
    this.#pingLimits = opts.pingLimits ?? DEFAULT_PING_LIMITS;
    this.#pongBytes = new TokenBucket(this.#pingLimits.refillBytesPerSecond, this.#pingLimits.burstBytes, 0);
  }

  get isReady(): boolean {
    return this.#phase === 'ready';
  }

  get remoteFeatures(): FeatureVector {
    return this.#remoteFeatures;
  }

  /** BOLT 1: each side sends `init` first, right after the handshake. */
  start(now: number): PeerAction[] {
    this.#startedAt = now;
    this.#lastActivity = now;
    this.#pongBytes = new TokenBucket(this.#pingLimits.refillBytesPerSecond, this.#pingLimits.burstBytes, now);
    return [{ kind: 'send', message: this.#opts.localInit }];
  }

  /** A decrypted message from the peer. */
  receive(plaintext: Uint8Array, now: number): PeerAction[] {
    if (this.#phase === 'closed') return [];
    this.#lastActivity = now;
    let typeNumber = -1;
    let message: Message;
    try {
      typeNumber = peekMessageType(plaintext);
      message = this.#opts.wire ? this.#opts.wire.decode(plaintext) : decodeMessage(plaintext);
    } catch (e) {
      const accounted: PeerAction = { kind: 'received', message: null, typeNumber, size: plaintext.length };
      if (isGlasswingError(e, 'wire.unknown_even_message')) {
        // BOLT 1: "upon receiving a message of even, unknown type: MUST close the connection".
        return [accounted, this.#close('peer.unknown_even_message', e.message, warning(`unknown even message type ${typeNumber}`))];
      }
      const why = isGlasswingError(e) ? e.message : 'malformed message';
      // BOLT 1 closes the connection for a message too short for its contents or with an invalid
      // extension. An onion_message whose fields are whole but invalid (e.g. a path_key that is
      // not a point) is different: onion messages are unreliable by design, so it is dropped with
      // a reason and the connection stays up.
      const lengthOrExtension = isGlasswingError(e, 'wire.eof') || (isGlasswingError(e) && e.code.startsWith('wire.tlv'));
      if (typeNumber === MESSAGE_TYPES.onion_message && this.#phase === 'ready' && !lengthOrExtension) {
        return [accounted, { kind: 'malformed', typeNumber, size: plaintext.length, code: isGlasswingError(e) ? e.code : 'wire.bad_value', reason: why }];
      }
      // BOLT 1: a malformed message — send a warning and close the connection.
      return [accounted, this.#close('peer.malformed_message', `malformed message of type ${typeNumber}: ${why}`, warning(`malformed message: ${why}`))];
    }
    const actions: PeerAction[] = [{ kind: 'received', message, typeNumber, size: plaintext.length }];
    if (this.#phase === 'awaiting_init') {
      // BOLT 1: "The first message MUST be init" — anything else before it is a violation.
      if (message.type !== 'init') {
        actions.push(this.#close('peer.first_message_not_init', `the first message was ${message.type === 'unknown' ? `type ${message.typeNumber}` : message.type}, not init`));
        return actions;
      }
      actions.push(...this.#onInit(message));
      return actions;
    }
    switch (message.type) {
      case 'init':
        // A second init is not allowed on the same connection.
        actions.push(this.#close('peer.malformed_message', 'received init twice', warning('init received twice')));
        return actions;
      case 'ping':
        // BOLT 1: if num_pong_bytes < 65532, MUST respond with a pong of that many ignored bytes;
        // otherwise MUST ignore the ping.
        if (message.numPongBytes >= PING_NO_PONG_THRESHOLD) return actions;
        // BOLT 1 rationale: "Limited precautions are recommended against ping flooding".
        if (!this.#takePongBytes(message.numPongBytes, now)) {
          if (this.#pingIgnored(now)) {
            actions.push(this.#close('peer.ping_flood', `more than ${this.#pingLimits.maxIgnored} pings over the rate limit within ${this.#pingLimits.floodWindowMs} ms`,
              warning('too many pings')));
          }
          return actions;
        }
        actions.push({ kind: 'send', message: { type: 'pong', ignored: new Uint8Array(message.numPongBytes) } });
        return actions;
      case 'pong': {
        const ping = this.#ping;
        // BOLT 1: a pong that does not answer a ping we sent (or has the wrong length) is ignored.
        if (ping && message.ignored.length === ping.numPongBytes) {
          this.#ping = undefined;
          actions.push({ kind: 'pong', rttMs: Math.max(0, now - ping.sentAt) });
        }
        return actions;
      }
      case 'error':
      case 'warning':
        actions.push({ kind: 'remote_error', level: message.type, channelId: message.channelId, text: describeErrorData(message.data) });
        // BOLT 1: an `error` for all channels (channel_id zero) ends our relationship with the peer;
        // the sender closes the connection after it, we close it too.
        if (message.type === 'error' && isAllZeroChannelId(message.channelId)) {
          actions.push(this.#close('peer.remote_error', `the peer sent an error: ${describeErrorData(message.data)}`));
        }
        return actions;
      case 'unknown':
        // BOLT 1: "upon receiving a message of odd, unknown type: MUST ignore the received message".
        return actions;
      default:
        actions.push({ kind: 'deliver', message, size: plaintext.length });
        return actions;
    }
  }

  #takePongBytes(n: number, now: number): boolean {
    return n <= this.#pingLimits.freePongBytes || this.#pongBytes.take(now, n);
  }

  /**
   * Counts a ping we did not answer (over the rate, or its pong could not be sent yet); true when
   * the peer has now sent too many of them and the connection should close.
   */
  #pingIgnored(now: number): boolean {
    if (now - this.#ignoredPings.since >= this.#pingLimits.floodWindowMs) this.#ignoredPings = { since: now, count: 0 };
    this.#ignoredPings.count++;
    return this.#ignoredPings.count > this.#pingLimits.maxIgnored;
  }

  /**
   * The connection could not take a pong we asked to send (the previous one is still unsent):
   * counted like a ping over the rate. Returns a disconnect when that makes a flood.
   */
  pongNotSent(now: number): PeerAction[] {
    if (this.#phase !== 'ready' || !this.#pingIgnored(now)) return [];
    return [this.#close('peer.ping_flood', `more than ${this.#pingLimits.maxIgnored} pings not answered within ${this.#pingLimits.floodWindowMs} ms`, warning('too many pings'))];
  }

  /** Time passes: init timeout, keepalive pings, ping timeout. */
  tick(now: number): PeerAction[] {
    if (this.#phase === 'awaiting_init') {
      if (now - this.#startedAt >= this.#opts.initTimeoutMs) {
        return [this.#close('peer.init_timeout', `no init within ${this.#opts.initTimeoutMs} ms`)];
      }
      return [];
    }
    if (this.#phase !== 'ready') return [];
    if (this.#ping && now - this.#ping.sentAt >= this.#opts.pingTimeoutMs) {
      return [this.#close('peer.ping_timeout', `no pong within ${this.#opts.pingTimeoutMs} ms`)];
    }
    if (!this.#ping && now - this.#lastActivity >= this.#opts.pingIntervalMs) return this.ping(0, now);
    return [];
  }

  /**
   * Sends a ping unless one is outstanding (then nothing is sent and the caller waits for the
   * outstanding pong). BOLT 1 asks for at most one ping per 30 s on average; keepalive respects
   * that, and explicit pings are user-driven.
   */
  ping(numPongBytes: number, now: number): PeerAction[] {
    if (this.#phase !== 'ready' || this.#ping) return [];
    this.#ping = { sentAt: now, numPongBytes };
    return [{ kind: 'send', message: { type: 'ping', numPongBytes, ignored: new Uint8Array(0) } }];
  }

  get pingOutstanding(): boolean {
    return this.#ping !== undefined;
  }

  /** We decided to close (shutdown, replacement, ...). */
  close(): void {
    this.#phase = 'closed';
  }

  #onInit(init: Init): PeerAction[] {
    const features = FeatureVector.mergeInit(init.globalFeatures, init.features);
    // BOLT 1: unknown even (required) feature bits → MUST close the connection.
    const unknown = features.unknownRequiredBits(this.#opts.knownFeatures);
    if (unknown.length > 0) {
      const bits = listSome(unknown);
      return [this.#close('peer.unknown_required_features', `the peer requires feature bits we do not support: ${bits}`,
        warning(`unsupported required features: ${bits}`))];
    }
    // BOLT 1: "if the feature vector does not set all known, transitive dependencies: MUST close".
    const missing = features.missingDependencies(this.#opts.knownFeatures);
    if (missing.length > 0) {
      const text = listSome(missing.map((m) => `${m.feature} needs ${m.missing}`));
      return [this.#close('peer.missing_feature_dependencies', `the peer's features miss dependencies: ${text}`, warning(`missing feature dependencies: ${text}`))];
    }
    // BOLT 1 networks: if they list chains and none is ours, MAY close the connection.
    const networks = init.tlvs?.networks;
    if (networks && networks.length > 0 && !networks.some((n) => this.#opts.chainHashes.some((c) => equalBytes(c, n)))) {
      return [this.#close('peer.incompatible_network', 'the peer is on none of our chains', warning('no chain in common'))];
    }
    this.#remoteFeatures = features;
    this.#phase = 'ready';
    return [{ kind: 'ready', remoteInit: init, features }];
  }

  #close(code: string, reason: string, notify?: Message): PeerAction {
    this.#phase = 'closed';
    return { kind: 'disconnect', error: new PeerError(code, reason), ...(notify ? { notify } : {}) };
  }
}
