import { test } from "node:test";
import assert from "node:assert/strict";
import { PointIndex } from "../../webview/lib/point-index.js";

test("PointIndex.nearest() finds the closest point within the radius, in data units", () => {
  const pts = Float32Array.from([0, 0, 10, 0, 10.5, 0, 100, 100, NaN, 3]);
  const index = new PointIndex(pts, 1);
  assert.equal(index.nearest(9, 0, 2), 1);
  assert.equal(index.nearest(11, 0, 2), 2);
  assert.equal(index.nearest(50, 50, 5), -1);
  assert.equal(index.nearest(100, 99, 2), 3);
  assert.equal(index.nearest(-500, 0, 2), -1, "far outside the grid");
});

test("PointIndex agrees with a brute-force search on random points", () => {
  let seed = 3;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const n = 5_000;
  const pts = Float32Array.from({ length: 2 * n }, () => rand() * 100);
  const index = new PointIndex(pts);
  for (let q = 0; q < 200; q++) {
    const x = rand() * 110 - 5, y = rand() * 110 - 5, r = rand() * 3;
    let best = -1, bestD = r * r;
    for (let i = 0; i < n; i++) {
      const d = (pts[2 * i]! - x) ** 2 + (pts[2 * i + 1]! - y) ** 2;
      if (d < bestD || (d === bestD && best === -1)) { bestD = d; best = i; }
    }
    assert.equal(index.nearest(x, y, r), best, `query ${q} at ${x}, ${y} r ${r}`);
  }
});
