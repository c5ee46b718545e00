import {
  Field, Float32, Float64, List, Table, Utf8, Vector, makeData, makeVector, vectorFromArray, Bool,
} from "apache-arrow";
import { encodeRows } from "../protocol/arrow-ipc.js";

/**
 * Turns a handler's return value into an Arrow vector of `rows` values. Vectors of floats are packed into one
 * Float32 buffer with offsets: building a List<Float32> row by row is ~50× slower for 512-d embeddings.
 */
export function toResultVector(value: unknown, rows: number): Vector {
  if (value instanceof Vector) return checkLength(value, rows);
  if (value instanceof Table) {
    const column = value.getChild("result") ?? value.getChildAt(0);
    if (!column) throw new Error("the handler returned a Table with no columns");
    return checkLength(column, rows);
  }
  if (value === null || typeof value !== "object" || typeof (value as { length?: unknown }).length !== "number") {
    throw new Error(`the handler must return one value per row (an array of length ${rows}), got ${describe(value)}`);
  }
  const values = value as ArrayLike<unknown>;
  if (values.length !== rows) {
    throw new Error(`the handler returned ${values.length} values for a batch of ${rows} rows; it must return exactly one value per row, in order`);
  }
  if (ArrayBuffer.isView(values) && values instanceof Float64Array) return makeVector(values);
  if (ArrayBuffer.isView(values) && values instanceof Float32Array) return makeVector(values);
  const first = firstNonNull(values);
  if (first === undefined || typeof first === "number") return vectorFromArray(Array.from(values) as (number | null)[], new Float64());
  if (typeof first === "string") return vectorFromArray(Array.from(values) as (string | null)[], new Utf8());
  if (typeof first === "boolean") return vectorFromArray(Array.from(values) as (boolean | null)[], new Bool());
  if (first instanceof Float32Array || first instanceof Float64Array || (Array.isArray(first) && typeof firstNonNull(first) !== "object")) {
    return floatListVector(values as ArrayLike<ArrayLike<number> | null>);
  }
  return vectorFromArray(Array.from(values));
}

export function floatListVector(rows: ArrayLike<ArrayLike<number> | null>): Vector<List<Float32>> {
  const offsets = new Int32Array(rows.length + 1);
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    total += rows[i]?.length ?? 0;
    offsets[i + 1] = total;
  }
  const values = new Float32Array(total);
  let nullCount = 0;
  let validity: Uint8Array | undefined;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row === null || row === undefined) {
      validity ??= new Uint8Array(Math.ceil(rows.length / 8)).fill(0xff);
      validity[i >> 3] &= ~(1 << (i & 7));
      nullCount += 1;
      continue;
    }
    values.set(row, offsets[i]);
  }
  const type = new List(new Field("item", new Float32(), true));
  const child = makeData({ type: new Float32(), length: total, data: values });
  return makeVector(makeData({ type, length: rows.length, nullCount, nullBitmap: validity, valueOffsets: offsets, child }));
}

/** Encodes the result rows [from, to) as one IPC stream with a single `result` column. */
export function encodeResultSlice(result: Vector, from: number, to: number): Uint8Array {
  const slice = from === 0 && to === result.length ? result : result.slice(from, to);
  return encodeRows(new Table({ result: slice }));
}

function checkLength(vector: Vector, rows: number): Vector {
  if (vector.length !== rows) {
    throw new Error(`the handler returned ${vector.length} values for a batch of ${rows} rows; it must return exactly one value per row, in order`);
  }
  return vector;
}

function firstNonNull(values: ArrayLike<unknown>): unknown {
  for (let i = 0; i < values.length; i++) if (values[i] !== null && values[i] !== undefined) return values[i];
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return typeof value === "object" ? (value.constructor?.name ?? "an object") : typeof value;
}
