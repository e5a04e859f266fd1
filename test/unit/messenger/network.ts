/**
 * Several real OnionMessenger cores in one process, wired by an in-memory "wire": messages a
 * core queues for a linked peer are pulled (`takeNext`) and fed to that peer's core. Time is a
 * number the test advances; randomness is a seeded generator. No sockets, no SQLite.
 */
import { publicKeyFromPrivate, scalarFromHash, sha256, toHex } from '../../../core/crypto';
import type { MessengerAction, MessengerPolicy, OnionMessengerOptions, ReceivedMessage } from '../../../core/messenger';
import { OnionMessenger } from '../../../core/messenger';
import type { OnionMessageEventBody } from '../../../core/api';
import type { OnionMessage } from '../../../core/wire';

export function testKey(name: string): Uint8Array {
  return scalarFromHash(sha256(new TextEncoder().encode(`messenger-test/${name}`)));
}

/** A deterministic byte source (xorshift) that also remembers every value it handed out. */
export class SeededBytes {
  #state: number;
  readonly handedOut: Uint8Array[] = [];

  constructor(seed: number) {
    this.#state = seed >>> 0 || 1;
  }

  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state;
  }

  bytes = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    this.handedOut.push(out.slice());
    return out;
  };
}

export interface TestNode {
  readonly name: string;
  readonly key: Uint8Array;
  readonly id: string;
  readonly core: OnionMessenger;
  readonly events: OnionMessageEventBody[];
  readonly stored: { nodeId: string; message: OnionMessage; messageId: string }[];
  readonly connects: { nodeId: string; address: string }[];
  readonly replies: Map<string, ReceivedMessage | 'timeout'>;
  readonly pending: Promise<unknown>[];
  /** `pause_reading` actions: whose connection to leave unread, for how long, and when. */
  readonly pauses: { nodeId: string; ms: number; at: number }[];
}

export class TestNetwork {
  now = 1_000_000;
  readonly nodes = new Map<string, TestNode>();
  readonly #links = new Set<string>();
  readonly rng: SeededBytes;
  /** Messages in flight on the wire (taken from a queue, not yet fed to the receiver). */
  readonly addresses = new Map<string, string>();
  random: () => number = () => 0.999;

  constructor(seed = 7) {
    this.rng = new SeededBytes(seed);
  }

  add(
    name: string,
    opts: { policy?: Partial<MessengerPolicy>; channelPeer?: OnionMessengerOptions['channelPeer']; publishedPath?: OnionMessengerOptions['publishedPath'] } = {},
  ): TestNode {
    const key = testKey(name);
    const core = new OnionMessenger({
      nodeKey: key,
      randomBytes: this.rng.bytes,
      random: () => this.random(),
      addressOf: (id) => this.addresses.get(id),
      ...(opts.policy ? { policy: opts.policy } : {}),
      ...(opts.channelPeer ? { channelPeer: opts.channelPeer } : {}),
      ...(opts.publishedPath ? { publishedPath: opts.publishedPath } : {}),
    });
    const node: TestNode = { name, key, id: toHex(publicKeyFromPrivate(key)), core, events: [], stored: [], connects: [], replies: new Map(), pending: [], pauses: [] };
    this.nodes.set(name, node);
    return node;
  }

  get(name: string): TestNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  byId(id: string): TestNode | undefined {
    return [...this.nodes.values()].find((n) => n.id === id);
  }

  /** Connects two nodes (both see the other as a peer with option_onion_messages unless said otherwise). */
  link(a: string, b: string, features: { aSupports?: boolean; bSupports?: boolean } = {}): void {
    const na = this.get(a);
    const nb = this.get(b);
    this.#links.add([na.id, nb.id].sort().join('-'));
    this.run(na, na.core.peerConnected(nb.id, { onionMessages: features.bSupports ?? true }, this.now));
    this.run(nb, nb.core.peerConnected(na.id, { onionMessages: features.aSupports ?? true }, this.now));
  }

  unlink(a: string, b: string): void {
    const na = this.get(a);
    const nb = this.get(b);
    this.#links.delete([na.id, nb.id].sort().join('-'));
    this.run(na, na.core.peerDisconnected(nb.id, this.now));
    this.run(nb, nb.core.peerDisconnected(na.id, this.now));
  }

  linked(aId: string, bId: string): boolean {
    return this.#links.has([aId, bId].sort().join('-'));
  }

  run(node: TestNode, actions: readonly MessengerAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'event':
          node.events.push(a.event);
          break;
        case 'connect':
          node.connects.push({ nodeId: a.nodeId, address: a.address });
          break;
        case 'store':
          node.stored.push({ nodeId: a.nodeId, message: a.message, messageId: a.messageId });
          break;
        case 'reply_received':
          node.replies.set(a.requestId, a.message);
          break;
        case 'reply_timeout':
          node.replies.set(a.requestId, 'timeout');
          break;
        case 'pause_reading':
          node.pauses.push({ nodeId: a.nodeId, ms: a.ms, at: this.now });
          break;
        case 'handler_pending':
          node.pending.push(a.outcome.then((o) => this.run(node, node.core.replyLater(a.message, o, this.now))));
          break;
      }
    }
  }

  /** Moves queued messages over the links until nothing moves. Returns how many were delivered. */
  pump(maxSteps = 10_000): number {
    let moved = 0;
    for (let step = 0; step < maxSteps; step++) {
      let progress = false;
      for (const node of this.nodes.values()) {
        for (const peerId of node.core.queuedPeers()) {
          const out = node.core.takeNext(peerId);
          if (!out) continue;
          const peer = this.byId(peerId);
          if (!peer || !this.linked(node.id, peerId)) {
            this.run(node, node.core.sendFailed(out));
            continue;
          }
          node.events.push(out.event);
          this.run(peer, peer.core.handleOnionMessage(node.id, out.message, this.now));
          moved++;
          progress = true;
        }
      }
      if (!progress) return moved;
    }
    throw new Error('the network did not settle');
  }

  /** Feeds a raw onion_message from `from` to `to`. */
  inject(fromName: string, toName: string, message: OnionMessage): void {
    const to = this.get(toName);
    this.run(to, to.core.handleOnionMessage(this.get(fromName).id, message, this.now));
  }

  tick(ms: number): void {
    this.now += ms;
    for (const node of this.nodes.values()) this.run(node, node.core.tick(this.now));
  }

  /** Messages dropped at `name` for `reason`: throttled drops are reported together, each report with its `count`. */
  droppedCount(name: string, reason: string): number {
    return this.eventsOf(name, 'onion.dropped').filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);
  }

  eventsOf<T extends OnionMessageEventBody['type']>(name: string, type: T): Extract<OnionMessageEventBody, { type: T }>[] {
    return this.get(name).events.filter((e): e is Extract<OnionMessageEventBody, { type: T }> => e.type === type);
  }
}
