/**
 * The channels repository on real SQLite files: a snapshot with HTLCs, unacknowledged updates,
 * revealed secrets and a data-loss record comes back identical; the derived tables hold what
 * the state says; a write is one transaction (a failure half-way leaves the previous revision
 * whole); stale revisions are refused; unreadable rows are `store.bad_channel`, and random or
 * corrupted rows never give anything but a value or that typed error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { join } from 'node:path';
import { toHex } from '../../../core/crypto';
import { StoreError, DATABASE_FILE, openDatabase } from '../../../core/store';
import type { Database } from '../../../core/store';
import { ChannelsRepository, decodeStoredChannel } from '../../../core/store/channels-repository';
import type { StoredChannel } from '../../../core/channel';
import { tempDir } from '../../support/tmp';
import type { LinkNet} from './link-net';
import { linkNet } from './link-net';

let open: { close(): void }[] = [];
afterEach(() => {
  for (const o of open) o.close();
  open = [];
});

function freshDb(): { db: Database; repo: ChannelsRepository; path: string } {
  const path = join(tempDir('glasswing-chanrepo-'), DATABASE_FILE);
  const db = openDatabase(path);
  open.push(db);
  return { db, repo: new ChannelsRepository(db), path };
}

/** A channel with committed HTLCs both ways, revealed secrets and our unacknowledged updates in flight. */
function busyChannel(): { net: LinkNet; stored: StoredChannel } {
  const net = linkNet();
  open.push(net);
  net.openConnected();
  net.a.add(1_000_000n);
  net.b.add(2_000_000n);
  net.settle();
  net.a.add(100_000n);
  net.a.fee(1000);
  net.a.commit();
  const stored: StoredChannel = {
    ...net.a.link.snapshot(),
    dataLoss: {
      behind: 'remote', detectedAt: 42, code: 'channel.peer_data_loss', message: 'test',
      ours: { nextCommitmentNumber: '3', nextRevocationNumber: '2' }, theirs: { nextCommitmentNumber: '1', nextRevocationNumber: '0' },
    },
  };
  return { net, stored };
}

