/**
 * Our own channels in gossip (BOLT 7), driven from the channel layer's state:
 * - every channel in normal operation is a "local channel" of the gossip manager, so the peer's
 *   channel_update for it is accepted ("SHOULD accept channel_updates for its own channels") and
 *   its real policy is known (`peerPolicy`: route hints and blinded paths to us use it);
 * - our channel_update for each channel: a private one goes to the peer only, with `dont_forward`
 *   (BOLT 7: "MAY create a channel_update to communicate the channel parameters to the channel
 *   peer, even though the channel has not yet been announced"); an announced one is broadcast.
 *   Re-signed when the policy changes, when the channel becomes disabled or enabled, and every
 *   `refreshSeconds` (BOLT 7 prunes channels whose updates are two weeks old);
 * - a channel opened with announce_channel: once its funding has 6 confirmations (BOLT 7
 *   announcement_signatures: "MUST NOT send announcement_signatures messages until channel_ready
 *   has been sent and received AND the funding transaction has at least six confirmations"),
 *   we send announcement_signatures on each connection until the channel is announced, answer the
 *   peer's first one with ours, and with both assemble the channel_announcement, then broadcast it
 *   with our channel_update and our node_announcement.
 * Sans secrets in what it publishes: keys are used through the signing functions the node passes.
 */
import { ecdsaSign, fromHex, toHex } from '../../crypto';
import { txidToHex } from '../../bitcoin';
import {
  GossipError, assembleChannelAnnouncement, checkAnnouncementSignatures, fundingScriptPubkey, signChannelUpdate, signNodeAnnouncement,
  unsignedChannelAnnouncement, type ChannelPolicy, type UnsignedChannelAnnouncement,
} from '../../gossip';
import type { ChannelState } from '../../channel';
import { CHANNEL_FLAGS, MESSAGE_FLAGS, encodeAddressList, formatAddress, shortChannelIdParts, type AddressDescriptor, type AnnouncementSignatures, type ChannelUpdate, type Message } from '../../wire';
import type { Peer } from '../../peer/peer';
import type { Clock, Timer } from '../clock';
import type { GossipPeersPort, GossipService } from './service';

/** One of our channels as the channel layer shows it (ChannelService.gossipViews). */
export interface OwnChannelView {
  readonly channelId: string;
  readonly peerId: string;
  readonly phase: 'offline' | 'reestablishing' | 'active' | 'failed';
  readonly state: ChannelState;
  readonly keyIndex: number;
  readonly announce: boolean;
  /** The real short_channel_id (block, tx index, output), once the funding is confirmed. */
  readonly shortChannelId: bigint | null;
  /** Neither closing nor closed. */
  readonly open: boolean;
}

/** Our forwarding policy (the fields of our channel_update). */
export interface OwnPolicy {
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: bigint;
  readonly cltvExpiryDelta: number;
  readonly htlcMinimumMsat: bigint;
}

export interface OwnGossipOptions {
  readonly gossip: GossipService;
  readonly peers: GossipPeersPort;
  readonly chainHash: Uint8Array;
  readonly nodeId: Uint8Array;
  /** Our node key: signs our updates, announcements and announcement_signatures (never published). */
  readonly nodeKey: Uint8Array;
  /** Signs a digest with channel `keyIndex`'s funding key (BOLT 7 bitcoin_signature). */
  readonly signWithFundingKey: (keyIndex: number, digest: Uint8Array) => Uint8Array;
  readonly channels: () => readonly OwnChannelView[];
  /** The other ids the channel is known by (aliases, the derived id our payments layer uses). */
  readonly otherIds: (state: ChannelState) => readonly bigint[];
  readonly policy: () => OwnPolicy;
  /** What our node_announcement says (alias, addresses, node features). */
  readonly node: () => { readonly alias: string; readonly addresses: readonly AddressDescriptor[]; readonly features: Uint8Array };
  readonly tipHeight: () => number | null;
  readonly clock: Clock;
  readonly log?: (line: Record<string, unknown>) => void;
  /** How often our channels are looked at (default 2 s). */
  readonly intervalMs?: number;
  /** Our updates are re-signed after this long (default 7 days: BOLT 7 prunes at two weeks). */
  readonly refreshSeconds?: number;
  /** A channel whose peer is away this long is announced disabled (default 60 s). */
  readonly disableAfterMs?: number;
}

