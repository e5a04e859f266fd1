/**
 * Monitor checkpoints on real SQLite files (issue 19: a node's start-up grew with its history).
 * A channel's monitor is restored from its checkpoint (ChannelData.compact(), saved every
 * MONITOR_CHECKPOINT_EVERY updates as the runtime does) and the updates after it, with the HTLCs of
 * the peer's revoked commitments read one commitment at a time when asked: the rows a restart reads
 * stay bounded however many payments the channel carried, and the restored monitor knows what the
 * whole log says (secrets, revoked HTLCs, commitments, the view). A corrupted checkpoint is
 * `store.bad_monitor`, never anything else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { DATABASE_FILE, MIGRATIONS, MonitorRepository, StoreError, openDatabase, schemaVersion } from '../../../core/store';
import type { Database } from '../../../core/store';
import { ChannelData, ChannelMonitor, encodeMonitorUpdate } from '../../../core/monitor';
import type { MonitorUpdate } from '../../../core/monitor';
import { MONITOR_CHECKPOINT_EVERY } from '../../../core/runtime/channel/monitors';
import { MonitoredPair, fakeFunding } from '../../support/monitor-channel';
import { tempDir } from '../../support/tmp';

let open: Database[] = [];
afterEach(() => {
  for (const db of open) db.close();
  open = [];
});

/** The database with every statement's rows counted (what a restart reads), nothing else changed. */
function counted(db: Database): { db: Database; rows: () => number; reset: () => void } {
  let rows = 0;
  const wrap = (statement: object) => new Proxy(statement, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (typeof v !== 'function') return v;
      if (key === 'all') return (...args: unknown[]) => {
        const r = (v as (...a: unknown[]) => unknown[]).apply(target, args);
        rows += r.length;
        return r;
      };
      if (key === 'get') return (...args: unknown[]) => {
        const r = (v as (...a: unknown[]) => unknown).apply(target, args);
        if (r !== undefined) rows++;
        return r;
      };
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
  const proxy = new Proxy(db, {
    get(target, key) {
      const v = Reflect.get(target, key, target) as unknown;
      if (key === 'prepare') return (sql: string) => wrap(target.prepare(sql));
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db: proxy, rows: () => rows, reset: () => (rows = 0) };
}

/**
 * A channel that carries `payments` payments each way (add, commit, fulfill, commit), its side A's
 * monitor updates written to `repo` as the runtime writes them: appended after each step, a
 * checkpoint once MONITOR_CHECKPOINT_EVERY updates were appended since the last.
 */
function history(repo: MonitorRepository, payments: number, name: string): { pair: MonitoredPair; live: ChannelMonitor; id: string } {
  const pair = new MonitoredPair({ fundingOutpoint: fakeFunding(name), channelType: 'anchors' });
  const id = ChannelData.fromUpdates(pair.a.updates).params.channelId;
  const channelId = Buffer.from(id).toString('hex');
  const live = ChannelMonitor.open(pair.a.updates, pair.a.monitorSigner, { remoteHtlcs: (ctn) => repo.remoteHtlcs(channelId, ctn) });
  repo.appendMonitorUpdates(channelId, pair.a.updates);
  let since = pair.a.updates.length;
  pair.onUpdates = (p, u) => {
    if (p !== pair.a) return;
    live.applyUpdates(u);
    repo.appendMonitorUpdates(channelId, u);
    since += u.length;
    if (since >= MONITOR_CHECKPOINT_EVERY) {
      repo.saveMonitorCheckpoint(channelId, live.data.compact());
      since = 0;
    }
  };
  for (let i = 0; i < payments; i++) {
    for (const [from, to] of [[pair.a, pair.b], [pair.b, pair.a]] as const) {
      const h = pair.add(from, 1_000_000n + BigInt(i), `${name} ${from.name} ${i}`, 500_100 + i);
      // Sometimes a second HTLC rides along, so that revoked commitments carry more than one.
      const h2 = i % 3 === 0 ? pair.add(from, 2_000_000n, `${name} ${from.name} ${i} bis`, 500_200 + i) : null;
      pair.commit(from);
      pair.fulfill(to, h.id, `${name} ${from.name} ${i}`);
      if (h2) pair.fail(to, h2.id);
      pair.commit(to);
    }
  }
  // One HTLC left in flight: its preimage must survive a checkpoint.
  const open = pair.add(pair.b, 3_000_000n, `${name} open`, 600_000);
  pair.commit(pair.b);
  pair.fulfill(pair.a, open.id, `${name} open`);
  return { pair, live, id: channelId };
}

/** What the monitor's channel data says, for comparing a restored one with the one that ran (or the whole log's). */
function knowledge(d: ChannelData, upTo: number) {
  const revoked = [];
  for (let ctn = 0; ctn <= upTo; ctn++) revoked.push({ ctn, secret: d.revokedSecret(ctn), htlcs: d.revokedHtlcs(ctn) });
  return {
    revokedUpTo: d.revokedUpTo, revoked, local: d.local, locals: d.localCommitments(), remote: d.remoteUnrevoked(), sweep: d.sweepScript,
    closing: [...d.closingTxids],
    preimages: [...(d.local?.spec.htlcs ?? []), ...d.remoteUnrevoked().flatMap((c) => c.spec.htlcs)].map((h) => d.preimageFor(h.paymentHash) ?? null),
  };
}

function fresh(path = join(tempDir('glasswing-monitorckpt-'), DATABASE_FILE)) {
  const db = openDatabase(path);
  open.push(db);
  return { db, path, repo: new MonitorRepository(db) };
}

describe('monitor checkpoints', () => {
  it('a restart reads a bounded number of rows however long the channel lived, and knows what the whole log says', () => {
    const reads: number[] = [];
    for (const payments of [15, 60]) {
      const { db, path, repo } = fresh();
      const { pair, live, id } = history(repo, payments, `grow ${payments}`);
      const logRows = (db.prepare('SELECT COUNT(*) AS n FROM monitor_updates WHERE channel_id = ?').get(id) as { n: number }).n;
      expect(pair.a.updates.length).toBeGreaterThan(payments * 10);
      // Pruned with each checkpoint (migration 21): the rows after it stay, and the one carrying its seq.
      const ckpt = db.prepare('SELECT seq FROM monitor_checkpoints WHERE channel_id = ?').get(id) as { seq: number } | undefined;
      expect(logRows).toBe(pair.a.updates.length - (ckpt?.seq ?? 0));
      if (payments >= 60) expect(logRows).toBeLessThanOrEqual(MONITOR_CHECKPOINT_EVERY + 1);
      // The whole log folded in memory (no store) is the reference.
      const whole = ChannelData.fromUpdates(pair.a.updates, { trusted: true });
      const upTo = whole.revokedUpTo;
      expect(upTo).toBeGreaterThanOrEqual(payments * 4);
      expect(knowledge(live.data, upTo)).toEqual(knowledge(whole, upTo));
      live.start();
      const liveView = live.view();
      db.close();
      open = open.filter((d) => d !== db);
      // The restart: a new connection, every row it reads counted.
      const c = counted(openDatabase(path));
      open.push(c.db);
      const again = new MonitorRepository(c.db);
      c.reset();
      const stored = again.loadMonitor(id)!;
      reads.push(c.rows());
      expect(stored.sinceCheckpoint).toBeLessThan(MONITOR_CHECKPOINT_EVERY);
      const restored = ChannelMonitor.restore(stored.updates, stored.snapshot, pair.a.monitorSigner, { remoteHtlcs: (ctn) => again.remoteHtlcs(id, ctn) });
      expect(knowledge(restored.data, upTo)).toEqual(knowledge(whole, upTo));
      expect(whole.revokedHtlcs(upTo - 1).length + whole.revokedHtlcs(upTo).length).toBeGreaterThan(0);
      restored.start();
      expect(restored.view()).toEqual(liveView);
      // Reading one revoked commitment's HTLCs is one row.
      c.reset();
      restored.data.revokedHtlcs(upTo - 2);
      expect(c.rows()).toBeLessThanOrEqual(1);
    }
    // Four times the payments, the same bound: the checkpoint, the updates after it (fewer than MONITOR_CHECKPOINT_EVERY), no snapshot.
    expect(reads[0]).toBeLessThanOrEqual(MONITOR_CHECKPOINT_EVERY + 1);
    expect(reads[1]).toBeLessThanOrEqual(MONITOR_CHECKPOINT_EVERY + 1);
  }, 240_000);

  it('a log written before checkpoints is read whole once, its remote commitments indexed; a checkpoint then bounds the next restart', () => {
    const { repo, db } = fresh();
    const pair = new MonitoredPair({ fundingOutpoint: fakeFunding('old log'), channelType: 'anchors' });
    const updates: MonitorUpdate[] = [...pair.a.updates];
    pair.onUpdates = (p, u) => {
      if (p === pair.a) updates.push(...u);
    };
    for (let i = 0; i < 30; i++) {
      const h = pair.add(pair.a, 1_000_000n, `old ${i}`, 500_000 + i);
      pair.commit(pair.a);
      pair.fulfill(pair.b, h.id, `old ${i}`);
      pair.commit(pair.b);
    }
    const id = Buffer.from(ChannelData.fromUpdates(updates).params.channelId).toString('hex');
    repo.appendMonitorUpdates(id, updates);
    // As an older Glasswing left it: no checkpoint, no index of remote commitments.
    db.prepare('DELETE FROM monitor_remote_htlcs').run();
    const stored = repo.loadMonitor(id)!;
    expect(stored.updates).toEqual(updates);
    expect(stored.sinceCheckpoint).toBe(updates.length);
    const whole = ChannelData.fromUpdates(updates, { trusted: true });
    const restored = ChannelMonitor.restore(stored.updates, stored.snapshot, pair.a.monitorSigner, { remoteHtlcs: (ctn) => repo.remoteHtlcs(id, ctn) });
    expect(knowledge(restored.data, whole.revokedUpTo)).toEqual(knowledge(whole, whole.revokedUpTo));
    repo.saveMonitorCheckpoint(id, restored.data.compact());
    // The checkpoint pruned what it covers in its own transaction: one row stays, carrying the seq.
    expect(db.prepare('SELECT seq FROM monitor_updates WHERE channel_id = ?').all(id)).toEqual([{ seq: updates.length - 1 }]);
    const next = repo.loadMonitor(id)!;
    expect(next.sinceCheckpoint).toBe(0);
    expect(next.updates.length).toBeLessThan(60);
    const again = ChannelMonitor.restore(next.updates, next.snapshot, pair.a.monitorSigner, { remoteHtlcs: (ctn) => repo.remoteHtlcs(id, ctn) });
    expect(knowledge(again.data, whole.revokedUpTo)).toEqual(knowledge(whole, whole.revokedUpTo));
    // The log goes on after a prune (its seq kept), and a restart folds to what the whole log says; a
    // revoked commitment's HTLCs from before the prune are still there.
    const before = updates.length;
    pair.onUpdates = (p, u) => {
      if (p !== pair.a) return;
      updates.push(...u);
      repo.appendMonitorUpdates(id, u);
    };
    for (let i = 0; i < 5; i++) {
      const h = pair.add(pair.b, 1_000_000n, `after ${i}`, 600_000 + i);
      pair.commit(pair.b);
      pair.fulfill(pair.a, h.id, `after ${i}`);
      pair.commit(pair.a);
    }
    expect(updates.length).toBeGreaterThan(before);
    const after = repo.loadMonitor(id)!;
    expect(after.sinceCheckpoint).toBe(updates.length - before);
    const wholeAfter = ChannelData.fromUpdates(updates, { trusted: true });
    const third = ChannelMonitor.restore(after.updates, after.snapshot, pair.a.monitorSigner, { remoteHtlcs: (ctn) => repo.remoteHtlcs(id, ctn) });
    expect(knowledge(third.data, wholeAfter.revokedUpTo)).toEqual(knowledge(wholeAfter, wholeAfter.revokedUpTo));
    expect(wholeAfter.revokedHtlcs(3).length).toBeGreaterThan(0);
    expect(third.data.revokedHtlcs(3)).toEqual(wholeAfter.revokedHtlcs(3));
    expect(repo.listMonitors()).toEqual([{ channelId: id, state: 'open' }]);
   }, 120_000);

  it('migration 21 prunes a store checkpointed before it: the same monitor loads, folding to the whole log\'s data', () => {
    const path = join(tempDir('glasswing-monitorckpt-'), DATABASE_FILE);
    // A store at schema 20: checkpoints, and every log row still there.
    const old = openDatabase(path, { migrations: MIGRATIONS.filter((m) => m.version <= 20) });
    open.push(old);
    expect(schemaVersion(old)).toBe(20);
    const oldRepo = new MonitorRepository(old);
    const { pair, live, id } = history(oldRepo, 30, 'migrated');
    // This repository prunes as it checkpoints; put back what a schema-20 node kept.
    const put = old.prepare('INSERT OR IGNORE INTO monitor_updates (channel_id, seq, kind, data) VALUES (?, ?, ?, ?)');
    pair.a.updates.forEach((u, seq) => put.run(id, seq, u.kind, encodeMonitorUpdate(u)));
    expect((old.prepare('SELECT COUNT(*) AS n FROM monitor_updates').get() as { n: number }).n).toBe(pair.a.updates.length);
    const ckpt = (old.prepare('SELECT seq FROM monitor_checkpoints WHERE channel_id = ?').get(id) as { seq: number }).seq;
    expect(ckpt).toBeGreaterThan(0);
    const before = oldRepo.loadMonitor(id)!;
    expect(live.data.revokedUpTo).toBeGreaterThan(0);
    old.close();
    open = open.filter((d) => d !== old);
    // Opened by this version: migration 21 deletes what the checkpoint covers but its last row.
    const { db, repo } = fresh(path);
    expect(schemaVersion(db)).toBeGreaterThanOrEqual(21);
    expect((db.prepare('SELECT MIN(seq) AS lo, COUNT(*) AS n FROM monitor_updates').get() as { lo: number; n: number })).toEqual({ lo: ckpt, n: pair.a.updates.length - ckpt });
    const after = repo.loadMonitor(id)!;
    expect(after).toEqual(before);
    const whole = ChannelData.fromUpdates(pair.a.updates, { trusted: true });
    const restored = ChannelMonitor.restore(after.updates, after.snapshot, pair.a.monitorSigner, { remoteHtlcs: (ctn) => repo.remoteHtlcs(id, ctn) });
    expect(knowledge(restored.data, whole.revokedUpTo)).toEqual(knowledge(whole, whole.revokedUpTo));
  }, 120_000);

  it('compact() refuses to drop revoked HTLCs it holds only in memory', () => {
    const pair = new MonitoredPair({ fundingOutpoint: fakeFunding('memory only'), channelType: 'anchors' });
    pair.add(pair.a, 1_000_000n, 'm', 500_000);
    pair.commit(pair.a);
    pair.fulfill(pair.b, 0n, 'm');
    pair.commit(pair.b);
    const d = ChannelData.fromUpdates(pair.a.updates);
    expect(() => d.compact()).toThrowError(expect.objectContaining({ code: 'monitor.bad_update' }));
  });

  it('reads a corrupted checkpoint or remote-commitment row as store.bad_monitor', () => {
    const { repo, db } = fresh();
    const { id } = history(repo, 25, 'corrupt');
    const row = db.prepare('SELECT data FROM monitor_checkpoints WHERE channel_id = ?').get(id) as { data: Uint8Array };
    const ctn = (db.prepare('SELECT ctn FROM monitor_remote_htlcs WHERE channel_id = ? LIMIT 1').get(id) as { ctn: number }).ctn;
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: row.data.length - 1 }), fc.boolean(), (bytes, at, truncate) => {
        const broken = truncate ? row.data.subarray(0, at) : new Uint8Array([...row.data.subarray(0, at), ...bytes]);
        db.prepare('UPDATE monitor_checkpoints SET data = ? WHERE channel_id = ?').run(broken, id);
        db.prepare('UPDATE monitor_remote_htlcs SET data = ? WHERE channel_id = ? AND ctn = ?').run(bytes, id, ctn);
        for (const read of [() => repo.loadMonitor(id), () => repo.remoteHtlcs(id, ctn)]) {
          try {
            read();
          } catch (e) {
            expect(e).toBeInstanceOf(StoreError);
            expect((e as StoreError).code).toBe('store.bad_monitor');
          }
        }
      }),
      { numRuns: 150 },
    );
  }, 180_000);
});
