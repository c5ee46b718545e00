import { test } from "node:test";
import assert from "node:assert/strict";
import { nearestByCosine } from "../../maths/nearest-by-cosine.js";
import { rowNorms } from "../../maths/vector-stats.js";

test("nearestByCosine() ranks rows by cosine, best first, skipping the query, zero and invalid rows", () => {
  const m = Float32Array.from([
    1, 0, // 0: query
    2, 0.1, // 1: nearly the same direction
    0, 1, // 2: orthogonal
    -1, 0, // 3: opposite
    0, 0, // 4: zero vector
    1, 1, // 5: 45°
    5, 0, // 6: invalid
  ]);
  const got = nearestByCosine(m, 7, 2, 0, 3, { valid: Uint8Array.from([1, 1, 1, 1, 1, 1, 0]) });
  assert.deepEqual(got.map((n) => n.index), [1, 5, 2]);
  assert.equal(got[1]!.similarity.toFixed(6), Math.SQRT1_2.toFixed(6));
  assert.equal(got[2]!.similarity, 0);
  assert.deepEqual(nearestByCosine(m, 7, 2, 4, 3), []);
});

test("nearestByCosine() takes norms computed once (NaN marks an invalid row) and answers nothing for k < 1", () => {
  const m = Float32Array.from([1, 0, 0.9, 0.1, 0, 1, 0, 0, -1, 0]);
  const norms = rowNorms(m, 5, 2);
  const nb = nearestByCosine(m, 5, 2, 0, 3, { norms });
  assert.deepEqual(nb.map((n) => n.index), [1, 2, 4]);
  assert.ok(Math.abs(nb[0]!.similarity - 0.9 / Math.hypot(0.9, 0.1)) < 1e-6);
  assert.equal(nb[2]!.similarity, -1);
  norms[1] = NaN;
  assert.deepEqual(nearestByCosine(m, 5, 2, 0, 3, { norms }).map((n) => n.index), [2, 4]);
  assert.deepEqual(nearestByCosine(m, 5, 2, 0, 0, { norms }), []);
});
