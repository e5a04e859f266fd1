/**
 * Graph channels' funding spends in filtered mode (core/gossip/spend-check.ts): which outputs are
 * asked about and when (a token bucket, urgent ones first, a rotation of one pass per block), what
 * an answer means against our chain (`judgeSpend`); and a spend that a reorganisation takes away
 * (`GossipManager.blockDisconnected`), in memory and in a real SQLite file.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GossipManager, SpendChecks, judgeSpend, type GossipChange, type SpendChainView } from '../../../core/gossip';
import { GossipRepository, openDatabase } from '../../../core/store';
import { tempDir } from '../../support/tmp';
import { CHAIN, NOW_MS, TestChain, channel, feed, node, scid, update } from './support';

const PEER = node(90).hex;
const ids = (n: number): bigint[] => Array.from({ length: n }, (_, i) => scid(800_000 + i));
const all = (): boolean => true;

describe('judgeSpend', () => {
  const chain: SpendChainView = { tipHeight: 110, hashAt: (h) => (h >= 50 ? `hash${h}` : undefined) };

  it('takes a confirmed spend in a block of our chain, and an unconfirmed one as unspent', () => {
    expect(judgeSpend({ kind: 'spent', height: 105, blockHash: 'hash105' }, chain)).toEqual({ kind: 'spent', height: 105 });
    expect(judgeSpend({ kind: 'spent', height: 110, blockHash: 'hash110' }, chain)).toEqual({ kind: 'spent', height: 110 });
    expect(judgeSpend({ kind: 'spent_unconfirmed' }, chain)).toEqual({ kind: 'unspent' });
    expect(judgeSpend({ kind: 'unspent' }, chain)).toEqual({ kind: 'unspent' });
  });

  it('asks again about a spend above our tip, in a block not ours, or before our first sync', () => {
    expect(judgeSpend({ kind: 'spent', height: 111, blockHash: 'hash111' }, chain)).toEqual({ kind: 'retry' });
    expect(judgeSpend({ kind: 'spent', height: 105, blockHash: 'other' }, chain)).toEqual({ kind: 'retry' });
    expect(judgeSpend({ kind: 'spent', height: 105, blockHash: 'hash105' }, { tipHeight: null, hashAt: () => undefined })).toEqual({ kind: 'retry' });
  });

  it('takes a spend below the headers we keep (older than any reorganisation we follow)', () => {
    expect(judgeSpend({ kind: 'spent', height: 10, blockHash: 'anything' }, chain)).toEqual({ kind: 'spent', height: 10 });
  });
});

describe('SpendChecks', () => {
  it('walks the graph in short_channel_id order, as many a second as its rate allows after the burst', () => {
    const list = ids(30);
    const c = new SpendChecks({ ratePerSecond: 2, burst: 5 }, NOW_MS);
    c.tip(900_000);
    expect(c.next(NOW_MS, 100, list, all)).toEqual(list.slice(0, 5));
    expect(c.next(NOW_MS, 100, list, all)).toEqual([]);
    expect(c.next(NOW_MS + 1_000, 100, list, all)).toEqual(list.slice(5, 7));
    // `max` (the free request slots) bounds a call too; the rest waits in the bucket.
    expect(c.next(NOW_MS + 5_000, 1, list, all)).toEqual([list[7]]);
    expect(c.next(NOW_MS + 5_000, 100, list, all)).toEqual(list.slice(8, 12));
  });

  it('makes one pass per block: a finished pass waits for a new tip', () => {
    const list = ids(4);
    const c = new SpendChecks({ ratePerSecond: 1_000, burst: 1_000 }, NOW_MS);
    c.tip(900_000);
    expect(c.next(NOW_MS, 100, list, all)).toEqual(list);
    expect(c.next(NOW_MS + 60_000, 100, list, all)).toEqual([]);
    expect(c.stats().passes).toBe(1);
    c.tip(900_000);
    expect(c.next(NOW_MS + 60_000, 100, list, all)).toEqual([]);
    c.tip(900_001);
    expect(c.next(NOW_MS + 60_000, 100, list, all)).toEqual(list);
  });

  it('resumes a pass after the stored cursor, and reports where it is', () => {
    const list = ids(10);
    const c = new SpendChecks({ ratePerSecond: 1_000, burst: 3 }, NOW_MS, list[4]!);
    c.tip(900_000);
    expect(c.cursor).toBe(list[4]);
    expect(c.next(NOW_MS, 100, list, all)).toEqual(list.slice(5, 8));
    expect(c.cursor).toBe(list[7]);
    expect(c.next(NOW_MS + 1_000, 100, list, all)).toEqual(list.slice(8, 10));
    // The pass ended: the next one (after a new tip) starts from the lowest.
    expect(c.cursor).toBeNull();
    expect(c.stats().passes).toBe(1);
    c.tip(900_001);
    expect(c.next(NOW_MS + 2_000, 100, list, all)).toEqual(list.slice(0, 3));
  });

  it('charges each id its cost: a channel to resolve costs the requests of a lookup', () => {
    const list = ids(6);
    const c = new SpendChecks({ ratePerSecond: 1, burst: 10 }, NOW_MS);
    c.tip(900_000);
    const cost = (s: bigint) => (s === list[1] ? 6 : 1);
    expect(c.next(NOW_MS, 100, list, all, cost)).toEqual(list.slice(0, 5));
    expect(c.next(NOW_MS, 100, list, all, cost)).toEqual([]);
    expect(c.next(NOW_MS + 1_000, 100, list, all, cost)).toEqual([list[5]]);
  });

  it('passes over channels that cannot be asked about without spending a token', () => {
    const list = ids(10);
    const c = new SpendChecks({ ratePerSecond: 1, burst: 2 }, NOW_MS);
    c.tip(1);
    const odd = (s: bigint) => list.indexOf(s) % 2 === 1;
    expect(c.next(NOW_MS, 100, list, odd)).toEqual([list[1], list[3]]);
  });

  it('asks about urgent channels first, and about those whose answer named a block we lack after our next block', () => {
    const list = ids(10);
    const c = new SpendChecks({ ratePerSecond: 1, burst: 3 }, NOW_MS);
    c.tip(900_000);
    c.urgent([list[8]!, list[9]!]);
    c.afterNextBlock(list[5]!);
    expect(c.next(NOW_MS, 100, list, all)).toEqual([list[8], list[9], list[0]]);
    expect(c.stats()).toMatchObject({ urgent: 0, afterNextBlock: 1 });
    c.tip(900_001);
    expect(c.next(NOW_MS + 1_000, 100, list, all)).toEqual([list[5]]);
    // An urgent channel no longer in the graph (or already spent) is dropped without a token.
    c.urgent([scid(1)]);
    expect(c.next(NOW_MS + 2_000, 100, list, (s) => s !== scid(1))).toEqual([list[1]]);
  });

  it('asks first about a payment part\'s route, and on its failure about the channels next to the failing node', () => {
    const list = ids(10);
    const c = new SpendChecks({ ratePerSecond: 1, burst: 3, maxRoutes: 2 }, NOW_MS);
    c.tip(900_000);
    c.routeUsed('p/0', [list[7]!, list[8]!, list[9]!]);
    expect(c.next(NOW_MS, 100, list, all)).toEqual([list[7], list[8], list[9]]);
    // Our peer's peer (hop 1) failed it: the channel into it and the one out of it.
    c.routeFailed('p/0', 1);
    expect(c.stats().urgent).toBe(2);
    expect(c.next(NOW_MS + 2_000, 100, list, all)).toEqual([list[8], list[9]]);
    // Forgotten once failed; a failure we cannot place names the whole route.
    c.routeFailed('p/0', 1);
    expect(c.stats().urgent).toBe(0);
    c.routeUsed('p/1', [list[1]!, list[2]!]);
    c.next(NOW_MS + 4_000, 100, list, all);
    c.routeFailed('p/1', null);
    expect(c.stats().urgent).toBe(2);
  });

  it('forgets a route failed at its recipient, and keeps at most maxRoutes routes (oldest out)', () => {
    const list = ids(10);
    const c = new SpendChecks({ ratePerSecond: 1, burst: 100, maxRoutes: 2 }, NOW_MS);
    c.tip(900_000);
    c.routeUsed('q/0', [list[3]!]);
    c.routeDone('q/0');
    c.routeUsed('r/0', [list[4]!]);
    c.routeUsed('r/1', [list[5]!]);
    c.routeUsed('r/2', [list[6]!]);
    expect(c.next(NOW_MS, 4, list, all)).toEqual([list[3], list[4], list[5], list[6]]);
    c.routeFailed('q/0', 0);
    c.routeFailed('r/0', 0);
    expect(c.stats().urgent).toBe(0);
    c.routeFailed('r/2', 0);
    expect(c.stats().urgent).toBe(1);
  });

  it('looks at a bounded number of ids per call, so a graph of ineligible channels is walked over several ticks', () => {
    const list = ids(5_000);
    const c = new SpendChecks({ ratePerSecond: 1, burst: 10 }, NOW_MS);
    c.tip(1);
    const last = list[list.length - 1]!;
    const onlyLast = (s: bigint) => s === last;
    expect(c.next(NOW_MS, 10, list, onlyLast)).toEqual([]);
    expect(c.next(NOW_MS, 10, list, onlyLast)).toEqual([]);
    expect(c.stats().passes).toBe(0);
    expect(c.next(NOW_MS, 10, list, onlyLast)).toEqual([last]);
    expect(c.stats().passes).toBe(1);
    expect(c.next(NOW_MS + 60_000, 10, list, onlyLast)).toEqual([]);
  });

  it('pauses after a failed request, longer after each failure in a row, up to a bound; an answer resets it', () => {
    const list = ids(100);
    const c = new SpendChecks({ ratePerSecond: 100, burst: 100, failurePauseMs: 1_000, maxFailurePauseMs: 3_000 }, NOW_MS);
    c.tip(1);
    c.failed(NOW_MS);
    expect(c.next(NOW_MS + 999, 1, list, all)).toEqual([]);
    expect(c.next(NOW_MS + 1_000, 1, list, all)).toEqual([list[0]]);
    c.failed(NOW_MS + 1_000);
    expect(c.next(NOW_MS + 2_999, 1, list, all)).toEqual([]);
    expect(c.next(NOW_MS + 3_000, 1, list, all)).toEqual([list[1]]);
    c.failed(NOW_MS + 3_000);
    c.failed(NOW_MS + 3_000);
    expect(c.next(NOW_MS + 5_999, 1, list, all)).toEqual([]);
    expect(c.next(NOW_MS + 6_000, 1, list, all)).toEqual([list[2]]);
    c.answered();
    c.failed(NOW_MS + 6_000);
    expect(c.next(NOW_MS + 7_000, 1, list, all)).toEqual([list[3]]);
  });

  it('keeps at most maxUrgent waiting (the rotation reaches the rest)', () => {
    const c = new SpendChecks({ maxUrgent: 3 }, NOW_MS);
    c.urgent(ids(10));
    c.hint(ids(10).slice(5));
    expect(c.stats()).toMatchObject({ urgent: 3, hinted: 3 });
  });

  it('asks about hinted channels (both directions disabled) after the urgent ones and before the rotation', () => {
    const list = ids(10);
    const c = new SpendChecks({ ratePerSecond: 1, burst: 4 }, NOW_MS);
    c.tip(1);
    c.hint([list[6]!, list[7]!]);
    c.urgent([list[9]!]);
    c.hint([list[9]!]);
    expect(c.next(NOW_MS, 100, list, all)).toEqual([list[9], list[6], list[7], list[0]]);
    expect(c.stats()).toMatchObject({ urgent: 0, hinted: 0 });
  });

  it('never hands out more than the bucket holds, only eligible ids, and covers every eligible id once per pass', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 60 }),
      fc.array(fc.oneof(
        fc.record({ op: fc.constant('next' as const), dt: fc.integer({ min: 0, max: 5_000 }), max: fc.integer({ min: 0, max: 8 }) }),
        fc.record({ op: fc.constant('tip' as const) }),
        fc.record({ op: fc.constant('urgent' as const), i: fc.nat() }),
      ), { maxLength: 80 }),
      fc.func(fc.boolean()),
      (n, ops, pick) => {
        const list = ids(n);
        const eligibleSet = new Set(list.filter((s) => pick(s.toString())));
        const eligible = (s: bigint) => eligibleSet.has(s);
        const rate = 3;
        const burst = 4;
        const c = new SpendChecks({ ratePerSecond: rate, burst }, NOW_MS);
        let now = NOW_MS;
        let height = 100;
        c.tip(height);
        let handed = 0;
        let urgentAdded = 0;
        let pass = new Set<bigint>();
        for (const o of ops) {
          if (o.op === 'tip') c.tip(++height);
          else if (o.op === 'urgent') {
            if (list.length) {
              c.urgent([list[o.i % list.length]!]);
              urgentAdded++;
            }
          } else {
            now += o.dt;
            const before = c.stats().passes;
            const got = c.next(now, o.max, list, eligible);
            expect(got.length).toBeLessThanOrEqual(o.max);
            for (const s of got) expect(eligible(s)).toBe(true);
            handed += got.length;
            // The bucket: at most the burst plus what the time since the start refilled.
            expect(handed).toBeLessThanOrEqual(burst + ((now - NOW_MS) * rate) / 1000 + 1e-9);
            for (const s of got) pass.add(s);
            if (c.stats().passes > before && urgentAdded === 0) {
              // A pass done with no urgent ones in between asked about every eligible id.
              expect(pass).toEqual(eligibleSet);
              pass = new Set();
            }
            if (c.stats().passes > before) {
              pass = new Set();
              urgentAdded = 0;
            }
          }
        }
      },
    ), { numRuns: 300 });
  });
});

describe('a spend reorganised out', () => {
  const ab = channel(node(1), node(2), scid(800_000));
  const bc = channel(node(2), node(3), scid(800_001));
  const chain = new TestChain().fund(ab).fund(bc);

  function setup(file: string) {
    const db = openDatabase(file);
    const repo = new GossipRepository(db);
    const g = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    g.peerConnected(PEER, { gossipQueries: false, gossipQueriesEx: false }, NOW_MS);
    const write = (changes: readonly unknown[]) => repo.applyGossipChanges(changes as GossipChange[]);
    for (const m of [ab.announcement, bc.announcement, update(ab, 0), update(ab, 1), update(bc, 0), update(bc, 1)]) write(feed(g, PEER, m, chain).changes);
    write(g.blockHeight(900_000).changes);
    return { db, repo, g, write };
  }

  const routable = (g: GossipManager) => [...g.graph.routingView().channelsOf(node(2).hex)].map((c) => c.shortChannelId).sort();

  it('before the forget delay puts the channel back as unspent, routed over, in memory and in SQLite', () => {
    const file = join(tempDir(), 'glasswing.sqlite');
    const { db, g, write } = setup(file);
    write(g.fundingSpent(ab.scid, 900_001).changes);
    write(g.blockHeight(900_002).changes);
    expect(routable(g)).toEqual([bc.scid]);
    // A block above the spend leaves: nothing changes.
    const above = g.blockDisconnected(900_002);
    expect(above.unspent).toEqual([]);
    expect(above.changes).toEqual([]);
    // The spend's block leaves.
    const r = g.blockDisconnected(900_001);
    expect(r.unspent).toEqual([ab.scid]);
    expect(r.changes).toEqual([{ kind: 'channel_unspent', shortChannelId: ab.scid }]);
    write(r.changes);
    expect(g.graph.channel(ab.scid)?.spentAtHeight).toBeNull();
    expect(routable(g)).toEqual([ab.scid, bc.scid].sort());
    // Its updates are taken again (a spent channel takes only disabling ones).
    expect(feed(g, PEER, update(ab, 0, { timestamp: 1_700_000_050, feeBaseMsat: 7 }), chain).outcome).toEqual({ kind: 'accepted' });
    db.close();
    // The store has it unspent: a restart restores it routable.
    const reopened = new GossipRepository(openDatabase(file));
    const g2 = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    g2.restore(reopened.loadGossip());
    expect(g2.graph.channel(ab.scid)?.spentAtHeight).toBeNull();
    expect(routable(g2)).toEqual([ab.scid, bc.scid].sort());
  });

  it('and mined again in another block counts the forget delay from there', () => {
    const { g } = setup(join(tempDir(), 'glasswing.sqlite'));
    g.fundingSpent(ab.scid, 900_001);
    // Seen again at its height (the filter says yes to spent channels too): nothing changes.
    expect(g.fundingSpent(ab.scid, 900_001).changes).toEqual([]);
    // Reorganised and mined again two blocks later, in one step of the chain: the new height.
    expect(g.fundingSpent(ab.scid, 900_003).changes).toEqual([{ kind: 'channel_spent', shortChannelId: ab.scid, height: 900_003 }]);
    expect(g.blockHeight(900_074).changes).toEqual([]);
    expect(g.blockHeight(900_075).changes).toContainEqual({ kind: 'channel_removed', shortChannelId: ab.scid });
  });

  it('after the forget delay is left alone: the channel is gone until gossip brings it again', () => {
    const file = join(tempDir(), 'glasswing.sqlite');
    const { db, g, write } = setup(file);
    write(g.fundingSpent(ab.scid, 900_001).changes);
    write(g.blockHeight(900_073).changes);
    expect(g.graph.channel(ab.scid)).toBeUndefined();
    const r = g.blockDisconnected(900_001);
    expect(r.unspent).toEqual([]);
    expect(r.changes).toEqual([]);
    expect(g.graph.channel(ab.scid)).toBeUndefined();
    db.close();
    const g2 = new GossipManager({ chainHash: CHAIN, nowMs: NOW_MS });
    g2.restore(new GossipRepository(openDatabase(file)).loadGossip());
    expect(g2.graph.channel(ab.scid)).toBeUndefined();
  });
});
