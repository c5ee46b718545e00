/**
 * Which rows of a virtualized grid are in the DOM, for a given scroll position.
 *
 * Browsers cap an element's height (Chromium ~33.5M px, Firefox ~17.9M px), so past `maxScrollHeight` the scroll
 * range is compressed: scrollTop maps proportionally onto the row range and rows are placed relative to the viewport.
 */
export interface VirtualWindowInput {
  scrollTop: number;
  viewportHeight: number;
  rowHeight: number;
  rowCount: number;
  /** Extra rows rendered above and below the viewport so fast scrolling shows no gaps. @default 8 */
  overscan?: number;
  /** Tallest spacer the grid will create, in px. @default 8_000_000 */
  maxScrollHeight?: number;
}

export interface VirtualWindow {
  /** First row index in the DOM (inclusive). */
  first: number;
  /** Row index after the last one in the DOM (exclusive). */
  end: number;
  /** Height of the scroll spacer, in px. */
  scrollHeight: number;
  /** `top` (px, inside the spacer) of row `first`. Row `first + k` sits at `offsetTop + k * rowHeight`. */
  offsetTop: number;
}

export function computeVirtualWindow(input: VirtualWindowInput): VirtualWindow {
  const { rowHeight, rowCount } = input;
  const overscan = input.overscan ?? 8;
  const maxScrollHeight = input.maxScrollHeight ?? 8_000_000;
  if (!(rowHeight > 0)) throw new RangeError(`rowHeight must be > 0, got ${rowHeight}`);
  const viewportHeight = Math.max(0, input.viewportHeight);
  const fullHeight = rowCount * rowHeight;
  if (rowCount <= 0) return { first: 0, end: 0, scrollHeight: 0, offsetTop: 0 };

  if (fullHeight <= maxScrollHeight) {
    const scrollTop = clamp(input.scrollTop, 0, Math.max(0, fullHeight - viewportHeight));
    const firstVisible = Math.floor(scrollTop / rowHeight);
    const lastVisible = Math.ceil((scrollTop + viewportHeight) / rowHeight); // exclusive
    const first = Math.max(0, firstVisible - overscan);
    const end = Math.min(rowCount, lastVisible + overscan);
    return { first, end, scrollHeight: fullHeight, offsetTop: first * rowHeight };
  }

  // Compressed: the fraction scrolled picks the first visible row; rows are laid out from the viewport top.
  const scrollHeight = maxScrollHeight;
  const scrollRange = Math.max(1, scrollHeight - viewportHeight);
  const scrollTop = clamp(input.scrollTop, 0, scrollRange);
  const visibleRows = Math.ceil(viewportHeight / rowHeight);
  const maxFirstVisible = Math.max(0, rowCount - visibleRows);
  const firstVisible = Math.round((scrollTop / scrollRange) * maxFirstVisible);
  const first = Math.max(0, firstVisible - overscan);
  const end = Math.min(rowCount, firstVisible + visibleRows + overscan);
  return { first, end, scrollHeight, offsetTop: scrollTop - (firstVisible - first) * rowHeight };
}

/** The scrollTop that brings `row` to the top of the viewport (inverse of the mapping above). */
export function scrollTopForRow(row: number, input: Omit<VirtualWindowInput, "scrollTop">): number {
  const { rowHeight, rowCount } = input;
  const maxScrollHeight = input.maxScrollHeight ?? 8_000_000;
  const r = clamp(row, 0, Math.max(0, rowCount - 1));
  if (rowCount * rowHeight <= maxScrollHeight) return r * rowHeight;
  const scrollRange = Math.max(1, maxScrollHeight - input.viewportHeight);
  const maxFirstVisible = Math.max(1, rowCount - Math.ceil(input.viewportHeight / rowHeight));
  return (Math.min(r, maxFirstVisible) / maxFirstVisible) * scrollRange;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
