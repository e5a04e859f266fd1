import { describe, expect, it } from 'vitest';
import { statSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  DATABASE_FILE, LOCK_FILE, PeersRepository, SEED_FILE, StoreError, loadOrCreateIdentity, lockDataDir, openDatabase, schemaVersion,
  MIGRATIONS, runTransaction, unlockSeed,
} from '../../../core/store';
import { toHex } from '../../../core/crypto';
import { tempDir } from '../../support/tmp';

const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

describe('core/store database', () => {
  it('creates the file in WAL mode and applies every migration once', () => {
    const dir = tempDir();
    const db = openDatabase(join(dir, DATABASE_FILE));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(db)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    db.close();
    const again = openDatabase(join(dir, DATABASE_FILE));
    expect(schemaVersion(again)).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    again.close();
  });

  it('commits a relaxed transaction whole at synchronous = NORMAL and goes back to FULL, even when it throws', () => {
    const dir = tempDir();
    const file = join(dir, DATABASE_FILE);
    const db = openDatabase(file);
    db.exec('CREATE TABLE t (v INTEGER)');
    const synchronous = () => db.pragma('synchronous', { simple: true });
    expect(synchronous()).toBe(2); // FULL
    let inside: unknown;
    runTransaction(db, () => {
      inside = synchronous();
      db.prepare('INSERT INTO t VALUES (1), (2)').run();
    }, 'relaxed');
    expect([inside, synchronous()]).toEqual([1, 2]); // NORMAL for that commit only
    expect(() => runTransaction(db, () => {
      db.prepare('INSERT INTO t VALUES (3)').run();
      throw new Error('boom');
    }, 'relaxed')).toThrow('boom');
    expect(synchronous()).toBe(2);
    // Inside an open transaction a relaxed run is part of it (and the setting is left alone).
    runTransaction(db, () => runTransaction(db, () => db.prepare('INSERT INTO t VALUES (4)').run(), 'relaxed'));
    expect(db.prepare('SELECT v FROM t ORDER BY v').pluck().all()).toEqual([1, 2, 4]);
    db.close();
    // A process killed right after a relaxed commit: the commit is there, whole.
    const script = `
      const { openDatabase, runTransaction } = require(${JSON.stringify(join(process.cwd(), 'core/store/index.ts'))});
      const db = openDatabase(${JSON.stringify(file)});
      runTransaction(db, () => { for (let i = 10; i < 20; i++) db.prepare('INSERT INTO t VALUES (?)').run(i); }, 'relaxed');
      process.kill(process.pid, 'SIGKILL');`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    const again = openDatabase(file);
    expect(again.prepare('SELECT COUNT(*) FROM t WHERE v >= 10').pluck().get()).toBe(10);
    again.close();
  });

  it('refuses a database written by a newer schema with store.too_new', () => {
    const dir = tempDir();
    const db = openDatabase(join(dir, DATABASE_FILE));
    db.pragma('user_version = 9999');
    db.close();
    expect(() => openDatabase(join(dir, DATABASE_FILE))).toThrowError(expect.objectContaining({ code: 'store.too_new' }));
  });

  it('runs a new migration on an existing database without touching old data', () => {
    const dir = tempDir();
    const path = join(dir, DATABASE_FILE);
    const v1 = openDatabase(path, { migrations: MIGRATIONS.slice(0, 1) });
    new PeersRepository(v1).upsert('02'.padEnd(66, 'a'), '127.0.0.1:9735', 1);
    v1.close();
    const extra = [...MIGRATIONS, { version: 1000, name: 'test', sql: 'CREATE TABLE extra_test (x INTEGER);' }];
    const v2 = openDatabase(path, { migrations: extra });
    expect(schemaVersion(v2)).toBe(1000);
    expect(new PeersRepository(v2).list()).toHaveLength(1);
    v2.close();
  });
});

