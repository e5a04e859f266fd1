/**
 * Retired monitors on real SQLite files (issue 19: a start must not restore every channel ever
 * closed). A closed channel whose every output is irrevocably resolved (finalityDepth deep) keeps its
 * final view; a restart serves that view — the same one a monitor restored from the whole log shows at
 * the same height — without reading its log. A channel still resolving is restored as before.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { join } from 'node:path';
import { txid as txidOf, txidToHex, type Transaction } from '../../../core/bitcoin';
import type { ChainEvent } from '../../../core/chain';
import { toHex } from '../../../core/crypto';
import {
  ChannelData, ChannelMonitor, DEFAULT_MONITOR_POLICY, decodeRetiredView, encodeRetiredView, isRetirable, retiredViewAt,
  type MonitorSigner, type MonitorUpdate, type MonitorView,
} from '../../../core/monitor';
import { ChannelMonitors } from '../../../core/runtime/channel/monitors';
import { DATABASE_FILE, MonitorRepository, OpeningsRepository, openDatabase, runTransaction, type Database } from '../../../core/store';
import { ChannelsRepository } from '../../../core/store/channels-repository';
import { MonitoredPair, fakeFunding, signedLocalCommitment, type Party } from '../../support/monitor-channel';
import { tempDir } from '../../support/tmp';

const FINAL = DEFAULT_MONITOR_POLICY.finalityDepth;

let dbs: Database[] = [];
afterEach(() => {
  for (const db of dbs) db.close();
  dbs = [];
});

function openAt(path: string) {
  const db = openDatabase(path);
  dbs.push(db);
  return { db, repo: new MonitorRepository(db) };
}

/** A mutual close of the pair's channel: one input spending the funding output, the two balances out. */
function mutualClose(p: Party, outpoint: { txid: Uint8Array; vout: number }): Transaction {
  return {
    version: 2,
    inputs: [{ prevout: outpoint, scriptSig: new Uint8Array(0), sequence: 0xffffffff, witness: [] }],
    outputs: [{ value: 490_000n, scriptPubKey: p.sweepScript }, { value: 500_000n, scriptPubKey: new Uint8Array([0x00, 0x14, ...new Uint8Array(20).fill(9)]) }],
    locktime: 0,
  };
}

interface Stored {
  readonly id: string;
  readonly pair: MonitoredPair;
  /** The whole log side A's monitor was fed. */
  readonly log: MonitorUpdate[];
  readonly closing: Transaction;
}

/**
 * A channel whose monitor (side A) is stored as the runtime stores it: its log, and its snapshot after
 * the closing transaction confirmed at `closeHeight` and the chain reached `tip`.
 */
function storeChannel(repo: MonitorRepository, name: string, how: 'mutual' | 'force', closeHeight: number, tip: number): Stored {
  const funding = fakeFunding(name);
  const pair = new MonitoredPair({ fundingOutpoint: funding, channelType: 'anchors' });
  const h = pair.add(pair.a, 5_000_000n, `${name} pay`, 700_000);
  pair.commit(pair.a);
  pair.fulfill(pair.b, h.id, `${name} pay`);
  pair.commit(pair.b);
  const id = toHex(ChannelData.fromUpdates(pair.a.updates).params.channelId);
  const closing = how === 'mutual' ? mutualClose(pair.a, funding) : signedLocalCommitment(pair.a).tx;
  const log: MonitorUpdate[] = [...pair.a.updates, ...(how === 'mutual' ? [{ kind: 'closing_tx', txid: txidOf(closing) } as const] : [])];
  const m = ChannelMonitor.open(log, pair.a.monitorSigner);
  m.start();
  m.transactionsConfirmed([closing], closeHeight);
  m.bestBlock(tip);
  repo.appendMonitorUpdates(id, log);
  repo.saveMonitorSnapshot(id, m.snapshot(), m.view().state);
  return { id, pair, log, closing };
}

function monitorsOn(db: Database, repo: MonitorRepository, signerFor: (k: number) => MonitorSigner, logLines: Record<string, unknown>[] = []) {
  const stores = { channels: new ChannelsRepository(db), openings: new OpeningsRepository(db), monitors: repo, atomically: <T>(fn: () => T) => runTransaction(db, fn) };
  return new ChannelMonitors({
    stores, chain: null, wallet: null, signerFor, publish: () => undefined, log: (l) => logLines.push(l), upstream: () => undefined,
  });
}

/** The view a monitor restored from the whole log shows at `tip` (the reference). */
function fullReplay(s: Stored, snapshotRepo: MonitorRepository, tip: number): MonitorView {
  const snap = snapshotRepo.loadMonitor(s.id)!.snapshot;
  const m = ChannelMonitor.restore(s.log, snap, s.pair.a.monitorSigner);
  m.start();
  m.bestBlock(tip);
  return m.view();
}

