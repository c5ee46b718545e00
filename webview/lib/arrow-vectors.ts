/**
 * Float-vector columns (`List<Float*>`, `LargeList<Float*>`, `FixedSizeList<Float*>`) of an Arrow table, read
 * straight from the column buffers: a row is a zero-copy view when the child values are Float32.
 */
import { DataType } from "apache-arrow/type";
import type { Data, Table, Vector } from "apache-arrow";

export interface PackedVectors {
  /** `rows × dim` row-major. */
  matrix: Float32Array;
  rows: number;
  dim: number;
  /** 1 where the row holds a vector of length `dim`; 0 for null or other lengths (their values are 0). */
  valid: Uint8Array;
  /** True when `matrix` is a view of the table's own buffer (copy before transferring it). */
  shared: boolean;
}

export interface VectorColumn {
  name: string;
  /** Column index in the table. */
  index: number;
  rows: number;
  /** Length of the first non-null vector (the fixed size for FixedSizeList); 0 when every row is null. */
  dim: number;
  /** The row's values, or null for a null row. */
  row(i: number): Float32Array | null;
  pack(): PackedVectors;
}

export function isFloatVectorType(type: DataType): boolean {
  if (!(DataType.isList(type) || DataType.isLargeList(type) || DataType.isFixedSizeList(type))) return false;
  const child = type.children[0]?.type;
  return child !== undefined && DataType.isFloat(child);
}

export function findVectorColumns(table: Table): VectorColumn[] {
  const out: VectorColumn[] = [];
  table.schema.fields.forEach((field, index) => {
    if (!isFloatVectorType(field.type)) return;
    const vector = table.getChildAt(index);
    if (vector) out.push(vectorColumn(field.name, index, vector));
  });
  return out;
}

export function vectorColumn(name: string, index: number, vector: Vector): VectorColumn {
  const chunks = vector.data as Data[];
  const starts: number[] = [];
  let total = 0;
  for (const d of chunks) {
    starts.push(total);
    total += d.length;
  }
  const locate = (i: number): [Data, number] => {
    let lo = 0, hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return [chunks[lo]!, i - starts[lo]!];
  };
  const row = (i: number): Float32Array | null => {
    if (i < 0 || i >= total) throw new RangeError(`Row ${i} is outside the column's ${total} rows`);
    const [d, local] = locate(i);
    if (!d.getValid(local)) return null;
    const child = d.children[0]!;
    let begin: number, end: number;
    if (DataType.isFixedSizeList(d.type)) {
      const size = d.type.listSize;
      begin = local * size;
      end = begin + size;
    } else {
      const offsets = d.valueOffsets as Int32Array | BigInt64Array;
      begin = Number(offsets[local]);
      end = Number(offsets[local + 1]);
    }
    const values = child.values as unknown;
    if (values instanceof Float32Array) return values.subarray(begin, end);
    if (values instanceof Float64Array) return Float32Array.from(values.subarray(begin, end));
    // Float16 (Uint16 storage): let Arrow decode it.
    const cell = vector.get(i) as Iterable<number> | null;
    return cell ? Float32Array.from(cell) : null;
  };
  let dim = 0;
  for (let i = 0; i < total; i++) {
    const v = row(i);
    if (v) {
      dim = v.length;
      break;
    }
  }
  const pack = (): PackedVectors => {
    const only = chunks.length === 1 ? chunks[0]! : undefined;
    if (only && only.nullCount === 0 && !DataType.isFixedSizeList(only.type) && only.children[0]!.values instanceof Float32Array) {
      const offsets = only.valueOffsets as Int32Array | BigInt64Array;
      const o0 = Number(offsets[0]);
      let regular = true;
      for (let i = 1; i <= total && regular; i++) regular = Number(offsets[i]) === o0 + i * dim;
      if (regular) {
        const values = only.children[0]!.values as Float32Array;
        return { matrix: values.subarray(o0, o0 + total * dim), rows: total, dim, valid: new Uint8Array(total).fill(1), shared: true };
      }
    }
    const matrix = new Float32Array(total * dim);
    const valid = new Uint8Array(total);
    for (let i = 0; i < total; i++) {
      const v = row(i);
      if (v && v.length === dim) {
        matrix.set(v, i * dim);
        valid[i] = 1;
      }
    }
    return { matrix, rows: total, dim, valid, shared: false };
  };
  return { name, index, rows: total, dim, row, pack };
}
