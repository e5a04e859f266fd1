/**
 * Builders for the gossip tests: deterministic node and funding keys, channels announced the way
 * two real peers do it (announcement_signatures from each side, assembled), signed updates and
 * node announcements, and a small chain that answers funding lookups for the channels it funded.
 */
import { compareBytes, publicKeyFromPrivate, scalarFromHash, sha256, toHex } from '../../../core/crypto';
import {
  assembleChannelAnnouncement, createAnnouncementSignatures, fundingScriptPubkey, signChannelUpdate, signNodeAnnouncement,
  unsignedChannelAnnouncement,
} from '../../../core/gossip';
import type { FundingLookupResult, GossipManager, GossipOutput } from '../../../core/gossip';
import {
  CHANNEL_FLAGS, MESSAGE_FLAGS, chainHash, encodeAddressList, encodeMessage, shortChannelIdFromParts,
} from '../../../core/wire';
import type { AddressDescriptor, ChannelAnnouncement, ChannelUpdate, NodeAnnouncement } from '../../../core/wire';

export const CHAIN = chainHash('regtest');
/** 2023-11-14T22:13:20Z: the tests' "now". */
export const NOW_SEC = 1_700_000_000;
export const NOW_MS = NOW_SEC * 1000;

export interface Keys {
  readonly secret: Uint8Array;
  readonly id: Uint8Array;
  readonly hex: string;
}

export function keys(label: string): Keys {
  const secret = scalarFromHash(sha256(new TextEncoder().encode(`gossip-test/${label}`)));
  const id = publicKeyFromPrivate(secret);
  return { secret, id, hex: toHex(id) };
}

/** Node `i` of the tests. */
export const node = (i: number): Keys => keys(`node/${i}`);

export interface TestChannel {
  readonly scid: bigint;
  readonly a: Keys;
  readonly b: Keys;
  readonly fundingA: Keys;
  readonly fundingB: Keys;
  readonly announcement: ChannelAnnouncement;
  readonly capacitySat: bigint;
  /** Keys of node_id_1 and node_id_2, in that order. */
  readonly ends: readonly [Keys, Keys];
}

export function scid(block: number, tx = 1, out = 0): bigint {
  return shortChannelIdFromParts(block, tx, out);
}

/** A channel between `a` and `b`, announced as BOLT 7 says: each side signs, the halves are assembled. */
export function channel(a: Keys, b: Keys, id: bigint, opts: { capacitySat?: bigint; features?: Uint8Array } = {}): TestChannel {
  const fundingA = keys(`funding/${a.hex}/${id}`);
  const fundingB = keys(`funding/${b.hex}/${id}`);
  const params = (local: Keys, remote: Keys, lf: Keys, rf: Keys) => ({
    chainHash: CHAIN, shortChannelId: id, localNodeId: local.id, remoteNodeId: remote.id, localFundingPubkey: lf.id,
    remoteFundingPubkey: rf.id, ...(opts.features ? { features: opts.features } : {}),
  });
  const ua = unsignedChannelAnnouncement(params(a, b, fundingA, fundingB));
  const ub = unsignedChannelAnnouncement(params(b, a, fundingB, fundingA));
  const channelId = new Uint8Array(32).fill(7);
  const sigA = createAnnouncementSignatures(ua, channelId, a.secret, fundingA.secret);
  const sigB = createAnnouncementSignatures(ub, channelId, b.secret, fundingB.secret);
  const announcement = assembleChannelAnnouncement(ua, sigA, sigB);
  const ends: [Keys, Keys] = compareBytes(a.id, b.id) < 0 ? [a, b] : [b, a];
  return { scid: id, a, b, fundingA, fundingB, announcement, capacitySat: opts.capacitySat ?? 1_000_000n, ends };
}

export interface UpdateOptions {
  readonly timestamp?: number;
  readonly disabled?: boolean;
  readonly dontForward?: boolean;
  readonly cltvExpiryDelta?: number;
  readonly htlcMinimumMsat?: bigint;
  readonly htlcMaximumMsat?: bigint;
  readonly feeBaseMsat?: number;
  readonly feeProportionalMillionths?: number;
}

