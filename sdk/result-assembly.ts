import { Table, Vector, vectorFromArray, type DataType, type Data } from "apache-arrow";
import { decodeRows } from "../protocol/arrow-ipc.js";

/** Joins the result parts of every chunk, in input order, into one `result` column of `outputType`. */
export function assembleResult(chunkParts: Uint8Array[][], outputType: DataType | undefined): Table {
  const data: Data[] = [];
  for (const parts of chunkParts) {
    for (const part of parts) {
      const column = decodeRows(part).getChild("result");
      if (column) data.push(...column.data);
    }
  }
  if (data.length === 0) {
    return new Table({ result: (outputType ? vectorFromArray([], outputType) : vectorFromArray([] as number[])) as Vector });
  }
  let result = new Vector(data);
  if (outputType && String(outputType) !== String(result.type)) result = castVector(result, outputType);
  return new Table({ result });
}

/** Converts values to the caller's outputType (e.g. Float64 lists to Float32 lists). Slow path: types rarely differ. */
export function castVector(vector: Vector, type: DataType): Vector {
  const values = Array.from(vector as Iterable<unknown>, toPlain);
  return vectorFromArray(values as never[], type) as Vector;
}

function toPlain(value: unknown): unknown {
  if (value instanceof Vector) return Array.from(value as Iterable<unknown>, toPlain);
  return value;
}
