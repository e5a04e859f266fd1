/**
 * MonitorRepository on real SQLite files: the update log is appended in order and read back
 * identical, the snapshot replaced whole, a restarted monitor from the file equals the one that
 * wrote it; a log that does not start with `open`, a missing or corrupted row and a bad snapshot
 * are `store.bad_monitor`, never anything else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { DATABASE_FILE, MonitorRepository, StoreError, openDatabase } from '../../../core/store';
import type { Database } from '../../../core/store';
import { ChannelMonitor, encodeMonitorSnapshot } from '../../../core/monitor';
import { tempDir } from '../../support/tmp';
import { closedMonitor, forceClosedPair } from './scenario';

let open: Database[] = [];
afterEach(() => {
  for (const db of open) db.close();
  open = [];
});

function fresh(path = join(tempDir('glasswing-monitorrepo-'), DATABASE_FILE)): { db: Database; repo: MonitorRepository; path: string } {
  const db = openDatabase(path);
  open.push(db);
  return { db, repo: new MonitorRepository(db), path };
}

function expectBadMonitor(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).code).toBe('store.bad_monitor');
    return;
  }
  throw new Error('expected store.bad_monitor');
}

describe('MonitorRepository', () => {
  it('appends the log in order and keeps the newest snapshot; a monitor restored from the file equals the one that wrote it', () => {
    const { pair, A } = forceClosedPair();
    const { repo, path, db } = fresh();
    const id = A.monitor.channelId;
    repo.appendMonitorUpdates(id, pair.a.updates.slice(0, 2));
    repo.appendMonitorUpdates(id, pair.a.updates.slice(2));
    const m = closedMonitor();
    repo.saveMonitorSnapshot(id, A.monitor.snapshot(), 'force_closing');
    repo.saveMonitorSnapshot(id, m.snapshot(), m.view().state);
    db.close();
    open = open.filter((d) => d !== db);
    const again = fresh(path);
    const stored = again.repo.loadMonitor(id)!;
    expect(stored.updates).toEqual(pair.a.updates);
    expect(stored.snapshot).toEqual(m.snapshot());
    expect(again.repo.listMonitors()).toEqual([{ channelId: id, state: 'closed' }]);
    const restored = ChannelMonitor.restore(stored.updates, stored.snapshot, pair.a.monitorSigner, { policy: m.policy });
    restored.start();
    expect(restored.view()).toEqual(m.view());
    expect(again.repo.loadMonitor('00'.repeat(32))).toBeUndefined();
  });

  it('refuses a log that does not start with open, and bad channel ids', () => {
    const { pair, A } = forceClosedPair();
    const { repo } = fresh();
    expectBadMonitor(() => repo.appendMonitorUpdates(A.monitor.channelId, pair.a.updates.slice(1)));
    expectBadMonitor(() => repo.appendMonitorUpdates('not hex', pair.a.updates));
    expect(repo.listMonitors()).toEqual([]);
  });

  it('reads corrupted rows as store.bad_monitor: a missing update, random bytes, a kind that lies, a bad snapshot', () => {
    const { pair, A } = forceClosedPair();
    const id = A.monitor.channelId;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({ what: fc.constant('data' as const), seq: fc.integer({ min: 0, max: 2 }), bytes: fc.uint8Array({ maxLength: 200 }) }),
          fc.record({ what: fc.constant('kind' as const), seq: fc.integer({ min: 0, max: 2 }), kind: fc.constantFrom('open', 'preimage', 'x') }),
          fc.record({ what: fc.constant('gap' as const), seq: fc.integer({ min: 0, max: 1 }) }),
          fc.record({ what: fc.constant('snapshot' as const), json: fc.oneof(fc.string(), fc.jsonValue().map((j) => JSON.stringify(j))) }),
        ),
        (c) => {
          const { db, repo } = fresh();
          repo.appendMonitorUpdates(id, pair.a.updates);
          repo.saveMonitorSnapshot(id, A.monitor.snapshot(), 'force_closing');
          if (c.what === 'data') db.prepare('UPDATE monitor_updates SET data = ? WHERE channel_id = ? AND seq = ?').run(c.bytes, id, c.seq);
          if (c.what === 'kind') db.prepare('UPDATE monitor_updates SET kind = ? WHERE channel_id = ? AND seq = ?').run(c.kind, id, c.seq);
          if (c.what === 'gap') db.prepare('DELETE FROM monitor_updates WHERE channel_id = ? AND seq = ?').run(id, c.seq);
          if (c.what === 'snapshot') db.prepare('UPDATE monitors SET snapshot = ? WHERE channel_id = ?').run(c.json, id);
          try {
            const s = repo.loadMonitor(id);
            // What still reads is what was written (a random rewrite can only keep the same bytes).
            if (c.what === 'snapshot') expect(JSON.stringify(encodeMonitorSnapshot(s!.snapshot!))).toBe(c.json);
          } catch (e) {
            expect(e).toBeInstanceOf(StoreError);
            expect((e as StoreError).code).toBe('store.bad_monitor');
          }
        },
      ),
      { numRuns: 30 },
    );
  });
});