/** The channel_update of direction `direction` (0: from node_id_1), signed by that end. */
export function update(ch: TestChannel, direction: 0 | 1, o: UpdateOptions = {}): ChannelUpdate {
  return signChannelUpdate(
    {
      chainHash: CHAIN,
      shortChannelId: ch.scid,
      timestamp: o.timestamp ?? NOW_SEC,
      messageFlags: MESSAGE_FLAGS.mustBeOne | (o.dontForward ? MESSAGE_FLAGS.dontForward : 0),
      channelFlags: direction | (o.disabled ? CHANNEL_FLAGS.disable : 0),
      cltvExpiryDelta: o.cltvExpiryDelta ?? 40,
      htlcMinimumMsat: o.htlcMinimumMsat ?? 1000n,
      feeBaseMsat: o.feeBaseMsat ?? 1000,
      feeProportionalMillionths: o.feeProportionalMillionths ?? 100,
      htlcMaximumMsat: o.htlcMaximumMsat ?? ch.capacitySat * 1000n,
    },
    ch.ends[direction].secret,
  );
}

export function nodeAnnouncement(
  k: Keys,
  o: { timestamp?: number; alias?: string; aliasBytes?: Uint8Array; addresses?: readonly AddressDescriptor[]; rawAddresses?: Uint8Array; features?: Uint8Array } = {},
): NodeAnnouncement {
  const alias = new Uint8Array(32);
  alias.set(o.aliasBytes ?? new TextEncoder().encode(o.alias ?? 'node'));
  return signNodeAnnouncement(
    {
      features: o.features ?? new Uint8Array(0),
      timestamp: o.timestamp ?? NOW_SEC,
      nodeId: k.id,
      rgbColor: new Uint8Array([1, 2, 3]),
      alias,
      addresses: o.rawAddresses ?? encodeAddressList(o.addresses ?? [{ kind: 'ipv4', address: new Uint8Array([10, 0, 0, 1]), port: 9735 }]),
    },
    k.secret,
  );
}

/** The funding txid TestChain gives a channel (any 64 hex digits do: the graph only keeps it). */
export function fundingTxidOf(scid: bigint): string {
  return scid.toString(16).padStart(64, '0');
}

/** A chain that funded the given channels (6 confirmations by default). */
export class TestChain {
  readonly #outputs = new Map<bigint, FundingLookupResult>();

  fund(ch: TestChannel, confirmations = 6): this {
    const script = fundingScriptPubkey(ch.announcement.bitcoinKey1, ch.announcement.bitcoinKey2);
    this.#outputs.set(ch.scid, { kind: 'unspent', scriptPubkey: script, amountSat: ch.capacitySat, confirmations, txid: fundingTxidOf(ch.scid) });
    return this;
  }

  set(scid: bigint, result: FundingLookupResult): this {
    this.#outputs.set(scid, result);
    return this;
  }

  lookup(scid: bigint): FundingLookupResult {
    return this.#outputs.get(scid) ?? { kind: 'not_found' };
  }
}

/**
 * Feeds a message to a manager from `peer` and answers every `lookup_funding` action from `chain`,
 * returning all the outputs merged (the receive outcome first).
 */
export function feed(g: GossipManager, peer: string, m: Parameters<GossipManager['receive']>[1], chain: TestChain, nowMs = NOW_MS) {
  const r = g.receive(peer, m, nowMs);
  const merged = { outcome: r.outcome, actions: [...r.actions], changes: [...r.changes], events: [...r.events], fundingOutcomes: [] as unknown[] };
  answerLookups(g, r, chain, nowMs, merged);
  return merged;
}

function answerLookups(
  g: GossipManager,
  out: GossipOutput,
  chain: TestChain,
  nowMs: number,
  merged: { actions: unknown[]; changes: unknown[]; events: unknown[]; fundingOutcomes: unknown[] },
): void {
  for (const a of out.actions) {
    if (a.kind !== 'lookup_funding') continue;
    const r = g.fundingResult(a.shortChannelId, chain.lookup(a.shortChannelId), nowMs);
    merged.actions.push(...r.actions);
    merged.changes.push(...r.changes);
    merged.events.push(...r.events);
    merged.fundingOutcomes.push(r.outcome);
  }
}

/** Encoded bytes of a message (what a peer sends). */
export const bytesOf = encodeMessage;
