/**
 * No graph channel left unchecked (core/runtime/gossip/service.ts over core/gossip): channels stored
 * without their funding txid (rows from before migration 15, or taken by a node without a chain)
 * have it resolved from their short_channel_id and are checked like the others, in blocks mode
 * and in filtered mode (under the spend checks' request budget); a spend confirmed while a
 * channel's funding lookup is on its way is not missed (blocks mode); the spend checks' rotation
 * goes on where it stopped across a restart. The GossipService runs with its real manager and a
 * real SQLite file; the chain's answers come from a TestChain.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GossipManager, type FundingLookupResult, type GossipChange, type SpendAnswer } from '../../../core/gossip';
import { GossipRepository, openDatabase, type Database } from '../../../core/store';
import { ManualClock } from '../../../core/runtime/clock';
import { GossipService, type GossipPeersPort } from '../../../core/runtime/gossip/service';
import type { FundingLookupHooks } from '../../../core/runtime/gossip/funding';
import { encodeMessage, shortChannelIdParts } from '../../../core/wire';
import { tempDir } from '../../support/tmp';
import { CHAIN, NOW_MS, TestChain, channel, fundingTxidOf, node, scid, update, type TestChannel } from './support';

const PEER = node(90).hex;
const TIP = 900_000;

/** A node with no peer connected: the gossip here comes from the store and from `apply`. */
const noPeers: GossipPeersPort = {
  onMessage: () => () => undefined,
  onPeerReady: () => () => undefined,
  onPeerClosed: () => () => undefined,
  peers: () => [],
  peer: () => undefined,
  send: () => false,
  queuedBytes: () => 0,
  disconnect: () => false,
};

const outpointOf = (ch: TestChannel): string => `${fundingTxidOf(ch.scid)}:${shortChannelIdParts(ch.scid).outputIndex}`;

/** Lets every answer already given (promises resolved at once) run through the service. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** Channels stored the way a node without a chain (or before migration 15) stored them: no funding txid, no capacity. */
function storeLegacy(db: Database, channels: readonly TestChannel[]): void {
  const changes: GossipChange[] = [];
  for (const ch of channels) {
    changes.push({
      kind: 'channel_added', shortChannelId: ch.scid, nodeId1: ch.ends[0].hex, nodeId2: ch.ends[1].hex, announcement: encodeMessage(ch.announcement),
      capacitySat: null, fundingTxid: null, receivedAtMs: NOW_MS,
    });
    for (const d of [0, 1] as const) changes.push({ kind: 'channel_updated', shortChannelId: ch.scid, direction: d, update: encodeMessage(update(ch, d)) });
  }
  new GossipRepository(db).applyGossipChanges(changes);
}

/** A funding lookup over `chain`, telling the txid first (as core/runtime/gossip/funding.ts does), optionally held until `release`. */
function lookupOver(chain: TestChain) {
  const asked: bigint[] = [];
  const held: (() => void)[] = [];
  let hold = false;
  const fn = (s: bigint, hooks?: FundingLookupHooks): Promise<FundingLookupResult> => {
    asked.push(s);
    const r = chain.lookup(s);
    if ((r.kind === 'unspent' || r.kind === 'spent') && r.txid !== undefined) hooks?.found?.(r.txid);
    if (!hold) return Promise.resolve(r);
    return new Promise((resolve) => held.push(() => resolve(r)));
  };
  return {
    fn, asked,
    holdAnswers: () => void (hold = true),
    release: () => {
      hold = false;
      for (const h of held.splice(0)) h();
    },
  };
}

function service(db: Database, clock: ManualClock, funding: ReturnType<typeof lookupOver>, spendChecks?: {
  answers: Map<string, SpendAnswer>; asked: string[]; limits?: { ratePerSecond: number; burst: number };
}) {
  const manager = new GossipManager({ chainHash: CHAIN, nowMs: clock.now() });
  const logs: Record<string, unknown>[] = [];
  const s = new GossipService({
    manager, store: new GossipRepository(db), peers: noPeers, funding: funding.fn, clock, publish: () => undefined, log: (l) => logs.push(l),
    spendChecks: spendChecks ? {
      query: (txid, vout) => {
        spendChecks.asked.push(`${txid}:${vout}`);
        return Promise.resolve(spendChecks.answers.get(`${txid}:${vout}`) ?? { kind: 'unspent' });
      },
      chain: () => ({ tipHeight: TIP + 10, hashAt: (h) => `hash${h}` }),
      ...(spendChecks.limits ? { limits: spendChecks.limits } : {}),
    } : null,
  });
  s.start();
  return { s, manager, logs };
}

