import * as A from "apache-arrow";
import { encodeRows } from "../../protocol/arrow-ipc.js";

/** Valid Arrow IPC streams of many shapes: the seeds that body fuzzers mutate. */
export function sampleBodies(): Array<{ name: string; bytes: Uint8Array }> {
  const { Field, Table, vectorFromArray, makeData, makeVector, tableFromArrays, tableToIPC } = A;
  const union = (mode: "dense" | "sparse") => {
    const fields = [new Field("n", new A.Float64()), new Field("s", new A.Utf8())];
    const type = mode === "dense" ? new A.DenseUnion([0, 1], fields) : new A.SparseUnion([0, 1], fields);
    const length = 3;
    const numbers = vectorFromArray(mode === "dense" ? [1, 2] : [1, 0, 2], new A.Float64()).data[0];
    const strings = vectorFromArray(mode === "dense" ? ["a"] : ["", "a", ""], new A.Utf8()).data[0];
    const typeIds = Int8Array.of(0, 1, 0);
    const data = mode === "dense"
      ? makeData({ type: type as A.DenseUnion, length, typeIds, valueOffsets: Int32Array.of(0, 0, 1), children: [numbers, strings] })
      : makeData({ type: type as A.SparseUnion, length, typeIds, children: [numbers, strings] });
    return makeVector(data as A.Data<A.Union>);
  };
  const texts = (n: number, prefix = "row") => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);
  const utf8 = (values: (string | null)[]) => vectorFromArray(values, new A.Utf8());
  const twoBatches = new Table({ text: utf8(texts(2)) }).concat(new Table({ text: utf8(texts(3, "more")) }));
  return [
    // The 4-row body of issue 9 (byte 40 of it stalled the decoder).
    { name: "text", bytes: encodeRows(tableFromArrays({ text: texts(4) })) },
    { name: "text+numbers", bytes: encodeRows(new Table({
      text: vectorFromArray(["a", null, "ccc", "dddd"], new A.Utf8()),
      n: vectorFromArray([1, 2, null, 4], new A.Int32()),
      x: vectorFromArray([0.5, 1.5, 2.5, 3.5], new A.Float64()),
      ok: vectorFromArray([true, false, null, true], new A.Bool()),
    })) },
    { name: "text+embedding", bytes: encodeRows(new Table({
      text: vectorFromArray(texts(3), new A.Utf8()),
      v: vectorFromArray([Float32Array.of(1, 2), Float32Array.of(3), null], new A.List(new Field("item", new A.Float32()))),
    })) },
    { name: "two batches", bytes: encodeRows(twoBatches) },
    // Sent as is (encodeRows would make it dense): a dictionary batch ahead of the record batch.
    { name: "dictionary", bytes: tableToIPC(tableFromArrays({ text: ["x", "y", "x", "z"] }), "stream") },
    { name: "nested", bytes: encodeRows(new Table({
      text: vectorFromArray(["a", "b"], new A.Utf8()),
      s: vectorFromArray([{ a: 1, b: "x" }, { a: 2, b: null }], new A.Struct([new Field("a", new A.Int32()), new Field("b", new A.Utf8())])),
      f: vectorFromArray([[1, 2], [3, 4]], new A.FixedSizeList(2, new Field("item", new A.Int16()))),
      m: vectorFromArray([new Map([["k", 1]]), new Map()], new A.Map_(new Field("entries", new A.Struct<{ key: A.Utf8; value: A.Int32 }>([
        new Field("key", new A.Utf8(), false), new Field("value", new A.Int32())])) as never)),
      z: vectorFromArray([null, null], new A.Null()),
    })) },
    { name: "wide types", bytes: encodeRows(new Table({
      text: vectorFromArray(["a", "b"], new A.LargeUtf8()),
      view: vectorFromArray(["short", "a string longer than twelve bytes"], new A.Utf8View()),
      bin: vectorFromArray([Uint8Array.of(1), Uint8Array.of(2, 3)], new A.LargeBinary()),
      fsb: vectorFromArray([Uint8Array.of(1, 2), Uint8Array.of(3, 4)], new A.FixedSizeBinary(2)),
      big: vectorFromArray([[1], [2, 3]], new A.LargeList(new Field("item", new A.Int32()))),
      when: vectorFromArray([1n, 2n], new A.DurationMillisecond()),
      d: makeVector({ type: new A.Decimal(2, 10, 128), data: new Uint32Array(8), length: 2 }),
      h: vectorFromArray([1.5, 2], new A.Float16()),
    })) },
    { name: "unions", bytes: encodeRows(new Table({ text: vectorFromArray(["a", "b", "c"], new A.Utf8()), dense: union("dense"), sparse: union("sparse") })) },
    { name: "empty", bytes: encodeRows(tableFromArrays({ text: [] as string[] })) },
  ];
}

/** The same seed gives the same mutations on every machine. */
export { seededRandom } from "../../maths/random.js";

/** One mutation of a body: bytes flipped (to the values among others), a word overwritten, a cut or a splice. */
export function mutate(body: Uint8Array, random: () => number): { bytes: Uint8Array; what: string } {
  const bytes = Uint8Array.from(body);
  const at = Math.floor(random() * bytes.byteLength);
  const kind = random();
  if (kind < 0.4) {
    const value = [0x10, 0x40, 0x7f, 0xff, 0x00, 0x01, 0x80][Math.floor(random() * 7)] ?? 0;
    bytes[at] = value;
    return { bytes, what: `byte ${at} → 0x${value.toString(16)}` };
  }
  if (kind < 0.6) {
    const count = 1 + Math.floor(random() * 4);
    for (let i = 0; i < count; i++) bytes[Math.floor(random() * bytes.byteLength)] = Math.floor(random() * 256);
    return { bytes, what: `${count} random bytes` };
  }
  if (kind < 0.8) {
    const word = at - (at % 4);
    const value = [0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 1 << 20, bytes.byteLength][Math.floor(random() * 6)] ?? 0;
    if (word + 4 <= bytes.byteLength) new DataView(bytes.buffer).setUint32(word, value, true);
    return { bytes, what: `word at ${word} → ${value}` };
  }
  if (kind < 0.9) return { bytes: bytes.subarray(0, at), what: `cut at ${at}` };
  const insert = new Uint8Array(1 + Math.floor(random() * 16)).map(() => Math.floor(random() * 256));
  return { bytes: Uint8Array.from([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at)]), what: `${insert.length} bytes inserted at ${at}` };
}

/** Reads every value of every column (what a handler that takes whole columns would do); returns how many. */
export function readEveryValue(table: A.Table): number {
  let count = 0;
  const touch = (value: unknown, depth: number): void => {
    count += 1;
    if (depth > 8 || value === null || typeof value !== "object") return;
    if (ArrayBuffer.isView(value)) return;
    if (typeof (value as Iterable<unknown>)[Symbol.iterator] === "function") {
      for (const item of value as Iterable<unknown>) touch(item, depth + 1);
    } else {
      for (const item of Object.values(value as object)) touch(item, depth + 1);
    }
  };
  for (let i = 0; i < table.numCols; i++) touch(table.getChildAt(i), 0);
  return count;
}
