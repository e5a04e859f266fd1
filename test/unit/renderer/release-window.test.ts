/** The async release window form of Settings (renderer/src/lib/release-window.ts): durations as typed, the node's bounds, the words. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkReleaseWindow, describeWindow, parseDuration, windowDraft, windowSavedText, windowSourceText } from '../../../renderer/src/lib/release-window';

const DEFAULT = { releaseWindowSeconds: 86_400, releaseWindowSource: 'default' as const };

describe('parseDuration', () => {
  it.each([
    ['3600', 3600], ['90 s', 90], ['30min', 1800], ['30 minutes', 1800], ['24 h', 86_400], ['1.5 h', 5400], ['7 d', 604_800], ['2 days', 172_800], [' 10 S ', 10],
  ])('%j is %d s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'soon', '-5', '1.5 s', '5 weeks', '1h30m', '0x10', '1e3'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('any text gives whole seconds or null, never a throw', () => {
    fc.assert(fc.property(fc.string(), (t) => {
      const n = parseDuration(t);
      expect(n === null || Number.isSafeInteger(n)).toBe(true);
    }), { numRuns: 500 });
  });
});

describe('the window in words', () => {
  it('describes seconds in the largest units', () => {
    expect(describeWindow(45)).toBe('45 s');
    expect(describeWindow(5400)).toBe('1 h 30 min');
    expect(describeWindow(86_400)).toBe('1 day');
    expect(describeWindow(604_800)).toBe('7 days');
    expect(describeWindow(93_600)).toBe('1 day 2 h');
  });

  it('a draft of any window in bounds reads back as that window', () => {
    fc.assert(fc.property(fc.integer({ min: 10, max: 604_800 }), (s) => {
      expect(parseDuration(windowDraft(s))).toBe(s);
    }), { numRuns: 500 });
    expect(windowDraft(86_400)).toBe('1 d');
    expect(windowDraft(5400)).toBe('90 min');
  });

  it('says where the window comes from, and what a save did', () => {
    expect(windowSourceText(DEFAULT)).toBe('the default');
    expect(windowSourceText({ releaseWindowSource: 'command-line' })).toBe('set on the command line');
    expect(windowSavedText({ releaseWindowSeconds: 1800, releaseWindowSource: 'saved' }, 1800)).toMatch(/^Applied: payments held from now on wait up to 30 min .* keep the window they were given\.$/);
    const cli = windowSavedText({ releaseWindowSeconds: 45, releaseWindowSource: 'command-line' }, 7200);
    expect(cli).toContain('Saved 2 h in the config file');
    expect(cli).toContain('sets 45 s for this run and wins at the next start too');
  });
});

describe('checkReleaseWindow', () => {
  it('gives the smallest change, or none when it is the window in force', () => {
    expect(checkReleaseWindow('1 d', DEFAULT)).toEqual({ problem: null, change: null, seconds: 86_400 });
    expect(checkReleaseWindow('30 min', DEFAULT)).toEqual({ problem: null, change: { async: { releaseWindowSeconds: 1800 } }, seconds: 1800 });
  });

  it('the command-line case: the window just saved for later is no change (Save for later off), another one is', () => {
    const cli = { releaseWindowSeconds: 45 };
    expect(checkReleaseWindow('2 h', cli, 7200)).toEqual({ problem: null, change: null, seconds: 7200 });
    expect(checkReleaseWindow('3 h', cli, 7200)).toEqual({ problem: null, change: { async: { releaseWindowSeconds: 10_800 } }, seconds: 10_800 });
    expect(checkReleaseWindow('45 s', cli, 7200).change).toBeNull();
    expect(checkReleaseWindow('2 h', cli).change).toEqual({ async: { releaseWindowSeconds: 7200 } });
  });

  it('refuses what the node would refuse, saying the bounds', () => {
    expect(checkReleaseWindow('9 s', DEFAULT).problem).toBe('From 10 s to 7 days (10 to 604800 seconds); this is 9 s.');
    expect(checkReleaseWindow('8 d', DEFAULT)).toMatchObject({ change: null, problem: expect.stringContaining('this is 8 days') });
    expect(checkReleaseWindow('', DEFAULT)).toMatchObject({ change: null, problem: expect.stringContaining('e.g. 24 h') });
    expect(checkReleaseWindow('tomorrow', DEFAULT)).toMatchObject({ change: null, problem: expect.stringContaining('a number alone is seconds') });
  });

  it('any text: a change only within the node\'s bounds', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.integer({ min: 0, max: 1_000_000 }).map(String)), (t) => {
      const c = checkReleaseWindow(t, DEFAULT);
      if (c.change) {
        const w = c.change.async!.releaseWindowSeconds!;
        expect(w >= 10 && w <= 604_800 && w !== 86_400).toBe(true);
        expect(c.problem).toBeNull();
      }
    }), { numRuns: 500 });
  });
});
