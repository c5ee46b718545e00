import { test } from "node:test";
import assert from "node:assert/strict";
import { histogram, rowNorms, sparklineBins, summarizeVector } from "../../maths/vector-stats.js";

test("summarizeVector() gives dim, norm, min, max and mean", () => {
  assert.deepEqual(summarizeVector([3, -4, 0, 1]), { dim: 4, norm: Math.sqrt(26), min: -4, max: 3, mean: 0 });
  assert.deepEqual(summarizeVector([]), { dim: 0, norm: 0, min: NaN, max: NaN, mean: NaN });
});

test("sparklineBins() keeps the largest-magnitude value of each bin", () => {
  assert.deepEqual([...sparklineBins([1, -5, 2, 3, 0, 4, -1, 1], 4)], [-5, 3, 4, -1]);
  assert.deepEqual([...sparklineBins([1, 2], 4)], [1, 2]);
});

test("rowNorms() marks invalid rows NaN", () => {
  const norms = rowNorms(Float32Array.from([3, 4, 1, 1, 0, 0]), 3, 2, Uint8Array.from([1, 0, 1]));
  assert.equal(norms[0], 5);
  assert.ok(Number.isNaN(norms[1]!));
  assert.equal(norms[2], 0);
});

test("histogram() puts the max in the last bin and counts NaN as skipped", () => {
  const h = histogram([0, 1, 2, 3, 4, NaN], 4);
  assert.deepEqual({ ...h, counts: [...h.counts] }, { min: 0, max: 4, binWidth: 1, counts: [1, 1, 1, 2], skipped: 1 });
  const flat = histogram([2, 2], 3);
  assert.deepEqual([...flat.counts], [2, 0, 0]);
  assert.throws(() => histogram([1], 0), { name: "RangeError", message: "bins must be >= 1, got 0" });
});
