import { test } from "node:test";
import assert from "node:assert/strict";
import { pca } from "../../maths/pca.js";

const round = (xs: ArrayLike<number>, digits = 9): number[] => Array.from(xs, (x) => Number(x.toFixed(digits)) + 0);

test("pca() of 2-D points finds the known axes and variances", () => {
  // Covariance (1/3)·[[10, 6], [6, 10]]: eigenvalues 16/3 along (1, 1)/√2 and 4/3 along (1, −1)/√2.
  const m = Float32Array.from([2, 2, -2, -2, 1, -1, -1, 1]);
  const r = pca(m, 4, 2);
  const h = Math.SQRT1_2;
  assert.deepEqual(round(r.components[0]!), round([h, h]));
  assert.deepEqual(round(r.components[1]!), round([h, -h]));
  assert.deepEqual(round(r.variances), round([16 / 3, 4 / 3]));
  assert.deepEqual(round(r.explainedRatio), [0.8, 0.2]);
  assert.deepEqual(round(r.projection, 5), round([2 * Math.SQRT2, 0, -2 * Math.SQRT2, 0, 0, Math.SQRT2, 0, -Math.SQRT2], 5));
});

test("pca() recovers rotated axes in 4-D and removes the mean", () => {
  // Points ±3 on e1 and ±1 on e2, rotated (30° in the x0–x2 plane, 45° in x1–x3) and shifted by a mean.
  const c30 = Math.cos(Math.PI / 6), s30 = Math.sin(Math.PI / 6), h = Math.SQRT1_2;
  const axis1 = [c30, 0, s30, 0];
  const axis2 = [0, h, 0, h];
  const mean = [10, -5, 2, 0];
  const rows = [
    axis1.map((a, j) => mean[j]! + 3 * a),
    axis1.map((a, j) => mean[j]! - 3 * a),
    axis2.map((a, j) => mean[j]! + a),
    axis2.map((a, j) => mean[j]! - a),
  ];
  const r = pca(Float32Array.from(rows.flat()), 4, 4);
  assert.deepEqual(round(r.components[0]!, 6), round(axis1, 6));
  assert.deepEqual(round(r.components[1]!, 6), round(axis2, 6));
  assert.deepEqual(round(r.mean, 5), mean);
  assert.deepEqual(round(r.explainedRatio, 6), [0.9, 0.1]);
  assert.deepEqual(round(r.projection, 5), [3, 0, -3, 0, 0, 1, 0, -1]);
});

test("pca() skips invalid rows: they project to NaN and do not move the fit", () => {
  const m = Float32Array.from([2, 2, 999, -999, -2, -2, 1, -1, -1, 1]);
  const valid = Uint8Array.from([1, 0, 1, 1, 1]);
  const r = pca(m, 5, 2, { valid });
  assert.equal(r.fittedRows, 4);
  assert.deepEqual(round(r.variances), round([16 / 3, 4 / 3]));
  assert.ok(Number.isNaN(r.projection[2]!) && Number.isNaN(r.projection[3]!));
});

test("pca() fitted on a sample projects every row", () => {
  const rows = 1000, dim = 3;
  const m = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const t = i - 499.5;
    m[i * 3] = t;
    m[i * 3 + 1] = (i % 2 ? 1 : -1) * 0.5;
  }
  const r = pca(m, rows, dim, { sampleSize: 100 });
  assert.equal(r.fittedRows, 100);
  assert.equal(r.projection.length, 2000);
  // The sample is random, so its axes tilt slightly; the long axis still dominates.
  assert.deepEqual(round(r.components[0]!, 3), [1, 0, 0]);
  assert.deepEqual(round(r.components[1]!, 2), [0, 1, 0]);
  const again = pca(m, rows, dim, { sampleSize: 100 });
  assert.deepEqual([...again.projection], [...r.projection], "the sample is seeded: same input, same picture");
});

test("pca() rejects a matrix shorter than rows × dim", () => {
  assert.throws(() => pca(new Float32Array(5), 3, 2), {
    name: "RangeError", message: "Expected 3 × 2 = 6 values, but the matrix holds 5",
  });
});

test("pca() finds the direction of largest variance and its share", () => {
  // Points on the line y = 2x plus a little noise along the perpendicular: PC1 holds almost all the variance.
  const n = 200;
  const m = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const t = i / n - 0.5, e = (i % 2 ? 1 : -1) * 0.01;
    m[2 * i] = t - 2 * e;
    m[2 * i + 1] = 2 * t + e;
  }
  const p = pca(m, n, 2, { components: 2 });
  assert.ok(p.explainedRatio[0]! > 0.998, `PC1 ratio ${p.explainedRatio[0]}`);
  // Distances along PC1 equal distances along the line.
  const d = Math.abs(p.projection[2 * (n - 1)]! - p.projection[0]!);
  assert.ok(Math.abs(d - Math.hypot(1, 2) * ((n - 1) / n)) < 0.01, `span ${d}`);
});

test("pca() projects more than four components (four per pass over a row, then the rest) as one at a time would", () => {
  const rows = 40, dim = 9;
  const m = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 1.7) + (i % dim) * 0.1);
  const r = pca(m, rows, dim, { components: 6 });
  for (let row = 0; row < rows; row++) {
    for (let c = 0; c < 6; c++) {
      let d = 0;
      for (let j = 0; j < dim; j++) d += (m[row * dim + j]! - r.mean[j]!) * r.components[c]![j]!;
      assert.ok(Math.abs(r.projection[row * 6 + c]! - d) < 1e-5, `row ${row} component ${c}`);
    }
  }
});
