import { test } from "node:test";
import assert from "node:assert/strict";
import { placeByNeighbours } from "../../webview/lib/place-by-neighbours.js";
import { sampledUmap } from "../../webview/lib/umap-sampled.js";

test("placeByNeighbours() keeps anchors and places other rows among their nearest anchors", () => {
  const vectors = Float32Array.from([0, 0, 10, 0, 0, 0, 5, 0, 100, 100, NaN, NaN]);
  const out = placeByNeighbours(vectors, 6, 2, Uint32Array.from([0, 1, 4]), Float32Array.from([1, 1, 3, 1, 9, 9]), { k: 2 });
  assert.deepEqual(Array.from(out.subarray(0, 6)), [1, 1, 3, 1, 1, 1]);
  assert.ok(Math.abs(out[6]! - 2) < 1e-6 && Math.abs(out[7]! - 1) < 1e-6);
  assert.ok(Number.isNaN(out[10]!), "a row without a vector gets no position");
});

test("sampledUmap() separates clusters that come in a period (rows i % 4), laying out a sample and placing the rest", () => {
  const n = 800, dim = 16, groups = 4;
  let seed = 5;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const m = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) m[i * dim + j] = (j % groups === i % groups ? 1 : 0) + (rand() - 0.5) * 0.05;
  const { projection, sampleRows } = sampledUmap(m, n, dim, { sampleSize: 200, nEpochs: 150 });
  assert.equal(sampleRows, 200);
  const centres = Array.from({ length: groups }, (_, g) => {
    let x = 0, y = 0;
    for (let i = g; i < n; i += groups) { x += projection[2 * i]!; y += projection[2 * i + 1]!; }
    return [x / (n / groups), y / (n / groups)] as const;
  });
  // Every row is nearer its own group's centre than any other group's.
  for (let i = 0; i < n; i++) {
    const d = centres.map(([x, y]) => Math.hypot(projection[2 * i]! - x, projection[2 * i + 1]! - y));
    assert.equal(d.indexOf(Math.min(...d)), i % groups, `row ${i}`);
  }
});