/** BOLT 7 announcement_signatures timing: six confirmations of the funding transaction. */
export const ANNOUNCE_DEPTH = 6;

interface Sent {
  readonly key: string;
  readonly timestamp: number;
  readonly message: ChannelUpdate;
}

export class OwnGossip {
  readonly #o: OwnGossipOptions;
  readonly #unsubscribe: (() => void)[] = [];
  /** Channels whose ids are local channels of the manager (channel id → ids). */
  readonly #local = new Map<string, readonly bigint[]>();
  /** The peer's announcement_signatures by channel id (kept until the announcement is built). */
  readonly #remoteSigs = new Map<string, AnnouncementSignatures>();
  /** Channels we sent announcement_signatures for on the current connection of their peer. */
  readonly #sigsSent = new Set<string>();
  /** Private channels whose update went to the peer on its current connection. */
  readonly #directSent = new Set<string>();
  /** For each private channel, the timestamp of the peer's policy (-1: none) when our update last went to it. */
  readonly #peerPolicyAtSend = new Map<string, number>();
  /** Our latest channel_update by channel id. */
  readonly #updates = new Map<string, Sent>();
  readonly #inactiveSince = new Map<string, number>();
  #nodeAnnounced: { key: string; timestamp: number } | null = null;
  #timer: Timer | null = null;
  #closed = false;

  constructor(opts: OwnGossipOptions) {
    this.#o = opts;
  }

