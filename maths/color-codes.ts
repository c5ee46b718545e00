/**
 * Colour by column for the inspector's scatter: every point gets a one-byte code into a 256-entry palette, so a
 * million points cost a megabyte on the GPU, recolouring uploads only the codes, and the kernel can send a large
 * table's codes instead of its values. The legend says which code is which.
 * Categorical: the most frequent {@link MAX_CATEGORIES} values get their own code, the rest share "other".
 * Numeric: {@link RAMP_STEPS} steps between min and max.
 */

export const MAX_CATEGORIES = 20;
export const OTHER_CODE = MAX_CATEGORIES;
export const RAMP_STEPS = 250;
/** Code of a null (or NaN) value, in both kinds. */
export const NULL_CODE = 255;

export interface CategoryEntry {
  label: string;
  count: number;
  code: number;
}

export type ColorLegend =
  | { kind: "none" }
  | { kind: "categorical"; entries: CategoryEntry[]; other: number; nulls: number }
  | { kind: "numeric"; min: number; max: number; nulls: number };

export interface ColorCodes {
  codes: Uint8Array;
  legend: ColorLegend;
}

/** Counts each value's rows and codes the most frequent ones; `value(i)` may return anything (formatted with String). */
export function categoryCodes(value: (row: number) => unknown, rows: number): ColorCodes {
  const keys: (string | null)[] = new Array(rows);
  const counts = new Map<string, number>();
  let nulls = 0;
  for (let i = 0; i < rows; i++) {
    const v = value(i);
    if (v === null || v === undefined) {
      keys[i] = null;
      nulls++;
      continue;
    }
    const k = String(v);
    keys[i] = k;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  // Most frequent first; ties by label so the colours do not depend on row order.
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const top = ranked.slice(0, MAX_CATEGORIES);
  const codeOf = new Map(top.map(([k], i) => [k, i]));
  const codes = new Uint8Array(rows);
  let other = 0;
  for (let i = 0; i < rows; i++) {
    const k = keys[i]!;
    if (k === null) codes[i] = NULL_CODE;
    else {
      const c = codeOf.get(k);
      if (c === undefined) other++;
      codes[i] = c ?? OTHER_CODE;
    }
  }
  return { codes, legend: { kind: "categorical", entries: top.map(([label, count], code) => ({ label, count, code })), other, nulls } };
}

/** Codes numbers on the ramp between their min and max; null, NaN and non-numbers get {@link NULL_CODE}. */
export function numericCodes(value: (row: number) => unknown, rows: number): ColorCodes {
  const xs = new Float64Array(rows);
  let min = Infinity, max = -Infinity, nulls = 0;
  for (let i = 0; i < rows; i++) {
    const v = value(i);
    const x = typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : NaN;
    xs[i] = x;
    if (Number.isNaN(x)) nulls++;
    else {
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  const codes = new Uint8Array(rows);
  const span = max - min;
  for (let i = 0; i < rows; i++) {
    const x = xs[i]!;
    codes[i] = Number.isNaN(x) ? NULL_CODE : span > 0 ? Math.min(RAMP_STEPS - 1, Math.floor(((x - min) / span) * RAMP_STEPS)) : 0;
  }
  return { codes, legend: { kind: "numeric", min: nulls === rows ? NaN : min, max: nulls === rows ? NaN : max, nulls } };
}

/**
 * Numeric when most values are numbers and there are more distinct values than categories (a numeric column with a
 * handful of values, such as a cluster id, reads better as categories); categorical otherwise.
 */
export function autoCodes(value: (row: number) => unknown, rows: number): ColorCodes {
  const distinct = new Set<number>();
  let numbers = 0, seen = 0;
  const step = Math.max(1, Math.floor(rows / 5_000));
  for (let i = 0; i < rows; i += step) {
    const v = value(i);
    if (v === null || v === undefined) continue;
    seen++;
    if (typeof v === "number" || typeof v === "bigint") {
      numbers++;
      if (distinct.size <= MAX_CATEGORIES) distinct.add(Number(v));
    }
  }
  return seen > 0 && numbers === seen && distinct.size > MAX_CATEGORIES ? numericCodes(value, rows) : categoryCodes(value, rows);
}
