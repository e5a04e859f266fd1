/**
 * Which rows of a long list of equal-height rows to render: the ones in view plus a few on
 * each side. The list keeps its full height (so the scroll bar is honest) and only the visible
 * slice exists in the DOM.
 */

export interface VisibleRange {
  /** First row to render (inclusive). */
  readonly start: number;
  /** Row after the last one to render (exclusive). */
  readonly end: number;
  /** Space above the first rendered row, px. */
  readonly offsetTop: number;
  /** Height of the whole list, px. */
  readonly totalHeight: number;
}

export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 8): VisibleRange {
  if (rowHeight <= 0) throw new RangeError('rowHeight must be positive');
  const total = Math.max(0, count) * rowHeight;
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, total - viewportHeight));
  const first = Math.floor(top / rowHeight);
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end: Math.max(start, end), offsetTop: start * rowHeight, totalHeight: total };
}
