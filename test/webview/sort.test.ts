import { test } from "node:test";
import assert from "node:assert/strict";
import { sortOrder } from "../../webview/lib/sort.js";

test("sortOrder() sorts numbers both ways, stable, with NaN and null last", () => {
  const keys = [3, null, 1, NaN, 3, 2];
  assert.deepEqual([...sortOrder(keys.length, (i) => keys[i], "asc")], [2, 5, 0, 4, 1, 3]);
  assert.deepEqual([...sortOrder(keys.length, (i) => keys[i], "desc")], [0, 4, 5, 2, 1, 3]);
});

test("sortOrder() sorts strings by code point and bigints exactly", () => {
  const s = ["b", "B", "a", "ä"];
  assert.deepEqual([...sortOrder(4, (i) => s[i], "asc")], [1, 2, 0, 3]);
  const big = [2n ** 63n - 1n, 2n ** 63n - 2n, -1n];
  assert.deepEqual([...sortOrder(3, (i) => big[i], "asc")], [2, 1, 0]);
});
