/**
 * Replays the fuzzers' kept inputs: every file under fuzz/regressions/<target>/ (inputs that once
 * crashed a target, kept after the fix) and every seed of every target, through the same check
 * the fuzzer runs (fuzz/harness.ts: a value or our typed error, and the round trip).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEEDS } from '../../fuzz/seeds';
import { TARGETS } from '../../fuzz/targets';
import { REPO_ROOT, loadVectors } from '../support/vectors';

const REGRESSIONS = join(REPO_ROOT, 'fuzz/regressions');

function kept(target: string): { file: string; bytes: Uint8Array }[] {
  const dir = join(REGRESSIONS, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.') && f !== 'README.md')
    .sort()
    .map((file) => ({ file, bytes: new Uint8Array(readFileSync(join(dir, file))) }));
}

describe('fuzz regressions', () => {
  it('every folder under fuzz/regressions belongs to a target', () => {
    const names = new Set(TARGETS.map((t) => t.name));
    const folders = existsSync(REGRESSIONS) ? readdirSync(REGRESSIONS).filter((f) => !f.includes('.')) : [];
    expect(folders.filter((f) => !names.has(f))).toEqual([]);
  });

  for (const target of TARGETS) {
    it(`${target.name}: every kept crashing input now holds the property`, () => {
      for (const { file, bytes } of kept(target.name)) {
        expect(() => target.check(bytes), `${target.name}/${file}`).not.toThrow();
      }
    });

    it(`${target.name}: every seed holds the property`, () => {
      const seeds = SEEDS[target.name]?.(loadVectors) ?? [];
      expect(seeds.length).toBeGreaterThan(0);
      for (const s of seeds) target.check(s);
    });
  }
});
