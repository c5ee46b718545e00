import { test } from "node:test";
import assert from "node:assert/strict";
import { Field, FixedSizeList, Float32, List, Table, makeData, makeVector, vectorFromArray } from "apache-arrow";
import { umapProject } from "../../kernel/projection/umap.js";
import { packVectors } from "../../kernel/projection/vectors.js";

/** n rows in `clusters` well-separated groups in `dim` dimensions; row i is in group i % clusters. */
function clustered(n: number, dim: number, clusters: number, spread = 0.05): Float32Array {
  let seed = 99;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296;
  };
  const m = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = i % clusters;
    for (let j = 0; j < dim; j++) m[i * dim + j] = (j % clusters === c ? 1 : 0) + (rand() - 0.5) * spread;
  }
  return m;
}

function listTable(matrix: Float32Array, rows: number, dim: number, extra: Record<string, unknown[]> = {}): Table {
  const type = new List(new Field("item", new Float32(), true));
  const offsets = Int32Array.from({ length: rows + 1 }, (_, r) => r * dim);
  const child = makeData({ type: new Float32(), length: rows * dim, data: matrix });
  const columns: Record<string, ReturnType<typeof makeVector>> = { embedding: makeVector(makeData({ type, length: rows, valueOffsets: offsets, child })) };
  for (const [name, values] of Object.entries(extra)) columns[name] = vectorFromArray(values as never[]);
  return new Table(columns);
}

test("packVectors() reads a list column in place, a sliced table from its own first row, and a fixed-size list", () => {
  const m = Float32Array.from({ length: 12 }, (_, i) => i);
  const t = listTable(m, 4, 3);
  const packed = packVectors(t, "embedding");
  assert.equal(packed.dim, 3);
  assert.equal(packed.matrix.buffer, m.buffer, "no copy for a regular Float32 list");
  assert.deepEqual(Array.from(packVectors(t.slice(2, 4), "embedding").matrix), [6, 7, 8, 9, 10, 11]);
  const fixed = makeVector(makeData({ type: new FixedSizeList(3, new Field("item", new Float32())), length: 4, child: makeData({ type: new Float32(), length: 12, data: m }) }));
  const ft = new Table({ v: fixed });
  assert.deepEqual(Array.from(packVectors(ft.slice(1, 3), "v").matrix), [3, 4, 5, 6, 7, 8]);
  assert.throws(() => packVectors(new Table({ n: vectorFromArray([1, 2]) }), "n"), /not a float-vector column/);
});

test("packVectors() copies a column of many chunks (one per record batch) chunk by chunk, in row order", () => {
  const a = listTable(Float32Array.from([1, 2, 3, 4]), 2, 2), b = listTable(Float32Array.from([5, 6]), 1, 2);
  const odd = new Table({ embedding: vectorFromArray([[7, 8], null], new List(new Field("item", new Float32(), true))) });
  const t = a.concat(b, odd);
  assert.equal(t.getChild("embedding")!.data.length, 3);
  const p = packVectors(t, "embedding");
  assert.deepEqual(Array.from(p.matrix), [1, 2, 3, 4, 5, 6, 7, 8, 0, 0]);
  assert.deepEqual(Array.from(p.valid), [1, 1, 1, 1, 0]);
});

test("packVectors() marks null rows and rows of another length invalid", () => {
  const values = [[1, 2], null, [3, 4, 5], [6, 7]];
  const t = new Table({ e: vectorFromArray(values, new List(new Field("item", new Float32(), true))) });
  const p = packVectors(t, "e");
  assert.deepEqual(Array.from(p.valid), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(p.matrix), [1, 2, 0, 0, 0, 0, 6, 7]);
});

