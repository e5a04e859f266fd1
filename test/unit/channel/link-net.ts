/**
 * Two ChannelLinks joined by an in-memory connection, each with its own real channel store (a
 * SQLite file). Every step is carried out as the node's ChannelService does it: persist when
 * the link says so, then take the outbound messages (as BOLT 1 bytes). A "crash" throws the
 * link away and reloads it from its store; a disconnection drops everything in flight.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { sha256, toHex, utf8 } from '../../../core/crypto';
import { ChannelLink, buildCommitment, checkLocalCommitmentSignatures } from '../../../core/channel';
import type { ChannelPolicy, ChannelSigner, ChannelState, CommitmentSpec, LinkResult, OutboundMessage, StoredChannel } from '../../../core/channel';
import { openChannelPair } from '../../../core/simulator';
import type { PairOptions } from '../../../core/simulator';
import { ChannelsRepository } from '../../../core/store/channels-repository';
import { DATABASE_FILE, openDatabase } from '../../../core/store';
import type { Database } from '../../../core/store';
import { decodeMessage, encodeMessage } from '../../../core/wire';
import type { Message } from '../../../core/wire';
import { tempDir } from '../../support/tmp';
import { ONION } from './harness';

export const NODE_A = '02' + 'aa'.repeat(32);
export const NODE_B = '03' + 'bb'.repeat(32);

export type PartyName = 'A' | 'B';

export interface Delivered {
  readonly from: PartyName;
  readonly message: Message;
  readonly result: LinkResult;
}

export class LinkParty {
  link: ChannelLink;
  readonly name: PartyName;
  readonly store: ChannelsRepository;
  readonly db: Database;
  readonly signer: ChannelSigner;
  readonly policy: Partial<ChannelPolicy>;
  /** Messages on their way to the other party, BOLT 1 bytes. */
  inFlight: Uint8Array[] = [];
  /** Every message this party handed to the connection, in order (across crashes). */
  readonly sent: OutboundMessage[] = [];
  readonly results: LinkResult[] = [];
  net!: LinkNet;

  constructor(name: PartyName, stored: StoredChannel, signer: ChannelSigner, policy: Partial<ChannelPolicy>) {
    this.name = name;
    this.signer = signer;
    this.policy = policy;
    this.db = openDatabase(join(tempDir('glasswing-link-'), DATABASE_FILE));
    this.store = new ChannelsRepository(this.db);
    this.store.saveChannel(stored);
    this.link = new ChannelLink(stored, signer, policy);
  }

  get id(): string {
    return toHex(this.link.channelId);
  }

  get state(): ChannelState {
    return this.link.state;
  }

  /** Carries out a link result: persist if needed, then send. */
  apply(result: LinkResult): LinkResult {
    this.results.push(result);
    if (this.link.needsPersist) {
      const snap = this.link.snapshot();
      this.store.saveChannel(snap);
      this.link.markPersisted(snap.revision);
    }
    for (const out of this.link.takeOutbound()) {
      this.sent.push(out);
      if (this.net.connected) this.inFlight.push(encodeMessage(out.message));
    }
    if (result.disconnect) this.net.disconnect();
    return result;
  }

  /** The process dies: memory is lost, the store survives (and the connection drops). */
  crash(): void {
    if (this.net.connected) this.net.disconnect();
    this.inFlight = [];
    this.link = new ChannelLink(this.store.loadChannel(this.id)!, this.signer, this.policy);
  }

  add(amountMsat: bigint, cltvExpiry = 500): bigint {
    const id = this.state.nextLocalHtlcId;
    this.apply(this.link.addHtlc({ amountMsat, paymentHash: sha256(preimageFor(this.name, id)), cltvExpiry, onionRoutingPacket: ONION }));
    return id;
  }

  fulfill(id: bigint): void {
    this.apply(this.link.fulfillHtlc(id, preimageFor(this.name === 'A' ? 'B' : 'A', id)));
  }

  fail(id: bigint): void {
    this.apply(this.link.failHtlc(id, utf8.encode('no')));
  }

  commit(): void {
    this.apply(this.link.commit());
  }

  fee(feeratePerKw: number): void {
    this.apply(this.link.updateFee(feeratePerKw));
  }
}

export function preimageFor(offerer: PartyName, id: bigint): Uint8Array {
  return sha256(utf8.encode(`link-net preimage ${offerer} ${id}`));
}

export class LinkNet {
  readonly a: LinkParty;
  readonly b: LinkParty;
  connected = false;

  constructor(a: LinkParty, b: LinkParty) {
    this.a = a;
    this.b = b;
    a.net = this;
    b.net = this;
  }

  other(p: LinkParty): LinkParty {
    return p === this.a ? this.b : this.a;
  }

  /** Opened on this connection: both links start active (as ChannelService.openChannel does). */
  openConnected(): void {
    this.connected = true;
    this.a.link.openedOnConnection();
    this.b.link.openedOnConnection();
  }

