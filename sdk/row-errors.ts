import { Table, Utf8, Vector, vectorFromArray, type Data, type DataType } from "apache-arrow";
import { decodeRows } from "../protocol/arrow-ipc.js";
import { ChalknbError, ErrorCode } from "../protocol/errors.js";
import type { RowError } from "../protocol/messages.js";
import { castVector } from "./result-assembly.js";

/** One chunk's result as a `returnErrors` call receives it: parts for the rows that succeeded, errors for the rest. */
export interface ChunkWithErrors {
  rowCount: number;
  parts: Uint8Array[];
  errors?: readonly RowError[];
}

/**
 * Joins the chunks of a `returnErrors` call, in input order, into a table of two columns: `result` (null where the
 * row failed) and `error` (Utf8: the handler's message where the row failed, null where it succeeded; for an error
 * the queue decided, such as a poison row, `CODE: message`).
 *
 * The queue forwards the workers' result streams as they are (zero-copy); failed rows are only named in the result
 * header (`errors`: offset, count, message), so the client fills their nulls here.
 */
export function assembleWithErrors(chunks: readonly ChunkWithErrors[], outputType: DataType | undefined): Table {
  const decoded = chunks.map((chunk) => chunk.parts.map((part) => decodeRows(part).getChild("result")));
  const partType = decoded.flat().find((column) => column && column.length > 0)?.type ?? decoded.flat().find(Boolean)?.type;
  const type = partType ?? outputType;
  const data: Data[] = [];
  const messages: (string | null)[] = [];
  const nulls = (count: number) => {
    const vector = type ? vectorFromArray(new Array<null>(count).fill(null), type) : vectorFromArray(new Array<null>(count).fill(null));
    data.push(...(vector as Vector).data);
  };
  chunks.forEach((chunk, index) => {
    const errors = [...(chunk.errors ?? [])].sort((a, b) => a.offset - b.offset);
    const columns = decoded[index];
    let row = 0;
    let part = 0;
    let next = 0;
    while (row < chunk.rowCount) {
      const error = errors[next];
      if (error && error.offset === row) {
        nulls(error.count);
        const text = error.code === ErrorCode.HandlerFailed ? error.message : `${error.code}: ${error.message}`;
        for (let i = 0; i < error.count; i++) messages.push(text);
        row += error.count;
        next += 1;
        continue;
      }
      const column = columns[part++];
      const rows = column?.length ?? 0;
      if (!column || rows === 0 || row + rows > (error ? error.offset : chunk.rowCount)) {
        throw new ChalknbError(ErrorCode.MalformedFrame,
          `the queue sent a result whose parts and row errors do not tile the chunk's ${chunk.rowCount} rows (at row ${row})`);
      }
      data.push(...column.data);
      for (let i = 0; i < rows; i++) messages.push(null);
      row += rows;
    }
  });
  let result = data.length > 0 ? new Vector(data) : (outputType ? vectorFromArray([], outputType) : vectorFromArray([] as number[])) as Vector;
  if (outputType && partType && String(outputType) !== String(result.type)) result = castVector(result, outputType);
  return new Table({ result, error: vectorFromArray(messages, new Utf8()) });
}
