import { DataType, type Table } from "apache-arrow";

/**
 * A float-vector column (`List`, `LargeList` or `FixedSizeList` of Float32/Float64) of a table the kernel holds, as
 * one row-major Float32 matrix. A single-chunk Float32 column whose rows are all `dim` long is used in place (no
 * copy of a 2 GB column); anything else is copied, with rows of another length or null marked invalid.
 */
export interface PackedVectors {
  matrix: Float32Array;
  rows: number;
  dim: number;
  /** 1 where the row holds a vector of length `dim`. */
  valid: Uint8Array;
}

export function isVectorColumn(table: Table, name: string): boolean {
  const type = table.schema.fields.find((f) => f.name === name)?.type;
  if (!type || !(DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type))) return false;
  const child = type.children[0]?.type;
  return child !== undefined && DataType.isFloat(child);
}

export function packVectors(table: Table, name: string): PackedVectors {
  if (!isVectorColumn(table, name)) throw new RangeError(`"${name}" is not a float-vector column`);
  const column = table.getChild(name)!;
  const rows = table.numRows;
  let dim = 0;
  for (let i = 0; i < rows && dim === 0; i++) {
    const v = column.get(i) as { length: number } | null;
    if (v) dim = v.length;
  }
  const valid = new Uint8Array(rows);
  if (column.data.length === 1 && column.nullCount === 0) {
    const data = column.data[0]!;
    const child = data.children[0]!;
    const values = child.values as unknown;
    const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
    // arrow-js slices the offsets (and a fixed-size list's child) with the rows, so both start at this chunk's row 0.
    if (values instanceof Float32Array && (DataType.isFixedSizeList(data.type) || regular(offsets, rows, dim))) {
      const start = offsets ? Number(offsets[0]) : 0;
      valid.fill(1);
      return { matrix: values.subarray(start, start + rows * dim), rows, dim, valid };
    }
  }
  // A result assembled from many chunks has one record batch each: copy each regular chunk's values in one go, and
  // read only irregular chunks (nulls, other lengths, Float64) row by row.
  const matrix = new Float32Array(rows * dim);
  let at = 0;
  for (const data of column.data) {
    const child = data.children[0]!;
    const values = child.values as unknown;
    const offsets = data.valueOffsets as Int32Array | BigInt64Array | undefined;
    const fixed = DataType.isFixedSizeList(data.type);
    if (data.nullCount === 0 && values instanceof Float32Array && (fixed ? (data.type as { listSize: number }).listSize === dim : regular(offsets, data.length, dim))) {
      const start = offsets ? Number(offsets[0]) : 0;
      matrix.set(values.subarray(start, start + data.length * dim), at * dim);
      valid.fill(1, at, at + data.length);
      at += data.length;
      continue;
    }
    for (let i = 0; i < data.length; i++, at++) {
      // A list cell is an arrow Vector (no index access); toArray() gives its typed values.
      const cell = column.get(at) as { toArray(): ArrayLike<number> } | null;
      const v = cell?.toArray();
      if (!v || v.length !== dim) continue;
      valid[at] = 1;
      const o = at * dim;
      for (let j = 0; j < dim; j++) matrix[o + j] = v[j]!;
    }
  }
  return { matrix, rows, dim, valid };
}

/** True when every row's offsets step by exactly `dim`. */
function regular(offsets: Int32Array | BigInt64Array | undefined, rows: number, dim: number): boolean {
  if (!offsets) return false;
  const base = Number(offsets[0]);
  for (let i = 1; i <= rows; i++) if (Number(offsets[i]) - base !== i * dim) return false;
  return true;
}
