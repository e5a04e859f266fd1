/** Browser sessions kept in the data directory (main/daemon/ui-sessions.ts). */
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_SESSIONS, SESSION_LIFETIME_MS, UI_SESSIONS_FILE, UiSessions } from '../../../main/daemon/ui-sessions';
import { tempDir } from '../../support/tmp';

describe('UiSessions', () => {
  it('a session made by one instance is valid in the next (a restart), until it expires', () => {
    const dir = tempDir();
    let now = 1_000;
    const first = new UiSessions(dir, () => now);
    const { secret, info } = first.create();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const file = join(dir, UI_SESSIONS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain(secret);
    const restarted = new UiSessions(dir, () => now);
    expect(restarted.check(secret)).toBe(info.id);
    expect(restarted.check('0'.repeat(64))).toBeNull();
    expect(restarted.check('not hex')).toBeNull();
    now += SESSION_LIFETIME_MS;
    expect(restarted.check(secret)).toBeNull();
    expect(restarted.list()).toEqual([]);
  });

  it('records the last use at most once a minute, revokes one or all, keeps at most MAX_SESSIONS', () => {
    const dir = tempDir();
    let now = 0;
    const s = new UiSessions(dir, () => now);
    const a = s.create();
    const b = s.create();
    now = 30_000;
    s.check(a.secret);
    expect(s.list().find((x) => x.id === a.info.id)!.lastUsedAt).toBe(0);
    now = 61_000;
    s.check(a.secret);
    expect(new UiSessions(dir, () => now).list().find((x) => x.id === a.info.id)!.lastUsedAt).toBe(61_000);
    expect(s.revoke(a.info.id)).toEqual([a.info.id]);
    expect(s.check(a.secret)).toBeNull();
    expect(s.check(b.secret)).toBe(b.info.id);
    expect(s.revoke('all')).toEqual([b.info.id]);
    expect(new UiSessions(dir, () => now).list()).toEqual([]);
    const many = Array.from({ length: MAX_SESSIONS + 3 }, () => s.create());
    expect(s.list()).toHaveLength(MAX_SESSIONS);
    expect(s.check(many[0]!.secret)).toBeNull();
    expect(s.check(many.at(-1)!.secret)).not.toBeNull();
  });

  it('a damaged file is no sessions (everyone signs in again), never a failed start', () => {
    for (const text of ['not json', '{"sessions": 5}', '{"sessions": [{"id": 1}]}', '[]']) {
      const dir = tempDir();
      writeFileSync(join(dir, UI_SESSIONS_FILE), text);
      expect(new UiSessions(dir).list()).toEqual([]);
    }
    expect(new UiSessions(undefined).create().secret).toMatch(/^[0-9a-f]{64}$/); // in memory only
  });
});
