/**
 * The PeerManager: listens for and dials peers over node:net, authenticates them with BOLT 8,
 * runs a PeerSession per connection, keeps at most one connection per node id (the newest
 * wins), reconnects to peers marked for it with exponential backoff, and reports everything on
 * the event bus. Upper layers register message handlers and send through it. A saved peer that
 * never answered is dialled a bounded number of times (core/peer/reconnect.ts), then left alone
 * with the reason; `savedPeers()` tells where each saved peer stands.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { encodeMessage, messageTypeName, type FeatureDefinition, type FeatureVector, type Init, type Message, type MessageWire } from '../../wire';
import { fromHex, toHex } from '../../crypto';
import type { GlasswingError } from '../../errors';
import type { PeerEventBody } from '../../peer/events';
import type { PeerInfo, ReconnectState, SavedPeerInfo } from '../../peer/types';
import type { AddressBook } from '../../peer/ports';
import type { MalformedMessage, Peer } from '../../peer/peer';
import { PeerSession, type PeerAction } from '../../peer/peer-session';
import { PeerError } from '../../peer/errors';
import { formatHostPort, parsePeerAddress } from '../../peer/address';
import { DEFAULT_BACKOFF, backoffDelay, type BackoffPolicy } from '../../peer/backoff';
import { DEFAULT_RECONNECT_POLICY, afterFailedAttempt } from '../../peer/reconnect';
import { featureInfos } from '../../peer/feature-info';
import { DEFAULT_INBOUND_LIMITS, FailureReportThrottle, InboundLimiter, addressKey, type InboundLimits } from '../../peer/inbound-limits';
import type { Clock, Timer } from '../clock';
import { Connection, type WriteCallback } from './connection';

export type { MalformedMessage, Peer } from '../../peer/peer';

export interface PeerManagerOptions {
  /** The message codecs of our wire (async payments numbers: core/wire `messageWire`); default LDK's. */
  readonly wire?: MessageWire;
  readonly nodeKey: Uint8Array;
  /** Hex of our node id. */
  readonly nodeId: string;
  readonly localInit: Init;
  readonly knownFeatures: readonly FeatureDefinition[];
  readonly chainHashes: readonly Uint8Array[];
  readonly addressBook: AddressBook;
  readonly publish: (event: PeerEventBody) => void;
  /** The node's clock: the time, and every timer (ticks, reconnects, connect and ping timeouts). */
  readonly clock: Clock;
  readonly random?: () => number;
  readonly handshakeTimeoutMs?: number;
  readonly initTimeoutMs?: number;
  readonly pingIntervalMs?: number;
  readonly pingTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  readonly maxQueuedBytes?: number;
  readonly backoff?: BackoffPolicy;
  /** Failed attempts in a row after which a peer that never answered is not retried (default 8). */
  readonly maxAttemptsNeverSeen?: number;
  /** Per-address limits on inbound connections (`DEFAULT_INBOUND_LIMITS`: 4 in the handshake, 2/s, burst 10). */
  readonly inboundLimits?: Partial<InboundLimits>;
  /** How often sessions are ticked (keepalive, timeouts). */
  readonly tickMs?: number;
  /**
   * Message type numbers whose arrival the layer that handles them reports itself (the messenger:
   * `onion.received`, or a throttled drop report that counts them), so the peer layer publishes no
   * `wire.message` for them: one event per wire message, not two. The peer counters count them all.
   */
  readonly reportedInbound?: readonly number[];
}

/** Inbound connections that cost us nothing visible: refused by the limits, or failed unnamed. */
export interface InboundStats {
  /** Refused before the handshake: too many handshakes from the address at once. */
  readonly refusedTooManyHandshakes: number;
  /** Refused before the handshake: the address opened connections too fast. */
  readonly refusedRateLimited: number;
  /** Failures of connections that never named a node id, not published (one per address and code per minute is). */
  readonly unreportedHandshakeFailures: number;
}

export type MessageHandler = (peer: Peer, message: Message) => void;

