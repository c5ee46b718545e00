import { test } from "node:test";
import assert from "node:assert/strict";
import { fitPoints, panBy, PointGrid, toData, toScreen, zoomAt } from "../../webview/lib/scatter.js";

test("fitPoints() keeps the aspect ratio, centres the points and flips y", () => {
  const pts = Float32Array.from([-1, -1, 1, 1, 0, NaN]);
  const t = fitPoints(pts, 220, 120, 10);
  assert.deepEqual(t, { scale: 50, offsetX: 110, offsetY: 60 });
  assert.deepEqual(toScreen(t, 1, 1), [160, 10]);
  assert.deepEqual(toScreen(t, -1, -1), [60, 110]);
});

test("PointGrid.nearest() finds the closest point within the radius", () => {
  const pts = Float32Array.from([0, 0, 10, 0, 10.5, 0, 100, 100]);
  const t = { scale: 1, offsetX: 0, offsetY: 50 };
  const grid = new PointGrid(pts, t, 120, 100, 8);
  assert.equal(grid.nearest(9, 50, 4), 1);
  assert.equal(grid.nearest(11, 50, 4), 2);
  assert.equal(grid.nearest(1, 49, 4), 0);
  assert.equal(grid.nearest(50, 50, 4), -1);
  assert.equal(grid.nearest(100, -50, 4), -1); // point 3 is off screen
  assert.deepEqual(grid.position(3), [100, -50]);
});

test("toData() inverts toScreen()", () => {
  const t = { scale: 40, offsetX: 100, offsetY: 80 };
  const [sx, sy] = toScreen(t, 1.5, -2);
  assert.deepEqual(toData(t, sx, sy), [1.5, -2]);
});

test("zoomAt() keeps the point under the cursor fixed and clamps the scale; panBy() moves by screen px", () => {
  const t = { scale: 10, offsetX: 50, offsetY: 50 };
  const before = toData(t, 70, 20);
  const z = zoomAt(t, 2, 70, 20);
  assert.equal(z.scale, 20);
  assert.deepEqual(toData(z, 70, 20), before);
  assert.equal(zoomAt(t, 1000, 0, 0, 1, 100).scale, 100);
  assert.equal(zoomAt(t, 0.001, 0, 0, 1, 100).scale, 1);
  const p = panBy(t, 5, -3);
  assert.deepEqual(toScreen(p, 1, 1), [toScreen(t, 1, 1)[0] + 5, toScreen(t, 1, 1)[1] - 3]);
});
