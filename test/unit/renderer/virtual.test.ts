import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { visibleRange } from '../../../renderer/src/lib/virtual';

describe('virtual list range', () => {
  it('renders the rows in view plus the overscan on each side', () => {
    expect(visibleRange(0, 360, 36, 1000, 8)).toEqual({ start: 0, end: 19, offsetTop: 0, totalHeight: 36000 });
    expect(visibleRange(3600, 360, 36, 1000, 8)).toEqual({ start: 92, end: 119, offsetTop: 92 * 36, totalHeight: 36000 });
  });

  it('stays inside the list when scrolled past either end', () => {
    expect(visibleRange(-50, 360, 36, 5)).toEqual({ start: 0, end: 5, offsetTop: 0, totalHeight: 180 });
    expect(visibleRange(1e9, 360, 36, 1000, 0).end).toBe(1000);
    expect(visibleRange(0, 360, 36, 0)).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
  });

  it('always covers the viewport (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 100_000 }), fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: 80 }), fc.nat(5000), fc.nat(10), (top, h, row, count, over) => {
        const r = visibleRange(top, h, row, count, over);
        const total = count * row;
        const clamped = Math.min(Math.max(0, top), Math.max(0, total - h));
        const firstVisible = Math.floor(clamped / row);
        const lastVisible = Math.min(count, Math.ceil((clamped + h) / row));
        return r.start <= firstVisible && r.end >= Math.min(lastVisible, count) && r.start <= r.end && r.end <= count && r.offsetTop === r.start * row;
      }),
    );
  });

  it('refuses rows without height', () => {
    expect(() => visibleRange(0, 100, 0, 10)).toThrow(RangeError);
  });
});
