/**
 * One process per data directory: a lock file holding the owner's pid, created exclusively.
 * A lock left by a process that no longer exists (e.g. after SIGKILL) is taken over.
 *
 * Every file is put in place with `link()` from a private temporary file, so it appears
 * atomically with its content (never empty) and only where nothing is. Taking over a stale lock
 * is the one step that removes somebody else's file, and two starters may both judge the same
 * lock stale; so a starter first claims *that* lock (identified by inode, change time and
 * content) with an exclusive claim file, checks under the claim that the lock is still the one
 * it judged, and only then removes it. The starter that then links its lock in place wins; the
 * others find a live owner. A claim left by a starter that died is passed over by claiming the
 * next generation of the same lock.
 */
import { closeSync, constants, linkSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes, toHex } from '../crypto';
import { StoreError } from './errors';

export const LOCK_FILE = 'glasswing.lock';

/** Attempts before giving up while other starters are busy taking over the same stale lock. */
const MAX_ATTEMPTS = 200;
/** Claim generations passed over (each left by a dead starter) before giving up. */
const MAX_CLAIM_GENERATIONS = 64;
/**
 * A claim this old was left by a starter that died: a live one holds it for microseconds, and wrote
 * it at most MAX_ATTEMPTS × 25 ms (5 s) before.
 */
const CLAIM_STALE_MS = 30_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/** Blocks this thread for `ms` (lock-taking is synchronous and happens once, at start). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Puts `from` in place at `to` unless something is there; false when something is. */
function linkExclusive(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw e;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

interface LockFileState {
  /** Which file this is: inode and change time (one file, even if a later one reuses the inode). */
  readonly identity: string;
  readonly content: string;
}

/** The lock file as it is now, or undefined if there is none. */
function readLockFile(path: string): LockFileState | undefined {
  try {
    const st = statSync(path, { bigint: true });
    const content = readFileSync(path, 'utf8');
    return { identity: `${st.dev}-${st.ino}-${st.ctimeNs}`, content };
  } catch (e) {
    if (code(e) === 'ENOENT') return undefined;
    throw e;
  }
}

function ownerPid(content: string): number {
  return Number(content.trim());
}

/**
 * Removes the stale lock `judged` if it is still in place and nobody else is removing it.
 * Returns false when another live starter holds the claim on it (back off and look again).
 */
function breakStaleLock(path: string, judged: LockFileState, ourFile: string): boolean {
  for (let generation = 0; generation < MAX_CLAIM_GENERATIONS; generation++) {
    const claim = `${path}.breaking-${judged.identity}-${generation}`;
    if (linkExclusive(ourFile, claim)) {
      // Under the claim nobody else removes this lock; remove it only if it is still the one
      // we judged stale (another starter may already have replaced it with a live lock).
      const now = readLockFile(path);
      if (now && now.identity === judged.identity && now.content === judged.content) unlinkSync(path);
      else unlinkQuietly(claim); // that lock is gone for good: nobody needs this claim
      return true;
    }
    let claimer = NaN;
    let claimedAt = 0;
    try {
      claimer = ownerPid(readFileSync(claim, 'utf8'));
      claimedAt = statSync(claim).mtimeMs; // the starter wrote it at most a few seconds before linking it
    } catch {
      return false; // removed meanwhile by the starter that won: look again
    }
    // A live starter holds a claim for microseconds; one older than CLAIM_STALE_MS was left by a
    // starter that died, even if its pid now belongs to some other live process.
    const fresh = Date.now() - claimedAt < CLAIM_STALE_MS;
    // Our own pid here is a previous life of ours (pid 1 in a container, say): as dead as any.
    if (fresh && Number.isInteger(claimer) && claimer > 0 && claimer !== process.pid && alive(claimer)) return false;
    // That claimer died mid-way: claim the next generation.
  }
  return false;
}

/** Once we hold the lock, no other starter can be working on an older lock: tidy their files. */
function removeLeftovers(path: string): void {
  const prefix = basename(path) + '.';
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    if (rest.startsWith('breaking-')) {
      unlinkQuietly(join(dirname(path), name));
    } else if (rest.endsWith('.tmp')) {
      const pid = Number(rest.split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) unlinkQuietly(join(dirname(path), name));
    }
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(datadir: string): DataDirLock {
  const path = join(datadir, LOCK_FILE);
  const ours = String(process.pid);
  // Our lock, complete, under a private name; linked into place below.
  const ourFile = `${path}.${process.pid}-${toHex(randomBytes(8))}.tmp`;
  const fd = openSync(ourFile, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    writeSync(fd, ours);
  } finally {
    closeSync(fd);
  }
  try {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      if (linkExclusive(ourFile, path)) {
        removeLeftovers(path);
        return lockHandle(path, ours);
      }
      const held = readLockFile(path);
      if (!held) continue; // vanished meanwhile: try again
      const owner = ownerPid(held.content);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new StoreError('store.busy', `${datadir} is in use by another Glasswing process (pid ${owner})`, { pid: owner });
      }
      // A stale lock from a process that died (or an unreadable one).
      if (!breakStaleLock(path, held, ourFile)) sleep(5 + Math.floor(Math.random() * 20));
    }
    throw new StoreError('store.busy', `could not lock ${datadir}`);
  } finally {
    unlinkQuietly(ourFile);
  }
}

function lockHandle(path: string, ours: string): DataDirLock {
  let released = false;
  return {
    release: () => {
      if (released) return;
      released = true;
      try {
        if (readFileSync(path, 'utf8').trim() === ours) unlinkSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}