/** Reconnecting to one saved peer, this run. */
interface ReconnectEntry {
  timer: Timer | null;
  /** Failed attempts in a row (reset when it connects, or when the user connects again). */
  failures: number;
  /** The attempt the timer will make (1-based). */
  attempt: number;
  nextAt: number | null;
  lastError: { readonly code: string; readonly message: string; readonly at: number } | null;
}

interface Live {
  readonly connection: Connection;
  readonly session: PeerSession;
  nodeId: string | null;
  peer: Peer | null;
  readonly address: string;
  /** Inbound: the key its address is limited under, while it counts as handshaking. */
  limitKey?: string;
  /** Resolves a pending connect() call. */
  onReady?: (peer: Peer) => void;
  onFail?: (e: GlasswingError) => void;
  pingWaiters: ((r: number | GlasswingError) => void)[];
  /** A pong we sent has not reached the socket yet: another ping is not answered meanwhile. */
  pongUnsent?: boolean;
}

export class PeerManager {
  readonly #opts: Required<Omit<PeerManagerOptions, 'backoff' | 'inboundLimits' | 'maxAttemptsNeverSeen' | 'wire' | 'reportedInbound'>> & { wire?: MessageWire } & { backoff: BackoffPolicy; maxAttemptsNeverSeen: number };
  /** `reportedInbound`: no `wire.message` in for these type numbers. */
  readonly #reportedInbound: ReadonlySet<number>;
  readonly #inboundLimiter: InboundLimiter;
  readonly #failureReports = new FailureReportThrottle();
  #refusedTooManyHandshakes = 0;
  #refusedRateLimited = 0;
  readonly #live = new Set<Live>();
  readonly #byNode = new Map<string, Live>();
  readonly #handlers = new Set<MessageHandler>();
  readonly #readyHandlers = new Set<(peer: Peer) => void>();
  readonly #malformedHandlers = new Set<(peer: Peer, info: MalformedMessage) => void>();
  readonly #closeHandlers = new Set<(peer: Peer, error: GlasswingError) => void>();
  readonly #reconnect = new Map<string, ReconnectEntry>();
  /** Node ids we are dialling now (TCP connect, handshake, init). */
  readonly #dialing = new Set<string>();
  readonly #servers: Server[] = [];
  readonly #ticker: Timer;
  #closing = false;