describe('retired monitors', () => {
  it('a restart after many closed channels reads no closed monitor\'s log, and lists the same views', () => {
    const path = join(tempDir('glasswing-retired-'), DATABASE_FILE);
    const { db, repo } = openAt(path);
    const closeHeight = 1_000;
    const tip = closeHeight + FINAL + 20;
    const closed = Array.from({ length: 8 }, (_, i) => storeChannel(repo, `closed ${i}`, 'mutual', closeHeight + i, tip));
    // One force close still resolving: our to_local waits for its delay, nothing is final.
    const resolving = storeChannel(repo, 'resolving', 'force', tip - 3, tip);
    const signers = new Map([...closed, resolving].map((s, i) => [i, s.pair.a.monitorSigner]));
    const keyOf = new Map([...closed, resolving].map((s, i) => [s.id, i]));
    const reference = new Map([...closed, resolving].map((s) => [s.id, fullReplay(s, repo, tip)]));
    for (const s of closed) expect(isRetirable(reference.get(s.id)!)).toBe(true);
    expect(isRetirable(reference.get(resolving.id)!)).toBe(false);

    // First start on this store: the closed ones are retired at restore (their logs read this once).
    const first = monitorsOn(db, repo, (k) => signers.get(k)!);
    for (const [id, k] of keyOf) expect(first.restore(id, k, null)).toBe(true);
    for (const s of closed) expect(first.retired(s.id)).toBe(true);
    expect(first.retired(resolving.id)).toBe(false);
    for (const [id, view] of reference) expect(first.view(id)).toEqual(view);
    db.close();
    dbs = dbs.filter((d) => d !== db);

    // The restart: no closed monitor's log is read, and every view is what a full replay shows.
    const again = openAt(path);
    const load = vi.spyOn(again.repo, 'loadMonitor');
    const second = monitorsOn(again.db, again.repo, (k) => signers.get(k)!);
    for (const [id, k] of keyOf) expect(second.restore(id, k, null)).toBe(true);
    expect(load.mock.calls.map((c) => c[0])).toEqual([resolving.id]);
    second.start();
    for (const [id, view] of reference) expect(second.view(id)).toEqual(view);
    expect(second.views().length).toBe(closed.length + 1);
    expect(second.has(closed[0]!.id)).toBe(true);
    // Nothing to claim or record for a retired channel.
    expect(second.recordPreimage(closed[0]!.id, new Uint8Array(32))).toBe(false);
    expect(second.forceClose(closed[0]!.id)).toBeNull();
  });

  it('a monitor is retired in the block its last output becomes final, and its view follows the height like a live one', () => {
    const path = join(tempDir('glasswing-retired-'), DATABASE_FILE);
    const { db, repo } = openAt(path);
    const closeHeight = 2_000;
    // Closed 10 blocks ago: not final yet.
    const s = storeChannel(repo, 'live until final', 'mutual', closeHeight, closeHeight + 9);
    const lines: Record<string, unknown>[] = [];
    const monitors = monitorsOn(db, repo, () => s.pair.a.monitorSigner, lines);
    expect(monitors.restore(s.id, 0, null)).toBe(true);
    monitors.start();
    expect(monitors.retired(s.id)).toBe(false);
    const block = (height: number): ChainEvent => ({ type: 'chain.block_connected', height, hash: '00'.repeat(32), time: 0 });
    for (let h = closeHeight + 10; h < closeHeight + FINAL - 1; h++) monitors.onChainEvents([block(h)]);
    expect(monitors.retired(s.id)).toBe(false);
    expect(monitors.view(s.id)!.state).toBe('closing');
    monitors.onChainEvents([block(closeHeight + FINAL - 1)]);
    expect(monitors.retired(s.id)).toBe(true);
    expect(lines.map((l) => l.event)).toContain('monitor_retired');
    expect(monitors.view(s.id)).toEqual(fullReplay(s, repo, closeHeight + FINAL - 1));
    // The stored view at a later height is the live monitor's at that height.
    const later = closeHeight + FINAL + 500;
    expect(retiredViewAt(repo.retiredMonitors().get(s.id)!, later)).toEqual(fullReplay(s, repo, later));
    // A lower height (a chain catching up) does not undo what is final.
    expect(retiredViewAt(repo.retiredMonitors().get(s.id)!, 10)).toEqual(monitors.view(s.id));
  });

  it('a force close retires once our outputs are final, the peer\'s main output and both anchors left unspent (nobody may ever take them)', () => {
    const funding = fakeFunding('force retired');
    const pair = new MonitoredPair({ fundingOutpoint: funding, channelType: 'anchors' });
    const h = pair.add(pair.a, 5_000_000n, 'force retired pay', 700_000);
    pair.commit(pair.a);
    pair.fulfill(pair.b, h.id, 'force retired pay');
    pair.commit(pair.b);
    const m = ChannelMonitor.open(pair.a.updates, pair.a.monitorSigner);
    m.start();
    const closeHeight = 5_000;
    m.transactionsConfirmed([signedLocalCommitment(pair.a).tx], closeHeight);
    // Our to_local matures after to_self_delay (30): the sweep goes out and confirms.
    const sweeps: Transaction[] = [];
    for (let height = closeHeight + 1; sweeps.length === 0 && height < closeHeight + 60; height++) {
      for (const a of m.bestBlock(height).actions) if (a.type === 'broadcast' && a.label === 'to_local') sweeps.push(a.tx);
    }
    expect(sweeps.length).toBe(1);
    const sweepHeight = closeHeight + 40;
    m.transactionsConfirmed(sweeps, sweepHeight);
    m.bestBlock(sweepHeight + FINAL - 2);
    expect(isRetirable(m.view())).toBe(false); // the sweep one block short of final
    m.bestBlock(sweepHeight + FINAL - 1);
    const view = m.view();
    expect(view.state).toBe('closed');
    const unspent = view.outputs.filter((o) => o.spentBy === null).map((o) => `${o.role} ${o.status}`).sort();
    expect(unspent).toEqual(['our_anchor not_claimed', 'their_anchor theirs', 'their_main theirs']);
    expect(isRetirable(view)).toBe(true);
    expect(decodeRetiredView(view.channelId, JSON.parse(encodeRetiredView(view)))).toEqual(view);
    const later = sweepHeight + FINAL + 300;
    m.bestBlock(later);
    expect(retiredViewAt(view, later)).toEqual(m.view());
    // An unspent output of any other role is still something to follow.
    const mature = view.outputs.find((o) => o.role === 'local_to_local')!;
    const stillOurs = { ...view, outputs: view.outputs.map((o) => (o === mature ? { ...o, status: 'claimable' as const, spentBy: null } : o)) };
    expect(isRetirable(stillOurs)).toBe(false);
    const damaged = { ...view, outputs: view.outputs.map((o) => (o.role === 'their_main' ? { ...o, status: 'not_claimed' as const } : o)) };
    expect(() => decodeRetiredView(view.channelId, { version: 1, view: damaged })).toThrow(expect.objectContaining({ code: 'monitor.bad_snapshot' }));
  });

  it('a damaged retired view is store.bad_monitor, never anything else', () => {
    const { db, repo } = openAt(join(tempDir('glasswing-retired-'), DATABASE_FILE));
    const s = storeChannel(repo, 'damaged', 'mutual', 3_000, 3_000 + FINAL + 1);
    const view = fullReplay(s, repo, 3_000 + FINAL + 1);
    repo.retireMonitor(s.id, view);
    expect(repo.retiredMonitors().get(s.id)).toEqual(view);
    const good = encodeRetiredView(view);
    const damaged = [
      'not json', '{}', '[]', 'null', JSON.stringify({ version: 2, view }),
      JSON.stringify({ version: 1, view: { ...view, channelId: '11'.repeat(32) } }),
      JSON.stringify({ version: 1, view: { ...view, state: 'closing' } }),
      JSON.stringify({ version: 1, view: { ...view, closing: { ...view.closing, depth: 3 } } }),
      JSON.stringify({ version: 1, view: { ...view, closing: { ...view.closing, kind: 'sideways' } } }),
      JSON.stringify({ version: 1, view: { ...view, totals: { ...view.totals, lostSat: '-1' } } }),
      JSON.stringify({ version: 1, view: { ...view, outputs: [{ outpoint: 'x' }] } }),
      JSON.stringify({ version: 1, view: { ...view, htlcs: [{ offerer: 'local' }] } }),
      good.slice(0, good.length - 5),
    ];
    for (const text of damaged) {
      db.prepare('UPDATE monitors SET retired = ? WHERE channel_id = ?').run(text, s.id);
      expect(() => repo.retiredMonitors()).toThrow(expect.objectContaining({ code: 'store.bad_monitor' }));
    }
    db.prepare('UPDATE monitors SET retired = ? WHERE channel_id = ?').run(new Uint8Array([1, 2]), s.id);
    expect(() => repo.retiredMonitors()).toThrow(expect.objectContaining({ code: 'store.bad_monitor' }));
    // Only a retirable view can be stored as one.
    const open = storeChannel(repo, 'not closed', 'force', 3_000, 3_001);
    expect(() => repo.retireMonitor(open.id, fullReplay(open, repo, 3_001))).toThrow(expect.objectContaining({ code: 'store.bad_monitor' }));
    expect(decodeRetiredView(s.id, JSON.parse(good))).toEqual(view);
    expect(txidToHex(txidOf(s.closing))).toBe(view.closing!.txid);
  });
});
