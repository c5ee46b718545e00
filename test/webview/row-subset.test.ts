import { test } from "node:test";
import assert from "node:assert/strict";
import { normalizeRows, orderWithin } from "../../webview/lib/row-subset.js";

// The in-output grid's "show only the selected rows": which rows, in which order under a column sort.

test("selected rows come out ascending, once each, without rows the table does not have", () => {
  assert.deepEqual([...normalizeRows([7, 2, 7, 0, 99, -1, 2.5, 4], 10)], [0, 2, 4, 7]);
  assert.deepEqual([...normalizeRows(new Uint32Array(0), 10)], []);
});

test("no selection keeps the sort (or row order); a selection keeps only its rows, in the sort's order", () => {
  const sorted = Uint32Array.from([5, 3, 9, 0, 1, 2, 4, 6, 7, 8]);
  const selected = Uint32Array.from([0, 3, 8]);
  assert.equal(orderWithin(null, null, 10), null, "all rows in row order");
  assert.equal(orderWithin(sorted, null, 10), sorted);
  assert.deepEqual([...orderWithin(null, selected, 10)!], [0, 3, 8], "row order");
  assert.deepEqual([...orderWithin(sorted, selected, 10)!], [3, 0, 8], "the sort's order");
});
