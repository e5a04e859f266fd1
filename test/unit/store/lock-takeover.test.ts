/**
 * Taking over a stale data-directory lock is atomic: when several processes start at once on a
 * directory whose lock was left by a dead process, exactly one of them gets it (two daemons on one
 * data directory would share a node key and channel database).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOCK_FILE } from '../../../core/store';
import { REPO_ROOT } from '../../support/vectors';
import { tempDir } from '../../support/tmp';

const RACERS = 6;
const ROUNDS = 25;

/** A child that, on `go DIR`, tries to lock DIR and answers `won` or `busy`; `release` lets go. */
const RACER = `
import { createInterface } from 'node:readline';
import { lockDataDir } from ${JSON.stringify(pathToFileURL(join(REPO_ROOT, 'core', 'store', 'lock.ts')).href)};
const held = [];
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.startsWith('go ')) {
    try {
      held.push(lockDataDir(line.slice(3)));
      process.stdout.write('won\\n');
    } catch (e) {
      process.stdout.write((e && e.code === 'store.busy' ? 'busy' : 'error ' + String(e)) + '\\n');
    }
  } else if (line === 'release') {
    for (const h of held.splice(0)) h.release();
    process.stdout.write('released\\n');
  }
});
process.stdout.write('ready\\n');
`;

class Racer {
  readonly child: ChildProcess;
  readonly #lines: string[] = [];
  readonly #waiters: ((line: string) => void)[] = [];

  constructor(script: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const w = this.#waiters.shift();
      if (w) w(line);
      else this.#lines.push(line);
    });
  }

  next(): Promise<string> {
    const line = this.#lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  send(line: string): void {
    this.child.stdin!.write(line + '\n');
  }
}

describe('core/store lock takeover', () => {
  const racers: Racer[] = [];

  beforeAll(async () => {
    const script = join(tempDir(), 'racer.mjs');
    writeFileSync(script, RACER);
    for (let i = 0; i < RACERS; i++) racers.push(new Racer(script));
    for (const r of racers) expect(await r.next()).toBe('ready');
  }, 60_000);

  afterAll(() => {
    for (const r of racers) r.child.kill('SIGKILL');
  });

  it('lets exactly one of several processes take over a lock left by a dead process', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const root = tempDir();
    for (let round = 0; round < ROUNDS; round++) {
      const dir = join(root, `round-${round}`);
      mkdirSync(dir);
      writeFileSync(join(dir, LOCK_FILE), dead);
      for (const r of racers) r.send(`go ${dir}`);
      const results = await Promise.all(racers.map((r) => r.next()));
      const winners = racers.filter((_, i) => results[i] === 'won');
      expect({ round, results: results.filter((x) => x !== 'busy' && x !== 'won'), winners: winners.length }).toEqual({ round, results: [], winners: 1 });
      expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(winners[0]!.child.pid));
      for (const r of racers) r.send('release');
      for (const r of racers) expect(await r.next()).toBe('released');
      // Nothing is left behind but the (released) lock's absence.
      expect(readdirSync(dir)).toEqual([]);
    }
  }, 120_000);

  it('passes over a takeover claim left by a process that died in the middle of one', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), dead);
    // A process died after claiming this stale lock: its claim names the lock and holds its pid.
    const st = statSync(join(dir, LOCK_FILE), { bigint: true });
    writeFileSync(join(dir, `${LOCK_FILE}.breaking-${st.dev}-${st.ino}-${st.ctimeNs}-0`), dead);
    racers[1]!.send(`go ${dir}`);
    expect(await racers[1]!.next()).toBe('won');
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(String(racers[1]!.child.pid));
    racers[1]!.send('release');
    expect(await racers[1]!.next()).toBe('released');
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);

  it('passes over an old claim whose dead starter’s pid now belongs to another live process', async () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    const dir = tempDir();
    writeFileSync(join(dir, LOCK_FILE), dead);
    const st = statSync(join(dir, LOCK_FILE), { bigint: true });
    const claim = join(dir, `${LOCK_FILE}.breaking-${st.dev}-${st.ino}-${st.ctimeNs}-0`);
    writeFileSync(claim, String(process.pid)); // a live process, but not a starter: the claim is a minute old
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(claim, aMinuteAgo, aMinuteAgo);
    racers[2]!.send(`go ${dir}`);
    expect(await racers[2]!.next()).toBe('won');
    racers[2]!.send('release');
    expect(await racers[2]!.next()).toBe('released');
    expect(readdirSync(dir)).toEqual([]);
  }, 60_000);
});