  /** A new connection: both send channel_reestablish (nothing else until they receive the peer's). */
  connect(): void {
    this.connected = true;
    this.a.apply(this.a.link.connected());
    this.b.apply(this.b.link.connected());
  }

  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.a.inFlight = [];
    this.b.inFlight = [];
    this.a.apply(this.a.link.disconnected());
    this.b.apply(this.b.link.disconnected());
  }

  /** Delivers the oldest message from `from` to the other party. */
  deliverOne(from: LinkParty): Delivered | null {
    const bytes = from.inFlight.shift();
    if (!bytes) return null;
    const to = this.other(from);
    const message = decodeMessage(bytes);
    const result = to.apply(to.link.receive(message, 1_000));
    return { from: from.name, message, result };
  }

  /** Delivers until both directions are empty (A→B first each round). */
  deliverAll(): Delivered[] {
    const out: Delivered[] = [];
    while (this.connected && (this.a.inFlight.length || this.b.inFlight.length)) {
      for (const p of [this.a, this.b]) {
        const d = this.deliverOne(p);
        if (d) out.push(d);
      }
    }
    return out;
  }

  /** Message types in flight from `p`. */
  types(p: LinkParty): string[] {
    return p.inFlight.map((b) => decodeMessage(b).type);
  }

  /** Commits both ways until nothing is pending anywhere. */
  settle(): void {
    for (let i = 0; i < 8; i++) {
      this.deliverAll();
      let signed = false;
      for (const p of [this.a, this.b]) {
        const s = p.state;
        const pending = s.changes.some((c) => (c.list === 'remote_unacked' || c.list === 'remote_acked') && c.signedInRemote === null);
        if (pending && !s.remoteNextCommit && p.link.phase === 'active') {
          p.commit();
          signed = true;
        }
      }
      if (!signed && !this.a.inFlight.length && !this.b.inFlight.length) return;
    }
    throw new Error('the channel did not settle');
  }

  close(): void {
    this.a.db.close();
    this.b.db.close();
  }
}

/** A pair of links on a freshly opened channel (A funds), each with its store; not connected yet. */
export function linkNet(opts: PairOptions & { policy?: Partial<ChannelPolicy> } = {}): LinkNet {
  const pair = openChannelPair({ fundingSat: 10_000_000n, ...opts });
  const stored = (peerId: string, state: ChannelState): StoredChannel => ({
    peerId, keyIndex: 0, createdAt: 0, state, lastSent: 'none', sentUpdates: [], dataLoss: null, revision: 1,
  });
  const policy = opts.policy ?? {};
  return new LinkNet(
    new LinkParty('A', stored(NODE_B, pair.a.state), pair.signerA, policy),
    new LinkParty('B', stored(NODE_A, pair.b.state), pair.signerB, policy),
  );
}

function mirrored(spec: CommitmentSpec): CommitmentSpec {
  return {
    feeratePerKw: spec.feeratePerKw,
    localMsat: spec.remoteMsat,
    remoteMsat: spec.localMsat,
    htlcs: spec.htlcs
      .map((h) => ({ ...h, offerer: h.offerer === 'local' ? ('remote' as const) : ('local' as const) }))
      .sort((x, y) => (x.offerer === y.offerer ? Number(x.id - y.id) : x.offerer === 'local' ? -1 : 1)),
  };
}

/** Reconnects: delivers only the two channel_reestablish messages, and returns the message types each side sent from the reconnection on. */
export function reconnect(n: LinkNet): { a: string[]; b: string[] } {
  const a0 = n.a.sent.length;
  const b0 = n.b.sent.length;
  n.connect();
  n.deliverOne(n.a);
  n.deliverOne(n.b);
  const types = (p: LinkParty, from: number) => p.sent.slice(from).map((o) => o.message.type);
  return { a: types(n.a, a0), b: types(n.b, b0) };
}

/** Both sides agree on both commitments (numbers, HTLCs, balances, feerates) and every stored signature verifies. */
export function expectConverged(net: LinkNet): void {
  const { a, b } = net;
  for (const [x, y] of [[a, b], [b, a]] as const) {
    expect(x.state.remoteNextCommit).toBeNull();
    expect(x.state.revocationOwed).toBe(false);
    expect(x.state.localCommit.ctn).toBe(y.state.remoteCommit.ctn);
    expect(x.state.localCommit.spec).toEqual(mirrored(y.state.remoteCommit.spec));
    const s = x.state;
    const built = buildCommitment(s.params, 'local', s.localCommit.ctn, s.localCommit.spec, x.signer.perCommitmentPoint(s.localCommit.ctn));
    expect(checkLocalCommitmentSignatures(s.params, built, s.localCommit.signature, s.localCommit.htlcSignatures)).toEqual({ ok: true });
  }
}
