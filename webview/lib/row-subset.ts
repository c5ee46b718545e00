/**
 * The grid's "show only these rows" (the inspector's selection) for a table held in the output: which rows, and in
 * what order once a column sort applies. Kept apart from the DOM so it is tested in Node.
 */

/** Row numbers in ascending order without repeats, dropping any that the table does not have. */
export function normalizeRows(rows: ArrayLike<number>, numRows: number): Uint32Array {
  const seen = new Uint8Array(numRows);
  let n = 0;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (Number.isInteger(r) && r >= 0 && r < numRows && !seen[r]) {
      seen[r] = 1;
      n++;
    }
  }
  const out = new Uint32Array(n);
  let k = 0;
  for (let r = 0; r < numRows && k < n; r++) if (seen[r]) out[k++] = r;
  return out;
}

/**
 * The rows the grid shows, in view order: `order` (a sort of all rows, or null for row order) kept to `rows` (null:
 * every row). Null when that is simply every row in row order.
 */
export function orderWithin(order: Uint32Array | null, rows: Uint32Array | null, numRows: number): Uint32Array | null {
  if (!rows) return order;
  if (!order) return rows;
  const keep = new Uint8Array(numRows);
  for (const r of rows) keep[r] = 1;
  return order.filter((r) => keep[r] === 1);
}