  start(): void {
    const { peers, clock } = this.#o;
    this.#unsubscribe.push(
      peers.onMessage((peer, m) => this.#onMessage(peer, m)),
      peers.onPeerReady((peer) => {
        for (const v of this.#o.channels()) {
          if (v.peerId !== peer.nodeId) continue;
          this.#sigsSent.delete(v.channelId);
          this.#directSent.delete(v.channelId);
        }
      }),
    );
    this.#timer = clock.interval('gossip.own', this.#o.intervalMs ?? 2_000, () => this.sync());
    this.sync();
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  /**
   * Our latest channel_update for a channel (what a forwarding failure carries, BOLT 4), or null.
   * `asScid`: the id the payer's onion named the outgoing channel by. A private channel's update goes
   * to the peer under the alias it gave us (BOLT 7), but a payer knows the channel only by the id in
   * its route hint — the update in a failure is re-signed under that id (one of the channel's own
   * ids), so the payer can match it to the hint it used and retry with the new policy.
   */
  channelUpdate(channelId: string, asScid?: bigint): ChannelUpdate | null {
    const u = this.#updates.get(channelId)?.message;
    if (!u || asScid === undefined || asScid === u.shortChannelId) return u ?? null;
    if ((u.messageFlags & MESSAGE_FLAGS.dontForward) === 0 || !(this.#local.get(channelId) ?? []).includes(asScid)) return u;
    const { type: _type, signature: _signature, ...fields } = u;
    return signChannelUpdate({ ...fields, shortChannelId: asScid }, this.#o.nodeKey);
  }

  /** The peer's latest policy for its direction of our channel (from its channel_update), or null. */
  peerPolicy(channelId: string): ChannelPolicy | null {
    const ids = this.#local.get(channelId);
    if (!ids) return null;
    const manager = this.#o.gossip.manager;
    for (const id of ids) {
      const ch = manager.graph.channel(id);
      if (ch) {
        const peerIsNode1 = ch.nodeId1 !== toHex(this.#o.nodeId);
        const p = ch.policies[peerIsNode1 ? 0 : 1];
        if (p) return p;
      }
    }
    let best: ChannelPolicy | null = null;
    for (const id of ids) {
      const p = manager.localChannelPolicy(id);
      if (p && (!best || p.timestamp > best.timestamp)) best = p;
    }
    return best;
  }

  /** True once the channel's announcement is in the graph (a public channel: no route hint needed). */
  isAnnounced(view: Pick<OwnChannelView, 'shortChannelId'>): boolean {
    return view.shortChannelId !== null && this.#o.gossip.manager.graph.channel(view.shortChannelId) !== undefined;
  }

  /** Looks at every channel: local channels, announcement_signatures, our updates, our node_announcement. */
  sync(): void {
    if (this.#closed) return;
    const now = this.#o.clock.now();
    const views = this.#o.channels();
    let anyPublic = false;
    for (const v of views) {
      try {
        if (this.#syncChannel(v, now)) anyPublic = true;
      } catch (e) {
        if (!(e instanceof GossipError)) throw e;
        this.#o.log?.({ event: 'gossip_own_failed', channelId: v.channelId, reason: e.message });
      }
    }
    if (anyPublic) this.#announceNode(now);
  }

  /** Returns true if the channel is announced. */
  #syncChannel(v: OwnChannelView, now: number): boolean {
    const manager = this.#o.gossip.manager;
    const usable = v.open && v.state.status.kind === 'normal';
    if (!usable) {
      const ids = this.#local.get(v.channelId);
      if (ids) {
        manager.removeLocalChannel(ids);
        this.#local.delete(v.channelId);
      }
      this.#peerPolicyAtSend.delete(v.channelId);
      // BOLT 7: a channel being closed is announced disabled.
      if (this.isAnnounced(v) && this.#updates.get(v.channelId)?.message.channelFlags !== undefined) this.#maybeUpdate(v, now, true, true);
      return false;
    }
    if (!this.#local.has(v.channelId)) {
      const ids = [...new Set([...(v.shortChannelId !== null ? [v.shortChannelId] : []), ...this.#o.otherIds(v.state)])];
      manager.addLocalChannel(ids, fromHex(v.peerId));
      this.#local.set(v.channelId, ids);
    }
    const connected = this.#o.peers.peer(v.peerId) !== undefined && v.phase === 'active';
    if (connected) this.#inactiveSince.delete(v.channelId);
    else if (!this.#inactiveSince.has(v.channelId)) this.#inactiveSince.set(v.channelId, now);
    const announced = this.isAnnounced(v);
    if (announced && this.#remoteSigs.delete(v.channelId) && connected && !this.#sigsSent.has(v.channelId)) {
      // BOLT 7, on reconnection: "MUST respond to the first announcement_signatures message with its
      // own" — the peer may not have received ours before the channel was announced.
      this.#sendSignatures(v);
    }
    if (announced) {
      const away = this.#inactiveSince.get(v.channelId);
      // BOLT 7: "MAY create and send a channel_update with the disable bit set ... if its peer has
      // disconnected"; after a short grace, so a reconnection does not flap it.
      const disabled = away !== undefined && now - away >= (this.#o.disableAfterMs ?? 60_000);
      this.#maybeUpdate(v, now, disabled, true);
      return true;
    }
    if (v.announce && v.shortChannelId !== null && this.#deepEnough(v.shortChannelId)) {
      if (connected && !this.#sigsSent.has(v.channelId)) this.#sendSignatures(v);
      const theirs = this.#remoteSigs.get(v.channelId);
      if (theirs) return this.#assemble(v, theirs, now);
    }
    // Not announced (yet): our update goes to the peer alone.
    if (connected) this.#maybeUpdate(v, now, false, false);
    return false;
  }

  #deepEnough(scid: bigint): boolean {
    const tip = this.#o.tipHeight();
    return tip !== null && tip - shortChannelIdParts(scid).block + 1 >= ANNOUNCE_DEPTH;
  }

  #unsigned(v: OwnChannelView): UnsignedChannelAnnouncement {
    return unsignedChannelAnnouncement({
      chainHash: this.#o.chainHash, shortChannelId: v.shortChannelId!, localNodeId: this.#o.nodeId, remoteNodeId: fromHex(v.peerId),
      localFundingPubkey: v.state.params.local.basepoints.fundingPubkey, remoteFundingPubkey: v.state.params.remote.basepoints.fundingPubkey,
    });
  }

  #ourSignatures(v: OwnChannelView, unsigned: UnsignedChannelAnnouncement): AnnouncementSignatures {
    return {
      type: 'announcement_signatures', channelId: v.state.params.channelId, shortChannelId: v.shortChannelId!,
      nodeSignature: ecdsaSign(unsigned.hash, this.#o.nodeKey), bitcoinSignature: this.#o.signWithFundingKey(v.keyIndex, unsigned.hash),
    };
  }

  #sendSignatures(v: OwnChannelView): void {
    if (this.#o.peers.send(v.peerId, this.#ourSignatures(v, this.#unsigned(v)))) this.#sigsSent.add(v.channelId);
  }

  #onMessage(peer: Peer, m: Message): void {
    if (this.#closed || m.type !== 'announcement_signatures') return;
    const id = toHex(m.channelId);
    const v = this.#o.channels().find((c) => c.channelId === id && c.peerId === peer.nodeId);
    if (!v || !v.announce) return;
    this.#remoteSigs.set(id, m);
    // BOLT 7: "MUST respond to the first announcement_signatures message with its own".
    this.sync();
  }

  #assemble(v: OwnChannelView, theirs: AnnouncementSignatures, now: number): boolean {
    const unsigned = this.#unsigned(v);
    const problem = checkAnnouncementSignatures(unsigned, theirs);
    this.#remoteSigs.delete(v.channelId);
    if (problem) {
      // BOLT 7: "if the node_signature OR the bitcoin_signature is NOT correct: MAY send a warning and close the connection".
      this.#o.peers.send(v.peerId, { type: 'warning', channelId: v.state.params.channelId, data: new TextEncoder().encode(`announcement_signatures: ${problem}`) });
      this.#o.log?.({ event: 'announcement_signatures_bad', channelId: v.channelId, reason: problem });
      return false;
    }
    const announcement = assembleChannelAnnouncement(unsigned, this.#ourSignatures(v, unsigned), theirs);
    const tip = this.#o.tipHeight() ?? 0;
    const { gossip } = this.#o;
    // The funding output is ours to know: no chain lookup for our own announcement.
    gossip.apply(gossip.manager.broadcastOwn(announcement, now, {
      kind: 'unspent',
      scriptPubkey: fundingScriptPubkey(unsigned.message.bitcoinKey1, unsigned.message.bitcoinKey2),
      amountSat: v.state.params.fundingSatoshis,
      confirmations: tip - shortChannelIdParts(v.shortChannelId!).block + 1,
      txid: txidToHex(v.state.params.fundingOutpoint.txid),
    }));
    this.#o.log?.({ event: 'channel_announced', channelId: v.channelId, shortChannelId: v.shortChannelId!.toString() });
    this.#updates.delete(v.channelId); // the next update is the public one
    this.#maybeUpdate(v, now, false, true);
    return true;
  }

  /** Signs and sends our channel_update if it differs from the last one (or is due for a refresh). */
  #maybeUpdate(v: OwnChannelView, now: number, disabled: boolean, announced: boolean): void {
    const policy = this.#o.policy();
    const s = v.state.params;
    const capacityMsat = s.fundingSatoshis * 1000n;
    const htlcMaximumMsat = s.remote.config.maxHtlcValueInFlightMsat < capacityMsat ? s.remote.config.maxHtlcValueInFlightMsat : capacityMsat;
    const htlcMinimumMsat = policy.htlcMinimumMsat > s.remote.config.htlcMinimumMsat ? policy.htlcMinimumMsat : s.remote.config.htlcMinimumMsat;
    const scid = announced ? v.shortChannelId! : this.#privateId(v);
    const key = [scid, disabled, announced, policy.feeBaseMsat, policy.feeProportionalMillionths, policy.cltvExpiryDelta, htlcMinimumMsat, htlcMaximumMsat].join('/');
    const last = this.#updates.get(v.channelId);
    const nowSec = Math.floor(now / 1000);
    // After a restart our last update is the graph's (its timestamp must still grow).
    const previous = last?.timestamp ?? (announced ? this.#graphTimestamp(v) : 0);
    const due = !last || last.key !== key || nowSec - last.timestamp >= (this.#o.refreshSeconds ?? 7 * 24 * 3600);
    // A private channel: the peer's channel_update came after ours went out. It has the channel in its
    // graph now, so ours goes again: an update that reached LND before its own channel did is kept
    // aside ("premature") and may never be looked at again, and LND then hints no route through us.
    const peerPolicy = announced ? -1 : (this.peerPolicy(v.channelId)?.timestamp ?? -1);
    const peerMoved = !announced && this.#directSent.has(v.channelId) && this.#peerPolicyAtSend.get(v.channelId) !== peerPolicy;
    if (!due && !peerMoved && (announced || this.#directSent.has(v.channelId))) return;
    const message = due ? this.#sign(v, scid, Math.max(nowSec, previous + 1), disabled, announced, policy, htlcMinimumMsat, htlcMaximumMsat) : last!.message;
    if (due) this.#updates.set(v.channelId, { key, timestamp: message.timestamp, message });
    const { gossip } = this.#o;
    if (announced) {
      gossip.apply(gossip.manager.broadcastOwn(message, now));
    } else {
      gossip.apply(gossip.manager.sendDirect(v.peerId, message));
      this.#directSent.add(v.channelId);
      this.#peerPolicyAtSend.set(v.channelId, peerPolicy);
    }
  }

  #graphTimestamp(v: OwnChannelView): number {
    const ch = this.#o.gossip.manager.graph.channel(v.shortChannelId!);
    if (!ch) return 0;
    return ch.policies[ch.nodeId1 === toHex(this.#o.nodeId) ? 0 : 1]?.timestamp ?? 0;
  }

  /**
   * The id a private channel's update names it by. BOLT 7: "MUST set the short_channel_id to either
   * an alias it has received from the peer, or the real channel short_channel_id" — the alias the
   * peer sent (the one it knows the channel by: LDK ignores an update under the alias we sent), else
   * the real id, else (neither yet) the derived one.
   */
  #privateId(v: OwnChannelView): bigint {
    return v.state.aliases?.remote ?? v.shortChannelId ?? this.#o.otherIds(v.state)[0]!;
  }

  #sign(
    v: OwnChannelView, scid: bigint, timestamp: number, disabled: boolean, announced: boolean, policy: OwnPolicy, htlcMinimumMsat: bigint, htlcMaximumMsat: bigint,
  ): ChannelUpdate {
    // BOLT 7 direction: 0 if we are node_id_1 (the lesser id).
    const direction = toHex(this.#o.nodeId) < v.peerId ? 0 : 1;
    return signChannelUpdate({
      chainHash: this.#o.chainHash, shortChannelId: scid, timestamp,
      messageFlags: MESSAGE_FLAGS.mustBeOne | (announced ? 0 : MESSAGE_FLAGS.dontForward),
      channelFlags: direction | (disabled ? CHANNEL_FLAGS.disable : 0),
      cltvExpiryDelta: policy.cltvExpiryDelta, htlcMinimumMsat, feeBaseMsat: Number(policy.feeBaseMsat),
      feeProportionalMillionths: Number(policy.feeProportionalMillionths), htlcMaximumMsat,
    }, this.#o.nodeKey);
  }

  /** BOLT 7 node_announcement: only once we have an announced channel; re-signed when it changes or is due. */
  #announceNode(now: number): void {
    const n = this.#o.node();
    const key = JSON.stringify([n.alias, n.addresses.map(formatAddress), toHex(n.features)]);
    const nowSec = Math.floor(now / 1000);
    const last = this.#nodeAnnounced;
    if (last && last.key === key && nowSec - last.timestamp < (this.#o.refreshSeconds ?? 7 * 24 * 3600)) return;
    const alias = new Uint8Array(32);
    alias.set(new TextEncoder().encode(n.alias).subarray(0, 32));
    const stored = this.#o.gossip.manager.graph.node(toHex(this.#o.nodeId))?.info?.timestamp ?? 0;
    const timestamp = Math.max(nowSec, (last?.timestamp ?? stored) + 1);
    const message = signNodeAnnouncement({
      features: n.features, timestamp, nodeId: this.#o.nodeId, rgbColor: this.#o.nodeId.slice(1, 4), alias, addresses: encodeAddressList([...n.addresses]),
    }, this.#o.nodeKey);
    this.#nodeAnnounced = { key, timestamp };
    const { gossip } = this.#o;
    gossip.apply(gossip.manager.broadcastOwn(message, now));
  }
}
