import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Field, FixedSizeList, Float32, Float64, List, Table, makeData, makeVector, tableFromArrays, tableFromIPC, tableToIPC,
  vectorFromArray, Utf8,
} from "apache-arrow";
import { findVectorColumns, isFloatVectorType } from "../../webview/lib/arrow-vectors.js";

const listF32 = new List(new Field("item", new Float32(), true));

test("findVectorColumns() finds List<Float32> columns after an IPC round trip and packs them without copying", () => {
  const t = new Table({
    text: vectorFromArray(["a", "b", "c"], new Utf8()),
    emb: vectorFromArray([[1, 2], [3, 4], [5, 6]], listF32),
  });
  const back = tableFromIPC(tableToIPC(t, "file"));
  const cols = findVectorColumns(back);
  assert.deepEqual(cols.map((c) => [c.name, c.index, c.rows, c.dim]), [["emb", 1, 3, 2]]);
  assert.deepEqual([...cols[0]!.row(1)!], [3, 4]);
  const packed = cols[0]!.pack();
  assert.equal(packed.shared, true);
  assert.deepEqual([...packed.matrix], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...packed.valid], [1, 1, 1]);
});

test("pack() copies across record batches and marks null and wrong-length rows invalid", () => {
  const a = vectorFromArray([[1, 2], null], listF32);
  const b = vectorFromArray([[3], [4, 5]], listF32);
  const t = new Table({ emb: a.concat(b) });
  const [col] = findVectorColumns(t);
  assert.equal(col!.rows, 4);
  assert.equal(col!.row(1), null);
  const packed = col!.pack();
  assert.equal(packed.shared, false);
  assert.deepEqual([...packed.matrix], [1, 2, 0, 0, 0, 0, 4, 5]);
  assert.deepEqual([...packed.valid], [1, 0, 0, 1]);
  assert.throws(() => col!.row(4), { name: "RangeError", message: "Row 4 is outside the column's 4 rows" });
});

test("findVectorColumns() reads FixedSizeList<Float32> and List<Float64>", () => {
  const fsl = new FixedSizeList(3, new Field("item", new Float32()));
  const child = makeData({ type: new Float32(), data: Float32Array.from([1, 2, 3, 4, 5, 6]) });
  const fixed = makeVector(makeData({ type: fsl, length: 2, child }));
  const f64 = vectorFromArray([[0.5, 1.5]], new List(new Field("item", new Float64())));
  const t = new Table({ fixed, f64: f64.concat(vectorFromArray([[2, 3]], new List(new Field("item", new Float64())))) });
  const cols = findVectorColumns(t);
  assert.deepEqual(cols.map((c) => [c.name, c.dim]), [["fixed", 3], ["f64", 2]]);
  assert.deepEqual([...cols[0]!.row(1)!], [4, 5, 6]);
  assert.deepEqual([...cols[1]!.pack().matrix], [0.5, 1.5, 2, 3]);
});

test("isFloatVectorType() rejects lists of strings and plain numbers", () => {
  const t = tableFromArrays({ n: Float32Array.from([1]) });
  assert.equal(isFloatVectorType(t.schema.fields[0]!.type), false);
  assert.equal(isFloatVectorType(new List(new Field("item", new Utf8()))), false);
  assert.equal(isFloatVectorType(listF32), true);
});
