import { test } from "node:test";
import assert from "node:assert/strict";
import { searchLabels } from "../../webview/lib/text-search.js";

test("searchLabels() matches substrings case-insensitively, skips nulls, and an empty query matches nothing", () => {
  const labels = ["Apple pie", null, "pineapple", "Banana", "APPLE"];
  const get = (i: number): string | null => labels[i]!;
  assert.deepEqual(Array.from(searchLabels(get, labels.length, "apple")), [0, 2, 4]);
  assert.deepEqual(Array.from(searchLabels(get, labels.length, "  nan ")), [3]);
  assert.deepEqual(Array.from(searchLabels(get, labels.length, "  ")), []);
  assert.deepEqual(Array.from(searchLabels(get, labels.length, "cherry")), []);
});