  constructor(opts: PeerManagerOptions) {
    this.#opts = {
      random: Math.random,
      // Short: a connection from an address counts against its handshake limit until it completes.
      handshakeTimeoutMs: 5_000,
      initTimeoutMs: 10_000,
      // BOLT 1 suggests at most one ping per 30 s; we ping only after 30 s of silence.
      pingIntervalMs: 30_000,
      pingTimeoutMs: 20_000,
      connectTimeoutMs: 10_000,
      maxQueuedBytes: 4 * 1024 * 1024,
      tickMs: 1_000,
      ...opts,
      backoff: opts.backoff ?? DEFAULT_BACKOFF,
      maxAttemptsNeverSeen: opts.maxAttemptsNeverSeen ?? DEFAULT_RECONNECT_POLICY.maxAttemptsNeverSeen,
    };
    this.#reportedInbound = new Set(opts.reportedInbound ?? []);
    this.#inboundLimiter = new InboundLimiter({ ...DEFAULT_INBOUND_LIMITS, ...opts.inboundLimits });
    this.#ticker = this.#opts.clock.interval('peer.tick', this.#opts.tickMs, () => this.#tick());
  }

  // ----- upper-layer hooks -------------------------------------------------------------------

  onMessage(handler: MessageHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Whole messages of a known type that did not decode and were dropped without closing. */
  onMalformedMessage(handler: (peer: Peer, info: MalformedMessage) => void): () => void {
    this.#malformedHandlers.add(handler);
    return () => this.#malformedHandlers.delete(handler);
  }

  onPeerReady(handler: (peer: Peer) => void): () => void {
    this.#readyHandlers.add(handler);
    return () => this.#readyHandlers.delete(handler);
  }

  onPeerClosed(handler: (peer: Peer, error: GlasswingError) => void): () => void {
    this.#closeHandlers.add(handler);
    return () => this.#closeHandlers.delete(handler);
  }

  // ----- listening and dialing ---------------------------------------------------------------

  async listen(host: string, port: number): Promise<string> {
    const server = createServer((socket) => this.#acceptInbound(socket));
    server.maxConnections = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new PeerError('peer.listen_failed', `cannot listen on ${formatHostPort(host, port)}: ${e.code ?? e.message}`)));
      server.listen(port, host, () => resolve());
    });
    server.on('error', () => undefined);
    this.#servers.push(server);
    const addr = server.address() as AddressInfo;
    return formatHostPort(addr.address, addr.port);
  }

  /**
   * Moves the listener to `host:port`: the new one is opened first, and only when that works are
   * the old ones closed (existing connections stay up). Returns the new "host:port".
   */
  async replaceListener(host: string, port: number): Promise<string> {
    const old = this.#servers.splice(0);
    try {
      const address = await this.listen(host, port);
      await Promise.all(old.map((s) => new Promise<void>((r) => s.close(() => r()))));
      return address;
    } catch (e) {
      this.#servers.unshift(...old);
      throw e;
    }
  }

  /** Stops accepting new peers (existing connections stay up). */
  async stopListening(): Promise<void> {
    await Promise.all(this.#servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
  }

  /** Dials `nodeid@host:port`; resolves once the init exchange completes. */
  connect(addressText: string, opts: { reconnect?: boolean } = {}): Promise<Peer> {
    const { nodeId, host, port } = parsePeerAddress(addressText);
    if (nodeId === this.#opts.nodeId) return Promise.reject(new PeerError('peer.self_connection', 'that is our own node id'));
    const address = formatHostPort(host, port);
    this.#opts.addressBook.upsert(nodeId, address, this.#opts.clock.now());
    // The user's choice: it also clears an earlier give-up, and the count of failures starts over.
    if (opts.reconnect !== undefined) this.#opts.addressBook.setReconnect(nodeId, opts.reconnect);
    this.#cancelReconnect(nodeId);
    return this.#dial(nodeId, host, port);
  }

  #dial(nodeId: string, host: string, port: number): Promise<Peer> {
    return new Promise((resolve, reject) => {
      if (this.#closing) return reject(new PeerError('peer.shutting_down', 'the node is stopping'));
      this.#dialing.add(nodeId);
      const address = formatHostPort(host, port);
      const socket = createConnection({ host, port });
      const timer = this.#opts.clock.timeout(`peer.connect_timeout ${address}`, this.#opts.connectTimeoutMs, () => {
        socket.destroy();
        fail(new PeerError('peer.connect_failed', `could not reach ${address} within ${this.#opts.connectTimeoutMs} ms`));
      });
      let settled = false;
      const fail = (e: GlasswingError) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        this.#opts.publish({ type: 'peer.connection_failed', address, nodeId, direction: 'outbound', reason: e.message, code: e.code });
        this.#attemptFailed(nodeId, e);
        reject(e);
      };
      socket.once('error', (e: NodeJS.ErrnoException) => fail(new PeerError('peer.connect_failed', `could not connect to ${address}: ${e.code ?? e.message}`)));
      socket.once('connect', () => {
        timer.cancel();
        socket.removeAllListeners('error');
        const live = this.#accept(socket, nodeId, address);
        live.onReady = (peer) => {
          settled = true;
          resolve(peer);
        };
        live.onFail = (e) => {
          if (settled) return;
          settled = true;
          reject(e);
        };
      });
    });
  }

  /** An inbound socket: refused at once (no cryptography, no event) if its address is over a limit. */
  #acceptInbound(socket: Socket): void {
    const key = addressKey(socket.remoteAddress ?? '?');
    const refusal = this.#inboundLimiter.admit(key, this.#opts.clock.now());
    if (refusal) {
      if (refusal === 'peer.too_many_handshakes') this.#refusedTooManyHandshakes++;
      else this.#refusedRateLimited++;
      socket.on('error', () => undefined);
      socket.destroy();
      const address = formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
      this.#reportUnnamedFailure(key, address, new PeerError(refusal, refusal === 'peer.too_many_handshakes'
        ? `refused: ${this.#inboundLimiter.handshaking(key)} connections from this address are already in the handshake`
        : 'refused: this address opens connections too fast'));
      return;
    }
    this.#accept(socket).limitKey = key;
  }

  /** Publishes a failure of a connection that never named a node id, at most once per address and code per minute. */
  #reportUnnamedFailure(key: string, address: string, error: GlasswingError): void {
    const { report, heldBack } = this.#failureReports.report(key, error.code, this.#opts.clock.now());
    if (!report) return;
    const more = heldBack > 0 ? ` (${heldBack} more like it from this address were not reported)` : '';
    this.#opts.publish({ type: 'peer.connection_failed', address, nodeId: null, direction: 'inbound', reason: error.message + more, code: error.code });
  }

  /** Inbound connections refused by the per-address limits or failed without a node id. */
  inboundStats(): InboundStats {
    return {
      refusedTooManyHandshakes: this.#refusedTooManyHandshakes,
      refusedRateLimited: this.#refusedRateLimited,
      unreportedHandshakeFailures: this.#failureReports.suppressedTotal,
    };
  }

  #accept(socket: Socket, remoteNodeId?: string, dialedAddress?: string): Live {
    const session = new PeerSession({
      localInit: this.#opts.localInit,
      knownFeatures: this.#opts.knownFeatures,
      chainHashes: this.#opts.chainHashes,
      pingIntervalMs: this.#opts.pingIntervalMs,
      pingTimeoutMs: this.#opts.pingTimeoutMs,
      initTimeoutMs: this.#opts.initTimeoutMs,
      ...(this.#opts.wire ? { wire: this.#opts.wire } : {}),
    });
    const address = dialedAddress ?? formatHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? 0);
    const live: Live = { session, nodeId: remoteNodeId ?? null, peer: null, address, pingWaiters: [], connection: undefined as unknown as Connection };
    const connection = new Connection(
      socket,
      {
        localKey: this.#opts.nodeKey,
        ...(remoteNodeId ? { remoteNodeId: fromHex(remoteNodeId) } : {}),
        handshakeTimeoutMs: this.#opts.handshakeTimeoutMs,
        clock: this.#opts.clock,
        maxQueuedBytes: this.#opts.maxQueuedBytes,
      },
      {
        onHandshake: (id) => this.#onHandshake(live, id),
        onMessage: (plaintext) => this.#run(live, session.receive(plaintext, this.#opts.clock.now())),
        onClose: (error) => this.#onClose(live, error),
      },
    );
    (live as { connection: Connection }).connection = connection;
    this.#live.add(live);
    if (this.#closing) connection.destroy(new PeerError('peer.shutting_down', 'the node is stopping'));
    return live;
  }

  #onHandshake(live: Live, nodeId: string): void {
    this.#handshakeEnded(live);
    if (nodeId === this.#opts.nodeId) {
      live.connection.destroy(new PeerError('peer.self_connection', 'the remote node is ourselves'));
      return;
    }
    live.nodeId = nodeId;
    // BOLT 1 "Connection Handling and Multiplexing": a single connection per peer — the newest wins.
    const previous = this.#byNode.get(nodeId);
    this.#byNode.set(nodeId, live);
    if (previous && previous !== live) previous.connection.end(new PeerError('peer.replaced', 'a newer connection to this peer replaced this one'));
    this.#run(live, live.session.start(this.#opts.clock.now()));
  }

  // ----- running session actions -------------------------------------------------------------

  #run(live: Live, actions: PeerAction[]): void {
    for (const action of actions) {
      switch (action.kind) {
        case 'send':
          if (action.message.type === 'pong') this.#sendPong(live, action.message);
          else this.#sendOn(live, action.message);
          break;
        case 'received':
          if (live.peer) live.peer.messagesIn++;
          // A reported type is left to its handler once the peer is ready (before, no handler sees it).
          if (live.nodeId && !(live.peer && this.#reportedInbound.has(action.typeNumber))) {
            this.#opts.publish({
              type: 'wire.message', direction: 'in', nodeId: live.nodeId,
              messageType: action.message && action.message.type !== 'unknown' ? action.message.type : (messageTypeName(action.typeNumber) ?? `unknown_${action.typeNumber}`),
              typeNumber: action.typeNumber, size: action.size,
            });
          }
          break;
        case 'ready':
          this.#onReady(live, action.features);
          break;
        case 'malformed':
          if (live.peer) for (const h of this.#malformedHandlers) this.#safely(() => h(live.peer!, action));
          break;
        case 'deliver':
          if (live.peer) for (const h of this.#handlers) this.#safely(() => h(live.peer!, action.message));
          break;
        case 'pong':
          if (live.peer) {
            live.peer.lastPingRttMs = action.rttMs;
            this.#opts.publish({ type: 'peer.pong', nodeId: live.peer.nodeId, rttMs: action.rttMs });
          }
          for (const w of live.pingWaiters.splice(0)) w(action.rttMs);
          break;
        case 'remote_error':
          if (live.nodeId) {
            this.#opts.publish({
              type: 'peer.protocol_message', kind: action.level, direction: 'in', nodeId: live.nodeId,
              channelId: toHex(action.channelId), text: action.text,
            });
          }
          break;
        case 'disconnect':
          if (action.notify) {
            this.#sendOn(live, action.notify);
            if (live.nodeId && (action.notify.type === 'warning' || action.notify.type === 'error')) {
              this.#opts.publish({
                type: 'peer.protocol_message', kind: action.notify.type, direction: 'out', nodeId: live.nodeId,
                channelId: '00'.repeat(32), text: new TextDecoder().decode(action.notify.data),
              });
            }
          }
          live.connection.end(action.error);
          return;
      }
    }
  }

  #onReady(live: Live, features: FeatureVector): void {
    const nodeId = live.nodeId!;
    const now = this.#opts.clock.now();
    const peer: Peer = {
      nodeId, address: live.address, direction: live.connection.direction, features, connectedSince: now,
      lastPingRttMs: null, messagesIn: 1, messagesOut: 1,
    };
    live.peer = peer;
    this.#opts.addressBook.upsert(nodeId, live.connection.direction === 'outbound' ? live.address : undefined, now);
    this.#opts.addressBook.markSeen(nodeId, now);
    this.#dialing.delete(nodeId);
    this.#cancelReconnect(nodeId);
    this.#opts.publish({ type: 'peer.connected', peer: this.info(peer) });
    live.onReady?.(peer);
    for (const h of this.#readyHandlers) this.#safely(() => h(peer));
  }

  #handshakeEnded(live: Live): void {
    if (live.limitKey === undefined) return;
    this.#inboundLimiter.handshakeEnded(live.limitKey);
    delete live.limitKey;
  }

  #onClose(live: Live, error: GlasswingError): void {
    const unnamedInbound = live.limitKey;
    this.#handshakeEnded(live);
    this.#live.delete(live);
    live.session.close();
    for (const w of live.pingWaiters.splice(0)) w(new PeerError('peer.not_connected', `the connection closed: ${error.message}`));
    const current = live.nodeId ? this.#byNode.get(live.nodeId) === live : false;
    if (current) this.#byNode.delete(live.nodeId!);
    if (live.peer) {
      this.#opts.publish({ type: 'peer.disconnected', nodeId: live.peer.nodeId, address: live.address, reason: error.message, code: error.code });
      for (const h of this.#closeHandlers) this.#safely(() => h(live.peer!, error));
    } else if (unnamedInbound !== undefined) {
      // The handshake did not complete: nobody we know, maybe a replayed act one.
      this.#reportUnnamedFailure(unnamedInbound, live.address, error);
    } else {
      this.#opts.publish({
        type: 'peer.connection_failed', address: live.address, nodeId: live.nodeId, direction: live.connection.direction,
        reason: error.message, code: error.code,
      });
      live.onFail?.(error);
      // One of our attempts failed after the TCP connection (handshake, init): it counts as a failure.
      if (live.nodeId && live.connection.direction === 'outbound') {
        this.#attemptFailed(live.nodeId, error); // nothing if another connection to it is up
        return;
      }
    }
    if (current && error.code !== 'peer.replaced') this.#scheduleReconnect(live.nodeId!);
  }

  /** At most one pong per peer waits for the socket; a ping answered meanwhile is dropped. */
  #sendPong(live: Live, pong: Message): void {
    if (live.pongUnsent) {
      this.#run(live, live.session.pongNotSent(this.#opts.clock.now()));
      return;
    }
    live.pongUnsent = true;
    const written = () => {
      live.pongUnsent = false;
    };
    if (!this.#sendOn(live, pong, written)) live.pongUnsent = false;
  }

  /** `reported`: the caller publishes its own event for this wire message (no `wire.message`). */
  #sendOn(live: Live, message: Message, onWritten?: WriteCallback, reported = false): boolean {
    let bytes: Uint8Array;
    try {
      bytes = this.#opts.wire ? this.#opts.wire.encode(message) : encodeMessage(message);
    } catch {
      return false;
    }
    const ok = live.connection.send(bytes, onWritten);
    if (ok && live.peer) live.peer.messagesOut++;
    if (ok && live.nodeId && !reported) {
      this.#opts.publish({
        type: 'wire.message', direction: 'out', nodeId: live.nodeId,
        messageType: message.type === 'unknown' ? `unknown_${message.typeNumber}` : message.type,
        typeNumber: message.type === 'unknown' ? message.typeNumber : (bytes[0]! << 8) | bytes[1]!, size: bytes.length,
      });
    }
    return ok;
  }

  #safely(fn: () => void): void {
    try {
      fn();
    } catch {
      // An upper layer's bug must not tear down the connection loop.
    }
  }

  // ----- sending ------------------------------------------------------------------------------

  /**
   * Sends a message to a connected peer. Returns false when the peer is not connected or its
   * outbound queue is full (`dropIfFull`: the message is dropped; otherwise the slow peer is
   * disconnected with `peer.queue_overflow`). `onWritten` is called once the frame was written
   * to the socket, or with an error if the connection closed first; only when this returns true.
   * `reported`: the caller publishes its own event for this message (the messenger's `onion.forwarded`,
   * `onion.sent`, `onion.replied`), so no `wire.message` is published for it.
   */
  send(nodeId: string, message: Message, opts: { dropIfFull?: boolean; onWritten?: WriteCallback; reported?: boolean } = {}): boolean {
    const live = this.#byNode.get(nodeId);
    if (!live?.peer) return false;
    if (this.#sendOn(live, message, opts.onWritten, opts.reported === true)) return true;
    if (!opts.dropIfFull && live.connection.isOpen) {
      live.connection.destroy(new PeerError('peer.queue_overflow', 'the peer does not read: outbound queue overflowed'));
    }
    return false;
  }

  /**
   * Backpressure for a peer that sends beyond a rate (the messenger's `pause_reading`): its
   * socket is not read for `ms`, so what it sends meanwhile waits in the kernel (and then at the
   * peer: TCP flow control) instead of being decrypted and dropped. Reading resumes by itself.
   */
  pauseReading(nodeId: string, ms: number): void {
    this.#byNode.get(nodeId)?.connection.pauseReading(ms);
  }

  /** Encrypted bytes waiting to go to a peer (for outbound policies). */
  queuedBytes(nodeId: string): number {
    return this.#byNode.get(nodeId)?.connection.queuedBytes ?? 0;
  }

  /** Pings a peer; resolves with the round trip in ms. */
  ping(nodeId: string, numPongBytes = 0, timeoutMs = this.#opts.pingTimeoutMs): Promise<number> {
    const live = this.#byNode.get(nodeId);
    if (!live?.peer) return Promise.reject(new PeerError('peer.not_connected', `not connected to ${nodeId}`));
    return new Promise((resolve, reject) => {
      const timer = this.#opts.clock.timeout(`peer.ping_timeout ${nodeId}`, timeoutMs, () => reject(new PeerError('peer.ping_timeout', `no pong within ${timeoutMs} ms`)));
      live.pingWaiters.push((r) => {
        timer.cancel();
        if (typeof r === 'number') resolve(r);
        else reject(r);
      });
      // If a ping is already outstanding, we simply wait for its pong.
      this.#run(live, live.session.ping(numPongBytes, this.#opts.clock.now()));
    });
  }

  // ----- queries ------------------------------------------------------------------------------

  peer(nodeId: string): Peer | undefined {
    return this.#byNode.get(nodeId)?.peer ?? undefined;
  }

  peers(): Peer[] {
    return [...this.#byNode.values()].flatMap((l) => (l.peer ? [l.peer] : []));
  }

  isConnected(nodeId: string): boolean {
    return this.#byNode.get(nodeId)?.peer != null;
  }

  info(peer: Peer): PeerInfo {
    const live = this.#byNode.get(peer.nodeId);
    const record = this.#opts.addressBook.get(peer.nodeId);
    return {
      nodeId: peer.nodeId,
      address: peer.address,
      direction: peer.direction,
      features: featureInfos(peer.features),
      connectedSince: peer.connectedSince,
      lastPingRttMs: peer.lastPingRttMs,
      reconnect: record?.reconnect ?? false,
      label: record?.label ?? null,
      messagesIn: peer.messagesIn,
      messagesOut: peer.messagesOut,
      bytesIn: live?.connection.bytesIn ?? 0,
      bytesOut: live?.connection.bytesOut ?? 0,
    };
  }

  // ----- disconnecting and reconnecting -------------------------------------------------------

  /** Closes the connection; `forget` also stops reconnecting to the peer. */
  disconnect(nodeId: string, opts: { forget?: boolean } = {}): boolean {
    if (opts.forget !== false) {
      const rec = this.#opts.addressBook.get(nodeId);
      this.#opts.addressBook.setReconnect(nodeId, false);
      this.#cancelReconnect(nodeId);
      if (rec?.reconnect) this.#opts.publish({ type: 'peer.reconnect_stopped', nodeId, by: 'request', attempts: 0, reason: 'stopped on request' });
    }
    const live = this.#byNode.get(nodeId);
    if (!live) return false;
    live.connection.end(new PeerError('peer.disconnect_requested', 'disconnected on request'));
    return true;
  }

  /** Disconnects, stops reconnecting and removes the peer from the address book; false if it was not saved. */
  forget(nodeId: string): boolean {
    this.#cancelReconnect(nodeId);
    const existed = this.#opts.addressBook.forget(nodeId);
    this.#byNode.get(nodeId)?.connection.end(new PeerError('peer.disconnect_requested', 'disconnected on request (forgotten)'));
    if (existed) this.#opts.publish({ type: 'peer.forgotten', nodeId });
    return existed;
  }

  /** Dials every peer in the address book marked for reconnection. */
  reconnectAll(): void {
    for (const rec of this.#opts.addressBook.listReconnect()) {
      if (!this.#byNode.has(rec.nodeId)) this.#scheduleReconnect(rec.nodeId, 0);
    }
  }

  /** After a dropped connection or at start: the next attempt, if the peer is saved for reconnection. */
  #scheduleReconnect(nodeId: string, delayOverride?: number): void {
    const entry = this.#reconnect.get(nodeId);
    const attempt = (entry?.failures ?? 0) + 1;
    this.#schedule(nodeId, delayOverride ?? backoffDelay(this.#opts.backoff, attempt, this.#opts.random()), attempt);
  }

  /**
   * One of our attempts to reach a saved peer failed: retry with backoff, or — for a peer that never
   * answered, after `maxAttemptsNeverSeen` failures in a row — stop, saying why (core/peer/reconnect.ts).
   */
  #attemptFailed(nodeId: string, error: GlasswingError): void {
    this.#dialing.delete(nodeId);
    if (this.#closing || this.#byNode.has(nodeId)) return;
    const rec = this.#opts.addressBook.get(nodeId);
    if (!rec?.reconnect || rec.addresses.length === 0) return;
    const now = this.#opts.clock.now();
    const entry = this.#entry(nodeId);
    entry.failures++;
    entry.lastError = { code: error.code, message: error.message, at: now };
    const decision = afterFailedAttempt(
      { backoff: this.#opts.backoff, maxAttemptsNeverSeen: this.#opts.maxAttemptsNeverSeen },
      { failures: entry.failures, everSeen: rec.lastSeen !== null, error: error.message },
      this.#opts.random(),
    );
    if (decision.kind === 'give_up') {
      entry.timer?.cancel();
      entry.timer = null;
      entry.nextAt = null;
      this.#opts.addressBook.giveUp(nodeId, decision.reason, now);
      this.#opts.publish({ type: 'peer.reconnect_stopped', nodeId, by: 'policy', attempts: entry.failures, reason: decision.reason });
      return;
    }
    this.#schedule(nodeId, decision.inMs, entry.failures + 1);
  }

  #entry(nodeId: string): ReconnectEntry {
    let entry = this.#reconnect.get(nodeId);
    if (!entry) {
      entry = { timer: null, failures: 0, attempt: 0, nextAt: null, lastError: null };
      this.#reconnect.set(nodeId, entry);
    }
    return entry;
  }

  #schedule(nodeId: string, inMs: number, attempt: number): void {
    if (this.#closing || this.#byNode.has(nodeId)) return;
    const rec = this.#opts.addressBook.get(nodeId);
    if (!rec?.reconnect || rec.addresses.length === 0) return;
    const entry = this.#entry(nodeId);
    entry.timer?.cancel();
    const address = rec.addresses[0]!;
    entry.attempt = attempt;
    entry.nextAt = this.#opts.clock.now() + inMs;
    // The entry stays after it fires: its failure count sets the next backoff.
    entry.timer = this.#opts.clock.timeout(`peer.reconnect ${nodeId}`, inMs, () => {
      entry.timer = null;
      entry.nextAt = null;
      const parsed = parsePeerAddress(`${nodeId}@${address}`);
      this.#dial(nodeId, parsed.host, parsed.port).catch(() => undefined); // failures reschedule
    });
    this.#opts.publish({ type: 'peer.reconnect_scheduled', nodeId, address, inMs, attempt });
  }

  #cancelReconnect(nodeId: string): void {
    this.#reconnect.get(nodeId)?.timer?.cancel();
    this.#reconnect.delete(nodeId);
  }

  /** Every saved peer with where reconnecting to it stands. */
  savedPeers(): SavedPeerInfo[] {
    return this.#opts.addressBook.list().map((rec) => {
      const entry = this.#reconnect.get(rec.nodeId);
      const connected = this.isConnected(rec.nodeId);
      const state: ReconnectState = connected ? 'connected'
        : this.#dialing.has(rec.nodeId) ? 'connecting'
        : rec.reconnect ? 'waiting'
        : rec.gaveUp ? 'gave_up'
        : 'off';
      return {
        nodeId: rec.nodeId,
        label: rec.label,
        addresses: rec.addresses,
        connected,
        reconnect: rec.reconnect,
        state,
        failedAttempts: entry?.failures ?? 0,
        nextAttemptAt: state === 'waiting' ? (entry?.nextAt ?? null) : null,
        lastError: entry?.lastError ?? null,
        gaveUpReason: rec.gaveUp?.reason ?? null,
        lastSeen: rec.lastSeen,
        createdAt: rec.createdAt,
      };
    });
  }

  #tick(): void {
    const now = this.#opts.clock.now();
    this.#inboundLimiter.prune(now);
    this.#failureReports.prune(now);
    for (const live of this.#live) {
      if (live.connection.isOpen) this.#run(live, live.session.tick(now));
    }
  }

  /** Closes every connection and the listeners. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#ticker.cancel();
    for (const { timer } of this.#reconnect.values()) timer?.cancel();
    this.#reconnect.clear();
    for (const live of this.#live) live.connection.end(new PeerError('peer.shutting_down', 'the node is stopping'));
    await Promise.all(this.#servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
