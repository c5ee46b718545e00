import { test } from "node:test";
import assert from "node:assert/strict";
import { pointInPolygon, selectInBox, selectInPolygon } from "../../webview/lib/selection.js";

test("pointInPolygon() handles a concave lasso (a U shape)", () => {
  // U: the notch between x 1..2 above y 1 is outside.
  const u = [0, 0, 3, 0, 3, 3, 2, 3, 2, 1, 1, 1, 1, 3, 0, 3];
  assert.equal(pointInPolygon(0.5, 2, u), true);
  assert.equal(pointInPolygon(2.5, 2, u), true);
  assert.equal(pointInPolygon(1.5, 2, u), false, "inside the notch");
  assert.equal(pointInPolygon(1.5, 0.5, u), true);
  assert.equal(pointInPolygon(4, 1, u), false);
});

test("selectInPolygon() returns the rows inside, ascending, and skips NaN points", () => {
  const pts = Float32Array.from([0.3, 0.3, 5, 5, NaN, 0.5, 0.2, 0.6, 0.95, 0.1]);
  const triangle = [0, 0, 1, 0, 0, 1];
  assert.deepEqual(Array.from(selectInPolygon(pts, triangle)), [0, 3]);
  assert.deepEqual(Array.from(selectInPolygon(pts, [0, 0, 1, 1])), [], "fewer than 3 vertices select nothing");
});

test("selectInBox() takes corners in any order and includes the edges", () => {
  const pts = Float32Array.from([0, 0, 1, 1, 2, 2, 1, 3, NaN, 1]);
  assert.deepEqual(Array.from(selectInBox(pts, 2, 2, 0, 0.5)), [1, 2]);
  assert.deepEqual(Array.from(selectInBox(pts, -1, -1, 5, 5)), [0, 1, 2, 3]);
});

test("selectInPolygon() over a million points agrees with the box it is drawn as", () => {
  const n = 1_000_000;
  const pts = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    pts[2 * i] = (i % 1000) / 1000;
    pts[2 * i + 1] = Math.floor(i / 1000) / 1000;
  }
  const lasso = selectInPolygon(pts, [0.1, 0.1, 0.3005, 0.1, 0.3005, 0.2005, 0.1, 0.2005]);
  const box = selectInBox(pts, 0.1, 0.1, 0.3005, 0.2005);
  assert.equal(box.length, 201 * 101);
  assert.ok(Math.abs(lasso.length - box.length) <= 201 + 101, "they differ at most on the edges");
});
