/**
 * Browser sessions of the app (browser mode) that survive restarts of the same data directory.
 * A session is a random 32-byte secret in an HttpOnly cookie; the daemon keeps only its SHA-256,
 * with when it was made, last used and expires, in `DATADIR/ui-sessions.json` (mode 0600, written
 * atomically). A browser that signed in once stays signed in until the session expires (30 days)
 * or is revoked (`glasswing uilogin --revoke all`, or one by id).
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { equalBytes, fromHex, randomBytes, sha256, toHex, utf8 } from '../../core/crypto';

export const UI_SESSIONS_FILE = 'ui-sessions.json';

/** How long a session lasts after sign-in. */
export const SESSION_LIFETIME_MS = 30 * 24 * 3600_000;

/** At most this many sessions are kept (the oldest go first). */
export const MAX_SESSIONS = 64;

export interface UiSessionInfo {
  /** A short public id (not the secret): for listing and revoking. */
  readonly id: string;
  readonly createdAt: number;
  readonly lastUsedAt: number;
  readonly expiresAt: number;
}

interface StoredSession extends UiSessionInfo {
  /** SHA-256 of the cookie's secret, hex. */
  readonly hash: string;
}

export class UiSessions {
  readonly #path: string | undefined;
  readonly #now: () => number;
  #sessions: StoredSession[];

  /** `datadir` undefined: sessions live in memory only (they end with the process). */
  constructor(datadir: string | undefined, now: () => number = Date.now) {
    this.#path = datadir === undefined ? undefined : join(datadir, UI_SESSIONS_FILE);
    this.#now = now;
    this.#sessions = this.#load();
  }

  /** A new session: returns the secret for the cookie (never stored) and its public info. */
  create(): { secret: string; info: UiSessionInfo } {
    const now = this.#now();
    const secret = toHex(randomBytes(32));
    const session: StoredSession = { id: toHex(randomBytes(6)), hash: hashOf(secret), createdAt: now, lastUsedAt: now, expiresAt: now + SESSION_LIFETIME_MS };
    this.#sessions = [...this.#live(now), session].slice(-MAX_SESSIONS);
    this.#save();
    return { secret, info: publicInfo(session) };
  }

  /** The id of the live session this cookie secret belongs to, or null (compared in constant time). */
  check(secret: string): string | null {
    if (!/^[0-9a-f]{64}$/.test(secret)) return null;
    const now = this.#now();
    const hash = fromHex(hashOf(secret));
    let found: StoredSession | undefined;
    for (const s of this.#live(now)) if (equalBytes(fromHex(s.hash), hash)) found = s;
    if (!found) return null;
    // Last use is recorded at most once a minute (it is shown, not relied on).
    if (now - found.lastUsedAt > 60_000) {
      this.#sessions = this.#sessions.map((s) => (s === found ? { ...s, lastUsedAt: now } : s));
      this.#save();
    }
    return found.id;
  }

  list(): UiSessionInfo[] {
    return this.#live(this.#now()).map(publicInfo);
  }

  /** Revokes one session by id, or all (`'all'`); returns the ids revoked. */
  revoke(id: string | 'all'): string[] {
    const gone = this.#sessions.filter((s) => id === 'all' || s.id === id).map((s) => s.id);
    this.#sessions = this.#sessions.filter((s) => !gone.includes(s.id));
    this.#save();
    return gone;
  }

  #live(now: number): StoredSession[] {
    return this.#sessions.filter((s) => s.expiresAt > now);
  }

  /** A missing or damaged file is no sessions (everyone signs in again), never a failed start. */
  #load(): StoredSession[] {
    if (this.#path === undefined) return [];
    try {
      const v = JSON.parse(readFileSync(this.#path, 'utf8')) as { sessions?: unknown };
      if (!Array.isArray(v.sessions)) return [];
      return v.sessions.filter(
        (s): s is StoredSession =>
          s !== null && typeof s === 'object' && typeof s.id === 'string' && typeof s.hash === 'string' && /^[0-9a-f]{64}$/.test(s.hash) &&
          [s.createdAt, s.lastUsedAt, s.expiresAt].every((t) => Number.isSafeInteger(t)),
      );
    } catch {
      return [];
    }
  }

  #save(): void {
    if (this.#path === undefined) return;
    const tmp = `${this.#path}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify({ sessions: this.#sessions }, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.#path);
  }
}

function hashOf(secret: string): string {
  return toHex(sha256(utf8.encode(secret)));
}

function publicInfo(s: StoredSession): UiSessionInfo {
  return { id: s.id, createdAt: s.createdAt, lastUsedAt: s.lastUsedAt, expiresAt: s.expiresAt };
}
