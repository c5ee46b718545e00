/**
 * Colour by column for the scatter: every point gets a one-byte code into a 256-entry palette (RGBA), so a million
 * points cost a megabyte on the GPU and recolouring uploads only the codes.
 * Categorical: the most frequent {@link MAX_CATEGORIES} values get their own colour, the rest share "other".
 * Numeric: a perceptual ramp (dark blue → green → yellow) over [min, max] in {@link RAMP_STEPS} steps.
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

/** Distinct hues in an order where neighbours differ (categorical palette). */
const CATEGORY_COLORS = [
  "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
  "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
];
const OTHER_COLOR = "#8a8a8a";
const NULL_COLOR = "#5a5a5a";
/** Stops of the numeric ramp, low to high. */
const RAMP = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];

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

/** "#rrggbb" → [r, g, b]. */
export function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1, 7), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function rampColor(t: number): [number, number, number] {
  const f = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(f));
  const a = hexToRgb(RAMP[i]!), b = hexToRgb(RAMP[i + 1]!);
  const u = f - i;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * u)) as [number, number, number];
}

/** The 256 RGBA entries for a legend's codes; `base` colours every point when there is no colour column. */
export function paletteFor(legend: ColorLegend, base: [number, number, number]): Uint8Array {
  const p = new Uint8Array(256 * 4);
  const put = (code: number, [r, g, b]: [number, number, number]): void => {
    p.set([r, g, b, 255], code * 4);
  };
  for (let c = 0; c < 256; c++) put(c, base);
  if (legend.kind === "categorical") {
    for (let c = 0; c < MAX_CATEGORIES; c++) put(c, hexToRgb(CATEGORY_COLORS[c]!));
    put(OTHER_CODE, hexToRgb(OTHER_COLOR));
  } else if (legend.kind === "numeric") {
    for (let c = 0; c < RAMP_STEPS; c++) put(c, rampColor((c + 0.5) / RAMP_STEPS));
  }
  if (legend.kind !== "none") put(NULL_CODE, hexToRgb(NULL_COLOR));
  return p;
}

/** CSS colour of a palette code (legend swatches). */
export function codeColor(palette: Uint8Array, code: number): string {
  const o = code * 4;
  return `rgb(${palette[o]}, ${palette[o + 1]}, ${palette[o + 2]})`;
}
