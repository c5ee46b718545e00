/** Row orders for the table's column sort. */

export type SortKey = number | bigint | string | boolean | null | undefined;
export type SortDirection = "asc" | "desc";

/**
 * Row indices ordered by `key(i)`: numbers (and bigints, booleans) numerically, strings by code point, NaN and
 * null/undefined always last whatever the direction; stable (equal keys keep row order).
 */
export function sortOrder(rows: number, key: (row: number) => SortKey, direction: SortDirection): Uint32Array {
  const keys = new Array<SortKey>(rows);
  for (let i = 0; i < rows; i++) keys[i] = key(i);
  const order = Array.from({ length: rows }, (_, i) => i);
  const sign = direction === "asc" ? 1 : -1;
  order.sort((a, b) => {
    const ka = keys[a], kb = keys[b];
    const ma = isMissing(ka), mb = isMissing(kb);
    if (ma || mb) return ma === mb ? a - b : ma ? 1 : -1;
    const c = compareKeys(ka!, kb!);
    return c !== 0 ? sign * c : a - b;
  });
  return Uint32Array.from(order);
}

function isMissing(k: SortKey): boolean {
  return k === null || k === undefined || (typeof k === "number" && Number.isNaN(k));
}

function compareKeys(a: Exclude<SortKey, null | undefined>, b: Exclude<SortKey, null | undefined>): number {
  if (typeof a === "string" || typeof b === "string") {
    const sa = String(a), sb = String(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  }
  if (typeof a === "bigint" || typeof b === "bigint") {
    const ba = typeof a === "bigint" ? a : BigInt(Math.trunc(Number(a)));
    const bb = typeof b === "bigint" ? b : BigInt(Math.trunc(Number(b)));
    return ba < bb ? -1 : ba > bb ? 1 : 0;
  }
  return Number(a) - Number(b);
}