const storedTxids = (db: Database): Map<bigint, string | null> =>
  new Map(new GossipRepository(db).loadGossip().channels.map((c) => [c.shortChannelId, c.fundingTxid]));

describe('channels stored without a funding txid, blocks mode', () => {
  const ab = channel(node(1), node(2), scid(800_000));
  const bc = channel(node(2), node(3), scid(800_001));
  const cd = channel(node(3), node(4), scid(800_002));

  it('have it resolved from the short_channel_id and stored, then a spend in a block is seen', async () => {
    const db = openDatabase(join(tempDir(), 'glasswing.sqlite'));
    storeLegacy(db, [ab, bc]);
    const clock = new ManualClock(NOW_MS);
    const lookups = lookupOver(new TestChain().fund(ab).fund(bc));
    const { s, manager } = service(db, clock, lookups);
    // Nothing is known of their outputs before the lookups.
    expect(s.isFundingOutpoint(outpointOf(ab))).toBe(false);
    s.blockHeight(TIP);
    await settle();
    clock.advance(1_000);
    await settle();
    expect(lookups.asked).toEqual([ab.scid, bc.scid]);
    expect(manager.graph.channel(ab.scid)?.fundingTxid).toBe(fundingTxidOf(ab.scid));
    expect(storedTxids(db).get(bc.scid)).toBe(fundingTxidOf(bc.scid));
    // Taken with no chain, they had no capacity: the output's value is it now, in memory and stored.
    expect(manager.graph.channel(ab.scid)?.capacitySat).toBe(ab.capacitySat);
    expect(new GossipRepository(db).loadGossip().channels.map((c) => c.capacitySat)).toEqual([ab.capacitySat, bc.capacitySat]);
    // The chain tracker's spend filter now says yes to them, and a spend in a block marks the channel.
    expect(s.isFundingOutpoint(outpointOf(bc))).toBe(true);
    s.fundingSpent(outpointOf(bc), TIP + 1);
    expect(manager.graph.channel(bc.scid)?.spentAtHeight).toBe(TIP + 1);
    s.close();
    expect(new GossipRepository(db).loadGossip().channels.find((c) => c.shortChannelId === bc.scid)?.spentAtHeight).toBe(TIP + 1);
  });

  it('one the chain says is spent is marked at our tip (its spend cannot be dated); one of another script is forgotten; one not found waits a day', async () => {
    const db = openDatabase(join(tempDir(), 'glasswing.sqlite'));
    storeLegacy(db, [ab, bc, cd]);
    const clock = new ManualClock(NOW_MS);
    const chain = new TestChain()
      .set(ab.scid, { kind: 'spent', txid: fundingTxidOf(ab.scid) })
      .set(bc.scid, { kind: 'unspent', scriptPubkey: new Uint8Array(34).fill(1), amountSat: 5n, confirmations: 10, txid: fundingTxidOf(bc.scid) });
    const lookups = lookupOver(chain);
    const { s, manager, logs } = service(db, clock, lookups);
    s.blockHeight(TIP);
    await settle();
    clock.advance(1_000);
    await settle();
    expect(manager.graph.channel(ab.scid)?.spentAtHeight).toBe(TIP);
    expect(manager.graph.channel(bc.scid)).toBeUndefined();
    expect(manager.graph.channel(cd.scid)?.fundingTxid).toBeNull();
    expect(logs.filter((l) => l.event === 'gossip_funding_resolved').map((l) => l.outcome)).toEqual(['spent', 'mismatch', 'not_found']);
    // Not found: asked again 144 blocks later, not before.
    chain.fund(cd);
    s.blockHeight(TIP + 143);
    await settle();
    expect(lookups.asked.filter((x) => x === cd.scid)).toHaveLength(1);
    s.blockHeight(TIP + 144);
    await settle();
    expect(lookups.asked.filter((x) => x === cd.scid)).toHaveLength(2);
    expect(manager.graph.channel(cd.scid)?.fundingTxid).toBe(fundingTxidOf(cd.scid));
    // The spent one was forgotten 72 blocks after our tip then (BOLT 7's delay, counted from the latest the spend can be).
    expect(manager.graph.channel(ab.scid)).toBeUndefined();
    s.close();
    const stored = new GossipRepository(db).loadGossip().channels;
    expect(stored.map((c) => [c.shortChannelId, c.fundingTxid])).toEqual([[cd.scid, fundingTxidOf(cd.scid)]]);
  });
});