describe('core/store identity', () => {
  it('creates a seed with mode 0600 on first run and keeps the node id across restarts', async () => {
    const dir = tempDir();
    const first = await loadOrCreateIdentity(dir);
    expect(first.created).toBe(true);
    expect(statSync(join(dir, SEED_FILE)).mode & 0o777).toBe(0o600);
    const second = await loadOrCreateIdentity(dir);
    expect(second.created).toBe(false);
    expect(toHex(second.nodeId)).toBe(toHex(first.nodeId));
    expect(second.nodeId.length).toBe(33);
  });

  it('encrypts the seed with a passphrase and refuses a missing or wrong one with store.locked', async () => {
    const dir = tempDir();
    const first = await loadOrCreateIdentity(dir, { passphrase: 'correct horse', scrypt: FAST_SCRYPT });
    expect(first.encrypted).toBe(true);
    const text = readFileSync(join(dir, SEED_FILE), 'utf8');
    expect(text).not.toContain('"seed"');
    await expect(loadOrCreateIdentity(dir)).rejects.toMatchObject({ code: 'store.locked' });
    await expect(loadOrCreateIdentity(dir, { passphrase: 'wrong' })).rejects.toMatchObject({ code: 'store.locked' });
    const again = await loadOrCreateIdentity(dir, { passphrase: 'correct horse' });
    expect(toHex(again.nodeId)).toBe(toHex(first.nodeId));
  });

  it('reports a corrupt seed file as store.corrupt instead of replacing it', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, SEED_FILE), '{"version":1,"encryption":"none","seed":"zz"}');
    await expect(loadOrCreateIdentity(dir)).rejects.toBeInstanceOf(StoreError);
    await expect(loadOrCreateIdentity(dir)).rejects.toMatchObject({ code: 'store.corrupt' });
    expect(readFileSync(join(dir, SEED_FILE), 'utf8')).toContain('"zz"');
  });

  it('derives distinct keys per purpose, deterministically', async () => {
    const dir = tempDir();
    const id = await loadOrCreateIdentity(dir);
    expect(toHex(id.derive('a'))).toBe(toHex(id.derive('a')));
    expect(toHex(id.derive('a'))).not.toBe(toHex(id.derive('b')));
  });

  it('restores a given seed into an empty directory (same node id), and never over an existing seed', async () => {
    const original = await loadOrCreateIdentity(tempDir(), { passphrase: 'pw', scrypt: FAST_SCRYPT });
    const seed = original.seed();
    const dir = tempDir();
    const restored = await loadOrCreateIdentity(dir, { restoreSeed: seed, passphrase: 'other', scrypt: FAST_SCRYPT });
    expect(toHex(restored.nodeId)).toBe(toHex(original.nodeId));
    expect(restored.created).toBe(true);
    expect(toHex(restored.seed())).toBe(toHex(seed));
    await expect(loadOrCreateIdentity(dir, { restoreSeed: seed, passphrase: 'other' })).rejects.toMatchObject({ code: 'store.seed_exists' });
    await expect(loadOrCreateIdentity(tempDir(), { restoreSeed: seed.slice(1) })).rejects.toMatchObject({ code: 'store.seed_exists' });
  });

  it('unlockSeed reads the seed again only with its passphrase', async () => {
    const dir = tempDir();
    const id = await loadOrCreateIdentity(dir, { passphrase: 'correct horse', scrypt: FAST_SCRYPT });
    await expect(unlockSeed(dir, undefined)).rejects.toMatchObject({ code: 'store.locked' });
    await expect(unlockSeed(dir, 'wrong')).rejects.toMatchObject({ code: 'store.locked' });
    const { seed, encrypted } = await unlockSeed(dir, 'correct horse');
    expect(encrypted).toBe(true);
    expect(toHex(seed)).toBe(toHex(id.seed()));
    const clear = tempDir();
    const plain = await loadOrCreateIdentity(clear);
    expect(await unlockSeed(clear, 'ignored')).toMatchObject({ encrypted: false });
    expect(toHex((await unlockSeed(clear, undefined)).seed)).toBe(toHex(plain.seed()));
    await expect(unlockSeed(tempDir(), undefined)).rejects.toMatchObject({ code: 'store.corrupt' });
  });
});

describe('core/store lock', () => {
  it('refuses a second lock while the first is held, and allows it after release', () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    // Simulate another live process owning the lock: our parent's pid is alive.
    writeFileSync(join(dir, LOCK_FILE), String(process.ppid));
    expect(() => lockDataDir(dir)).toThrowError(expect.objectContaining({ code: 'store.busy' }));
    writeFileSync(join(dir, LOCK_FILE), String(process.pid));
    lock.release();
    lockDataDir(dir).release();
  });

  it('takes over a stale lock left by a dead process', () => {
    const dir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(join(dir, LOCK_FILE), dead.stdout.toString());
    const lock = lockDataDir(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(process.pid));
    lock.release();
  });
});

describe('core/store peers repository', () => {
  it('keeps addresses most-recent-first, the reconnect flag and last seen', () => {
    const dir = tempDir();
    const db = openDatabase(join(dir, DATABASE_FILE));
    const repo = new PeersRepository(db);
    const id = '03'.padEnd(66, 'b');
    repo.upsert(id, '127.0.0.1:1', 10);
    repo.upsert(id, '127.0.0.1:2', 20);
    repo.upsert(id, '127.0.0.1:1', 30);
    repo.setReconnect(id, true);
    repo.markSeen(id, 40);
    expect(repo.get(id)).toEqual({ nodeId: id, addresses: ['127.0.0.1:1', '127.0.0.1:2'], lastSeen: 40, reconnect: true, createdAt: 10, label: null, gaveUp: null });
    repo.setLabel(id, 'shop', 50);
    expect(repo.get(id)?.label).toBe('shop');
    repo.setLabel(id, '', 60);
    expect(repo.get(id)?.label).toBeNull();
    const stranger = '02'.padEnd(66, 'c');
    repo.setLabel(stranger, 'not met yet', 70); // labelling a peer we never met records it
    expect(repo.get(stranger)).toMatchObject({ label: 'not met yet', addresses: [], reconnect: false });
    expect(repo.listReconnect().map((p) => p.nodeId)).toEqual([id]);
    db.close();
  });

  it('gives up on a peer with a reason, clears it when the user decides, and forgets a peer', () => {
    const dir = tempDir();
    const db = openDatabase(join(dir, DATABASE_FILE));
    const repo = new PeersRepository(db);
    const id = '03'.padEnd(66, 'd');
    repo.upsert(id, '127.0.0.1:1', 10);
    repo.setReconnect(id, true);
    repo.giveUp(id, 'never answered', 20);
    expect(repo.get(id)).toMatchObject({ reconnect: false, gaveUp: { reason: 'never answered', at: 20 } });
    expect(repo.listReconnect()).toEqual([]);
    repo.setReconnect(id, true); // connecting again clears it
    expect(repo.get(id)).toMatchObject({ reconnect: true, gaveUp: null });
    repo.giveUp(id, 'never answered', 30);
    repo.setReconnect(id, false); // so does turning reconnection off by hand
    expect(repo.get(id)).toMatchObject({ reconnect: false, gaveUp: null });
    expect(repo.list().map((p) => p.nodeId)).toEqual([id]);
    expect(repo.forget(id)).toBe(true);
    expect(repo.forget(id)).toBe(false);
    expect(repo.get(id)).toBeUndefined();
    db.close();
  });
});
