import { test } from "node:test";
import assert from "node:assert/strict";
import { placeByNeighbours } from "../../maths/place-by-neighbours.js";

test("placeByNeighbours() keeps anchors, puts a copy of an anchor on it and a row between two anchors between them", () => {
  const vectors = Float32Array.from([0, 0, 10, 0, 0, 0, 5, 0, 100, 100, NaN, NaN]);
  const out = placeByNeighbours(vectors, 6, 2, Uint32Array.from([0, 1, 4]), Float32Array.from([1, 1, 3, 1, 9, 9]), { k: 2 });
  assert.deepEqual(Array.from(out.subarray(0, 4)), [1, 1, 3, 1], "anchors keep their place");
  assert.deepEqual(Array.from(out.subarray(4, 6)), [1, 1], "row 2 equals anchor row 0");
  assert.ok(Math.abs(out[6]! - 2) < 1e-6 && Math.abs(out[7]! - 1) < 1e-6, `row 3 at ${out[6]}, ${out[7]}`);
  assert.ok(Number.isNaN(out[10]!), "a row without a vector gets no position");
});

test("placeByNeighbours() searches only the nearest anchor groups, and with enough probes finds the true nearest", () => {
  // 100 anchors on a line at x = 0..99 (positions = their x); every other row sits exactly on an anchor.
  const rows = 300, dim = 2;
  const vectors = new Float32Array(rows * dim);
  for (let r = 0; r < rows; r++) vectors[r * dim] = r % 100;
  const anchors = Uint32Array.from({ length: 100 }, (_, i) => i);
  const anchorXY = Float32Array.from({ length: 200 }, (_, i) => (i % 2 ? 0 : i / 2));
  const out = placeByNeighbours(vectors, rows, dim, anchors, anchorXY, { k: 3, probe: 10 });
  for (let r = 100; r < rows; r++) assert.equal(out[2 * r], r % 100, `row ${r}`);
});