describe('ChannelsRepository', () => {
  it('runs with synchronous=FULL in WAL mode', () => {
    const { db } = freshDb();
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('gives back exactly the snapshot it stored, across a reopen', () => {
    const { stored } = busyChannel();
    const { repo, path } = freshDb();
    repo.saveChannel(stored);
    expect(repo.loadChannel(toHex(stored.state.params.channelId))).toEqual(stored);
    const again = openDatabase(path);
    open.push(again);
    expect(new ChannelsRepository(again).loadChannels()).toEqual([stored]);
    expect(new ChannelsRepository(again).maxKeyIndex()).toBe(0);
  });

  it('keeps the HTLCs of both newest commitments, the updates log and the shachain in their tables', () => {
    const { stored } = busyChannel();
    const { db, repo } = freshDb();
    repo.saveChannel(stored);
    const id = toHex(stored.state.params.channelId);
    expect(repo.listHtlcs(id).map((h) => [h.offerer, h.id, h.inLocal, h.inRemote])).toEqual([
      ['local', 0n, true, true],
      ['local', 1n, false, true],
      ['remote', 0n, true, true],
    ]);
    const updates = db.prepare('SELECT seq FROM channel_updates WHERE channel_id = ?').all(id);
    expect(updates).toHaveLength(2);
    const secrets = db.prepare('SELECT COUNT(*) AS n FROM channel_shachain WHERE channel_id = ?').get(id) as { n: number };
    expect(secrets.n).toBe(stored.state.remoteSecrets.buckets.filter(Boolean).length);
    expect(secrets.n).toBeGreaterThan(0);
    const row = db.prepare('SELECT state FROM channels WHERE channel_id = ?').get(id) as { state: string };
    expect(row.state).not.toContain('remoteSecrets');
  });

  it('writes in one transaction: a failure half-way leaves the previous revision whole', () => {
    const { net, stored } = busyChannel();
    const { db, repo } = freshDb();
    const first = { ...stored, dataLoss: null };
    repo.saveChannel(first);
    net.deliverAll();
    net.settle();
    const next = net.a.link.snapshot();
    db.exec(`CREATE TRIGGER fail_secrets BEFORE INSERT ON channel_shachain BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;`);
    expect(() => repo.saveChannel(next)).toThrowError(/disk on fire/);
    const id = toHex(stored.state.params.channelId);
    expect(repo.loadChannel(id)).toEqual(first);
    expect(repo.listHtlcs(id)).toHaveLength(3);
    db.exec('DROP TRIGGER fail_secrets');
    repo.saveChannel(next);
    expect(repo.loadChannel(id)).toEqual(next);
  });

  it('refuses to replace a newer revision with store.stale_channel', () => {
    const { stored } = busyChannel();
    const { repo } = freshDb();
    repo.saveChannel(stored);
    expect(() => repo.saveChannel({ ...stored, revision: stored.revision - 1 })).toThrowError(expect.objectContaining({ code: 'store.stale_channel' }));
    expect(() => repo.saveChannel({ ...stored, keyIndex: 9 })).toThrowError(expect.objectContaining({ code: 'store.stale_channel' }));
  });

  it('will not load a channel it cannot read (store.bad_channel), so a node never runs one on a guess', () => {
    const { stored } = busyChannel();
    const { db, repo } = freshDb();
    repo.saveChannel(stored);
    db.prepare("UPDATE channels SET state = json_set(state, '$.localCommit.ctn', -1)").run();
    expect(() => repo.loadChannels()).toThrowError(expect.objectContaining({ code: 'store.bad_channel' }));
  });
});

describe('decodeStoredChannel (rows from the database)', () => {
  const { stored } = (() => {
    const net = linkNet();
    net.openConnected();
    net.a.add(1_000_000n);
    net.settle();
    net.a.add(5_000n);
    const s = net.a.link.snapshot();
    net.close();
    return { stored: s };
  })();
  const { db, repo } = (() => {
    const d = openDatabase(join(tempDir('glasswing-chanrepo-'), DATABASE_FILE));
    return { db: d, repo: new ChannelsRepository(d) };
  })();
  repo.saveChannel(stored);
  const id = toHex(stored.state.params.channelId);
  const row = db.prepare('SELECT * FROM channels WHERE channel_id = ?').get(id) as Record<string, unknown>;
  const updates = db.prepare('SELECT seq, message FROM channel_updates WHERE channel_id = ?').all(id) as { seq: number; message: string }[];
  const shachain = db.prepare('SELECT bucket, secret_index, secret FROM channel_shachain WHERE channel_id = ?').all(id) as { bucket: number; secret_index: number; secret: string }[];
  db.close();

  const decode = (r: Record<string, unknown>, u = updates, s = shachain) => decodeStoredChannel(r as never, u as never, s as never);
  const typedOrValue = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(StoreError);
      expect((e as StoreError).code).toBe('store.bad_channel');
    }
  };

  it('round-trips the row the repository wrote', () => {
    expect(decode(row)).toEqual(stored);
  });

  it('gives a value or store.bad_channel for any field replaced by a random JSON value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(row)), fc.jsonValue(), (field, value) => {
        typedOrValue(() => decode({ ...row, [field]: value }));
      }),
      { numRuns: 300 },
    );
  });

  it('gives a value or store.bad_channel when the snapshot JSON is cut or a byte in it changes', () => {
    const text = row.state as string;
    fc.assert(
      fc.property(fc.nat(text.length), fc.nat(text.length - 1), fc.integer({ min: 32, max: 126 }), (cut, at, ch) => {
        typedOrValue(() => decode({ ...row, state: text.slice(0, cut) }));
        typedOrValue(() => decode({ ...row, state: text.slice(0, at) + String.fromCharCode(ch) + text.slice(at + 1) }));
      }),
      { numRuns: 300 },
    );
  });

  it('names an unreadable updates-log or shachain row by its type (found by fast-check: String() of it threw)', () => {
    typedOrValue(() => decode(row, [{ seq: [{ toString: [] }], message: 0 }] as never, shachain as never));
    typedOrValue(() => decode(row, updates as never, [{ bucket: { toString: 1 }, secret_index: 0, secret: '' }] as never));
    expect(() => decode(row, [{ seq: [{ toString: [] }], message: 0 }] as never, shachain as never)).toThrowError(expect.objectContaining({ code: 'store.bad_channel' }));
  });

  it('gives a value or store.bad_channel for random updates-log and shachain rows', () => {
    const rowsOf = <T>(a: fc.Arbitrary<T>) => fc.array(a, { maxLength: 4 });
    fc.assert(
      fc.property(
        rowsOf(fc.record({ seq: fc.oneof(fc.integer(), fc.jsonValue()), message: fc.oneof(fc.string(), fc.jsonValue()) })),
        rowsOf(fc.record({ bucket: fc.oneof(fc.integer({ min: -2, max: 60 }), fc.jsonValue()), secret_index: fc.oneof(fc.integer(), fc.jsonValue()), secret: fc.oneof(fc.string(), fc.jsonValue()) })),
        (u, s) => {
          typedOrValue(() => decode(row, u as never, s as never));
        },
      ),
      { numRuns: 300 },
    );
  });
});
