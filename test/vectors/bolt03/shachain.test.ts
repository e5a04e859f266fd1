import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../core/crypto';
import {
  SHACHAIN_MAX_INDEX, ShachainError, deriveOldSecret, emptyShachain, generateFromSeed, insertSecret,
} from '../../../core/channel';
import type { ShachainStore } from '../../../core/channel';
import { loadVectors } from '../../support/vectors';

interface ShachainVectors {
  generation: { name: string; seed: string; index: number; output: string }[];
  storage_seed: string;
  storage_incorrect_seed: string;
  storage: { name: string; steps: { index: number; secret: string; expected: 'OK' | 'ERROR' }[] }[];
}

const v = loadVectors<ShachainVectors>('bolt03/shachain.json');

describe('BOLT 3 Appendix D: per-commitment secret generation', () => {
  it('has the five generation cases', () => expect(v.generation).toHaveLength(5));
  for (const c of v.generation) {
    it(c.name, () => {
      expect(toHex(generateFromSeed(fromHex(c.seed), c.index))).toBe(c.output);
    });
  }
});

describe('BOLT 3 Appendix D: compact storage', () => {
  it('has the nine storage sequences', () => expect(v.storage).toHaveLength(9));
  for (const seq of v.storage) {
    it(seq.name, () => {
      let store: ShachainStore = emptyShachain();
      const accepted: { index: number; secret: string }[] = [];
      for (const step of seq.steps) {
        let result: 'OK' | 'ERROR' = 'OK';
        try {
          store = insertSecret(store, step.index, fromHex(step.secret));
          accepted.push(step);
        } catch (e) {
          expect(e).toBeInstanceOf(ShachainError);
          expect((e as ShachainError).code).toBe('shachain.bad_secret');
          result = 'ERROR';
        }
        expect(result, `insert index ${step.index}`).toBe(step.expected);
        if (result === 'ERROR') break;
      }
      // Every secret accepted so far can be derived back from the compact store.
      for (const a of accepted) expect(toHex(deriveOldSecret(store, a.index))).toBe(a.secret);
    });
  }

  it('a correct sequence lets every received secret be re-derived and stores at most 49 entries', () => {
    const seed = fromHex(v.storage_seed);
    let store = emptyShachain();
    for (let n = 0; n < 300; n++) store = insertSecret(store, SHACHAIN_MAX_INDEX - n, generateFromSeed(seed, SHACHAIN_MAX_INDEX - n));
    expect(store.buckets.length).toBe(49);
    for (let n = 0; n < 300; n += 7) {
      expect(toHex(deriveOldSecret(store, SHACHAIN_MAX_INDEX - n))).toBe(toHex(generateFromSeed(seed, SHACHAIN_MAX_INDEX - n)));
    }
    expect(() => deriveOldSecret(store, SHACHAIN_MAX_INDEX - 300)).toThrow(ShachainError);
  });
});