test("umapProject() keeps separate clusters apart, laying out a sample and placing the rest", async () => {
  const n = 900, dim = 24, clusters = 3;
  const m = clustered(n, dim, clusters);
  const { projection, sampleRows } = await umapProject(m, n, dim, { sampleSize: 300, nEpochs: 150 });
  assert.equal(sampleRows, 300);
  const centre = (c: number): [number, number] => {
    let x = 0, y = 0, k = 0;
    for (let i = c; i < n; i += clusters) { x += projection[2 * i]!; y += projection[2 * i + 1]!; k++; }
    return [x / k, y / k];
  };
  const centres = [0, 1, 2].map(centre);
  let spread = 0;
  for (let i = 0; i < n; i++) {
    const [cx, cy] = centres[i % clusters]!;
    spread = Math.max(spread, Math.hypot(projection[2 * i]! - cx, projection[2 * i + 1]! - cy));
  }
  let gap = Infinity;
  for (let a = 0; a < clusters; a++) for (let b = a + 1; b < clusters; b++) gap = Math.min(gap, Math.hypot(centres[a]![0] - centres[b]![0], centres[a]![1] - centres[b]![1]));
  assert.ok(gap > spread, `closest cluster centres ${gap.toFixed(2)} apart, a cluster's widest point ${spread.toFixed(2)} from its centre`);
});

test("inspector ops: project, neighbours, colours, search, labels and select over every row of a table", async () => {
  const { runTableOp } = await import("../../kernel/table-ops/index.js");
  const n = 60, dim = 8;
  const m = clustered(n, dim, 3);
  const table = listTable(m, n, dim, { text: Array.from({ length: n }, (_, i) => `doc ${i} topic ${i % 3}`), topic: Array.from({ length: n }, (_, i) => i % 3) });
  const vars: Record<string, unknown> = {};
  const ctx = { setVariable: (k: string, v: unknown) => { vars[k] = v; } };
  const project = await runTableOp("inspector.project", table, { column: "embedding", method: "pca" }, ctx);
  assert.equal(project.ipc!.byteLength, n * 2 * 4);
  assert.equal((project.result as { rows: number }).rows, n);
  const nb = (await runTableOp("inspector.neighbours", table, { column: "embedding", row: 4, k: 5 }, ctx)).result as { index: number }[];
  assert.equal(nb.length, 5);
  for (const x of nb) assert.equal(x.index % 3, 1, "row 4's neighbours are in its cluster");
  const colours = await runTableOp("inspector.colours", table, { column: "topic" }, ctx);
  assert.equal((colours.result as { kind: string }).kind, "categorical");
  assert.equal(colours.ipc!.length, n);
  const search = await runTableOp("inspector.search", table, { column: "text", query: "TOPIC 2" }, ctx);
  assert.equal((search.result as { count: number }).count, 20);
  assert.equal(new Uint32Array(search.ipc!.slice().buffer)[0], 2);
  const labels = (await runTableOp("inspector.labels", table, { column: "text", rows: [59, 1_000] }, ctx)).result;
  assert.deepEqual(labels, ["doc 59 topic 2", ""]);
  const rows = Uint32Array.from([3, 10, 11, 40]);
  const sel = await runTableOp("inspector.select", table, { rows: Buffer.from(rows.buffer).toString("base64") }, ctx);
  assert.deepEqual(sel.result, { numRows: 4, variable: "selection" });
  const selection = vars.selection as Table;
  assert.deepEqual(selection.getChild("text")!.toArray(), ["doc 3 topic 0", "doc 10 topic 1", "doc 11 topic 2", "doc 40 topic 1"]);
  assert.deepEqual(Array.from(selection.getChild("embedding")!.get(2) as Float32Array), Array.from(m.subarray(11 * dim, 12 * dim)));
  await assert.rejects(runTableOp("inspector.neighbours", table, { column: "text", row: 0 }, ctx), /not a float-vector column/);
  await assert.rejects(runTableOp("inspector.project", table, { column: "embedding", method: "tsne" }, ctx), /method must be/);
  await assert.rejects(runTableOp("inspector.select", table, { rows: Buffer.from(Uint32Array.from([60]).buffer).toString("base64") }, ctx), /past the table/);
});
