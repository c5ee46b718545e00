import { test } from "node:test";
import assert from "node:assert/strict";
import { sampledUmap } from "../../maths/umap-sampled.js";

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

test("sampledUmap() gives the same picture for the same seed, and leaves rows without a vector NaN", () => {
  const n = 120, dim = 6;
  const m = Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i * 0.37) + (Math.floor(i / dim) % 3));
  const valid = new Uint8Array(n).fill(1);
  valid[5] = 0;
  const a = sampledUmap(m, n, dim, { sampleSize: 50, nEpochs: 30, valid });
  const b = sampledUmap(m, n, dim, { sampleSize: 50, nEpochs: 30, valid });
  assert.deepEqual([...a.projection], [...b.projection]);
  assert.ok(Number.isNaN(a.projection[10]!) && Number.isNaN(a.projection[11]!));
  assert.ok(!Number.isNaN(a.projection[12]!));
});
