/**
 * One-byte colour codes of a column for the inspector's scatter (the renderer maps codes to its palette): the most
 * frequent MAX_CATEGORIES values of a categorical column get codes 0–19 and the rest "other" (20); numbers are cut
 * into RAMP_STEPS steps between min and max; null is 255. The legend says which code is which.
 */
export const MAX_CATEGORIES = 20;
export const OTHER_CODE = MAX_CATEGORIES;
export const RAMP_STEPS = 250;
export const NULL_CODE = 255;

export type ColorLegend =
  | { kind: "categorical"; entries: { label: string; count: number; code: number }[]; other: number; nulls: number }
  | { kind: "numeric"; min: number; max: number; nulls: number };

export function categoryCodes(value: (row: number) => unknown, rows: number): { codes: Uint8Array; legend: ColorLegend } {
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
    const key = String(v);
    keys[i] = key;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).slice(0, MAX_CATEGORIES);
  const codeOf = new Map(top.map(([key], i) => [key, i]));
  const codes = new Uint8Array(rows);
  let other = 0;
  for (let i = 0; i < rows; i++) {
    const key = keys[i]!;
    if (key === null) codes[i] = NULL_CODE;
    else {
      const c = codeOf.get(key);
      if (c === undefined) other++;
      codes[i] = c ?? OTHER_CODE;
    }
  }
  return { codes, legend: { kind: "categorical", entries: top.map(([label, count], code) => ({ label, count, code })), other, nulls } };
}

export function numericCodes(value: (row: number) => unknown, rows: number): { codes: Uint8Array; legend: ColorLegend } {
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
  const none = nulls === rows;
  return { codes, legend: { kind: "numeric", min: none ? NaN : min, max: none ? NaN : max, nulls } };
}

/** Numeric when every sampled value is a number and there are more distinct ones than categories. */
export function colorCodes(value: (row: number) => unknown, rows: number): { codes: Uint8Array; legend: ColorLegend } {
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