describe('a spend dated at our tip (blocks mode: the source cannot date it)', () => {
  const ab = channel(node(1), node(2), scid(800_000));
  const bc = channel(node(2), node(3), scid(800_001));

  it('is asked about again when that block leaves the chain: kept if still spent, dropped if not', async () => {
    const db = openDatabase(join(tempDir(), 'glasswing.sqlite'));
    storeLegacy(db, [ab, bc]);
    const clock = new ManualClock(NOW_MS);
    const chain = new TestChain().set(ab.scid, { kind: 'spent', txid: fundingTxidOf(ab.scid) }).set(bc.scid, { kind: 'spent', txid: fundingTxidOf(bc.scid) });
    const lookups = lookupOver(chain);
    const { s, manager } = service(db, clock, lookups);
    s.blockHeight(TIP);
    await settle();
    clock.advance(1_000);
    await settle();
    expect([ab, bc].map((c) => manager.graph.channel(c.scid)?.spentAtHeight)).toEqual([TIP, TIP]);
    // Our tip leaves the chain (as the node reports it: the disconnection, then the new tip). The
    // real spends were older, and blocks are not scanned again: the source is asked. ab's output
    // is still spent there; bc's spend left the chain with the block.
    chain.fund(bc);
    s.blockDisconnected(TIP);
    s.blockHeight(TIP - 1);
    await settle();
    expect(lookups.asked.slice(2).sort()).toEqual([ab.scid, bc.scid].sort());
    expect(manager.graph.channel(ab.scid)?.spentAtHeight).toBe(TIP - 1);
    expect(manager.graph.channel(bc.scid)?.spentAtHeight).toBeNull();
    // Again, with the source down at first: asked after our next block.
    chain.set(ab.scid, { kind: 'unavailable' });
    s.blockDisconnected(TIP - 1);
    s.blockHeight(TIP - 2);
    await settle();
    expect(manager.graph.channel(ab.scid)?.spentAtHeight).toBeNull();
    chain.set(ab.scid, { kind: 'spent', txid: fundingTxidOf(ab.scid) });
    s.blockHeight(TIP - 1);
    await settle();
    expect(manager.graph.channel(ab.scid)?.spentAtHeight).toBe(TIP - 1);
    s.close();
  });
});

describe('a spend confirmed while a funding lookup is on its way (blocks mode)', () => {
  const ab = channel(node(1), node(2), scid(800_000));

  it('is taken when the announcement is accepted', async () => {
    const db = openDatabase(join(tempDir(), 'glasswing.sqlite'));
    const clock = new ManualClock(NOW_MS);
    const lookups = lookupOver(new TestChain().fund(ab));
    const { s, manager } = service(db, clock, lookups);
    s.blockHeight(TIP);
    manager.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, clock.now());
    lookups.holdAnswers();
    s.apply(manager.receive(PEER, ab.announcement, clock.now()));
    await settle();
    expect(lookups.asked).toEqual([ab.scid]);
    // The lookup knows the txid and is asking whether the output is spent: the tracker scans a
    // block meanwhile, and its spend filter already says yes to that outpoint.
    expect(s.isFundingOutpoint(outpointOf(ab))).toBe(true);
    s.fundingSpent(outpointOf(ab), TIP + 1);
    expect(manager.graph.channel(ab.scid)).toBeUndefined();
    // The answer (the source answered before that block: unspent) accepts the channel, spent at that block.
    lookups.release();
    await settle();
    expect(manager.graph.channel(ab.scid)?.spentAtHeight).toBe(TIP + 1);
    expect(s.isFundingOutpoint(outpointOf(ab))).toBe(true);
    s.close();
  });

  it('is dropped when its block leaves the chain before the answer', async () => {
    const db = openDatabase(join(tempDir(), 'glasswing.sqlite'));
    const clock = new ManualClock(NOW_MS);
    const lookups = lookupOver(new TestChain().fund(ab));
    const { s, manager } = service(db, clock, lookups);
    s.blockHeight(TIP);
    manager.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, clock.now());
    lookups.holdAnswers();
    s.apply(manager.receive(PEER, ab.announcement, clock.now()));
    await settle();
    s.fundingSpent(outpointOf(ab), TIP + 1);
    s.blockDisconnected(TIP + 1);
    lookups.release();
    await settle();
    expect(manager.graph.channel(ab.scid)?.spentAtHeight).toBeNull();
    // Once the answer is in, the outpoint is a graph channel's like any other.
    expect(s.isFundingOutpoint(outpointOf(ab))).toBe(true);
    s.close();
  });
});

