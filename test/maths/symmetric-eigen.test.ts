import { test } from "node:test";
import assert from "node:assert/strict";
import { symmetricEigen } from "../../maths/symmetric-eigen.js";

const round = (xs: ArrayLike<number>, digits = 9): number[] => Array.from(xs, (x) => Number(x.toFixed(digits)) + 0);

test("symmetricEigen() diagonalizes a symmetric 3 × 3 matrix", () => {
  const { values } = symmetricEigen(Float64Array.from([2, -1, 0, -1, 2, -1, 0, -1, 2]), 3);
  assert.deepEqual(round([...values].sort((a, b) => a - b)), round([2 - Math.SQRT2, 2, 2 + Math.SQRT2]));
});

test("symmetricEigen() gives unit column eigenvectors: A·v = λ·v", () => {
  const a = Float64Array.from([2, 1, 1, 2]);
  const { values, vectors } = symmetricEigen(a, 2);
  for (let e = 0; e < 2; e++) {
    const v = [vectors[e]!, vectors[2 + e]!];
    assert.ok(Math.abs(Math.hypot(v[0]!, v[1]!) - 1) < 1e-12);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(a[2 * i]! * v[0]! + a[2 * i + 1]! * v[1]! - values[e]! * v[i]!) < 1e-12);
  }
});
