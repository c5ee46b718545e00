/**
 * Column widths of the table grid, in `ch` of its monospace font: the row-number column fits the largest row number
 * (issue 10: 5-digit numbers were cut), and text columns fit their header and the longest value among the first rows
 * instead of a fixed 240 px, within bounds (the user can still drag a column wider or narrower).
 */

/** Widest a fitted text column gets, in ch. @default 60 */
export const MAX_FIT_CH = 60;
/** Narrowest fitted column, in ch. @default 6 */
export const MIN_FIT_CH = 6;

/** CSS width of the row-number column for a table of `rows` rows (row numbers go up to rows − 1). */
export function rowNumberWidth(rows: number): string {
  const digits = String(Math.max(0, rows - 1)).length;
  // "row" in the header needs 3ch; 14px is the cell's padding and border.
  return `calc(${Math.max(3, digits)}ch + 14px)`;
}

/**
 * CSS width of a text column that fits `name`, `typeText` (shown smaller) and the longest of `samples` (display
 * text of its first rows), clamped to [MIN_FIT_CH, MAX_FIT_CH].
 */
export function fittedWidth(name: string, typeText: string, samples: Iterable<string>): string {
  let longest = Math.max(name.length + 1, Math.ceil(typeText.length * 0.9));
  for (const s of samples) if (s.length > longest) longest = s.length;
  const ch = Math.min(MAX_FIT_CH, Math.max(MIN_FIT_CH, longest));
  return `calc(${ch}ch + 14px)`;
}
