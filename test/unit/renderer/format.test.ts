import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  featureLabel, formatBytes, formatClock, formatCount, formatDuration, formatRelative, formatRtt, formatTimestamp, middleEllipsis, plural,
} from '../../../renderer/src/lib/format';

describe('formatters', () => {
  it('groups thousands in counts', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1234567)).toBe('1,234,567');
  });

  it('writes sizes in SI units with one decimal', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(1536)).toBe('1.5 kB');
    expect(formatBytes(999_960)).toBe('1.0 MB');
    expect(formatBytes(12_000_000)).toBe('12.0 MB');
    expect(formatBytes(3e15)).toBe('3,000.0 TB');
  });

  it('writes round trips below a millisecond, in ms, then in seconds', () => {
    expect(formatRtt(0.4)).toBe('<1 ms');
    expect(formatRtt(42.4)).toBe('42 ms');
    expect(formatRtt(999)).toBe('999 ms');
    expect(formatRtt(1340)).toBe('1.3 s');
  });

  it('writes durations coarsely, keeping the two largest units', () => {
    expect(formatDuration(-5)).toBe('0 s');
    expect(formatDuration(45_999)).toBe('45 s');
    expect(formatDuration(12 * 60_000 + 59_000)).toBe('12 min');
    expect(formatDuration(3 * 3_600_000)).toBe('3 h');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 5 min');
    expect(formatDuration(2 * 86_400_000)).toBe('2 d');
    expect(formatDuration(2 * 86_400_000 + 4 * 3_600_000)).toBe('2 d 4 h');
  });

  it('says how long ago a time was relative to the given now', () => {
    const now = 1_700_000_000_000;
    expect(formatRelative(now, now)).toBe('just now');
    expect(formatRelative(now - 4_999, now)).toBe('just now');
    expect(formatRelative(now - 12_000, now)).toBe('12 s ago');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5 min ago');
    expect(formatRelative(now - (3 * 3_600_000 + 5 * 60_000), now)).toBe('3 h ago');
    // A time slightly in the future (clock skew) is still "just now".
    expect(formatRelative(now + 3_000, now)).toBe('just now');
  });

  it('writes local clock times with two-digit fields', () => {
    const t = new Date(2025, 0, 2, 3, 4, 5).getTime();
    expect(formatClock(t)).toBe('03:04:05');
    expect(formatTimestamp(t)).toBe('2025-01-02 03:04:05');
  });

  it('shortens long ids in the middle and leaves short ones whole', () => {
    const id = '02' + 'ab'.repeat(32);
    expect(middleEllipsis(id, 6, 4)).toBe('02abab…abab');
    expect(middleEllipsis('0123456789', 4, 5)).toBe('0123456789');
    expect(middleEllipsis('0123456789', 4, 4)).toBe('0123…6789');
  });

  it('keeps both ends of any id it shortens', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.nat(20), fc.nat(20), (text, head, tail) => {
        const short = middleEllipsis(text, head, tail);
        if (short === text) return text.length <= head + tail + 1;
        return short.length === head + tail + 1 && text.startsWith(short.slice(0, head)) && text.endsWith(short.slice(head + 1));
      }),
    );
  });

  it('turns BOLT 9 feature names into labels', () => {
    expect(featureLabel('option_data_loss_protect')).toBe('data loss protect');
    expect(featureLabel('var_onion_optin')).toBe('var onion optin');
    expect(featureLabel('unknown_101')).toBe('unknown 101');
  });

  it('pluralises', () => {
    expect(plural(1, 'peer')).toBe('1 peer');
    expect(plural(0, 'peer')).toBe('0 peers');
    expect(plural(2000, 'reply', 'replies')).toBe('2,000 replies');
  });
});