describe('filtered mode (Esplora)', () => {
  const chans = Array.from({ length: 6 }, (_, i) => channel(node(10 + i), node(11 + i), scid(800_000 + i)));

  it('resolves channels without a funding txid in the rotation, at the cost of a lookup\'s requests, then checks them like the others', async () => {
    const db = openDatabase(join(tempDir(), 'glasswing.sqlite'));
    storeLegacy(db, chans.slice(0, 3));
    const clock = new ManualClock(NOW_MS);
    const chain = new TestChain();
    for (const ch of chans) chain.fund(ch);
    chain.set(chans[1]!.scid, { kind: 'spent', txid: fundingTxidOf(chans[1]!.scid) });
    const lookups = lookupOver(chain);
    const checks = { answers: new Map<string, SpendAnswer>([[outpointOf(chans[1]!), { kind: 'spent', height: TIP + 3, blockHash: `hash${TIP + 3}` }]]), asked: [] as string[], limits: { ratePerSecond: 1, burst: 10 } };
    const { s, manager } = service(db, clock, lookups, checks);
    s.blockHeight(TIP + 10);
    await settle();
    // Six tokens a resolution out of a burst of ten: one now.
    expect(lookups.asked).toEqual([chans[0]!.scid]);
    clock.advance(2_000);
    await settle();
    expect(lookups.asked).toEqual([chans[0]!.scid, chans[1]!.scid]);
    // The spent one is dated by one spend check (its block's height and hash), before anything else.
    clock.advance(1_000);
    await settle();
    expect(checks.asked).toEqual([outpointOf(chans[1]!)]);
    expect(manager.graph.channel(chans[1]!.scid)?.spentAtHeight).toBe(TIP + 3);
    clock.advance(6_000);
    await settle();
    expect(lookups.asked).toEqual(chans.slice(0, 3).map((c) => c.scid));
    // Written at the next tick (one transaction a second).
    clock.advance(1_000);
    await settle();
    expect([...storedTxids(db).values()]).toEqual(chans.slice(0, 3).map((c) => fundingTxidOf(c.scid)));
    // The next block's pass asks about the resolved unspent ones with one request each, no lookup.
    s.blockHeight(TIP + 11);
    clock.advance(10_000);
    await settle();
    expect(checks.asked.slice(1)).toEqual([outpointOf(chans[0]!), outpointOf(chans[2]!)]);
    expect(lookups.asked).toHaveLength(3);
    s.close();
  });

  it('goes on after a restart where the rotation stopped', async () => {
    const file = join(tempDir(), 'glasswing.sqlite');
    const db = openDatabase(file);
    // Channels checked on chain when they were taken (their txids known).
    const repo = new GossipRepository(db);
    repo.applyGossipChanges(chans.map((ch): GossipChange => ({
      kind: 'channel_added', shortChannelId: ch.scid, nodeId1: ch.ends[0].hex, nodeId2: ch.ends[1].hex, announcement: encodeMessage(ch.announcement),
      capacitySat: ch.capacitySat, fundingTxid: fundingTxidOf(ch.scid), receivedAtMs: NOW_MS,
    })));
    const clock = new ManualClock(NOW_MS);
    const lookups = lookupOver(new TestChain());
    const checks = { answers: new Map<string, SpendAnswer>(), asked: [] as string[], limits: { ratePerSecond: 0.001, burst: 2 } };
    const first = service(db, clock, lookups, checks);
    first.s.blockHeight(TIP);
    await settle();
    expect(checks.asked).toEqual(chans.slice(0, 2).map(outpointOf));
    first.s.close();
    db.close();
    // A restart: the next pass's place was stored; the rotation goes on from the third channel.
    const db2 = openDatabase(file);
    expect(new GossipRepository(db2).loadGossip().spendCheckCursor).toBe(chans[1]!.scid);
    const second = service(db2, clock, lookups, checks);
    second.s.blockHeight(TIP);
    await settle();
    expect(checks.asked.slice(2)).toEqual(chans.slice(2, 4).map(outpointOf));
    second.s.close();
    expect(lookups.asked).toEqual([]);
  });
});
