import { DataType, RecordBatch, Schema, Table, tableFromIPC, tableToIPC, vectorFromArray } from "apache-arrow";
import { distributeVectorsIntoRecordBatches } from "apache-arrow/util/recordbatch";
import { validateIpcStream } from "./ipc-validation.js";

/**
 * Encodes rows as one Arrow IPC stream (the body format of every frame).
 *
 * Dictionary-encoded columns are sent dense: `tableFromArrays` dictionary-encodes strings, and a slice of such a
 * column still carries the whole dictionary, so a 1-row chunk of a 200k-row table would weigh 2 MB on the wire.
 */
export function encodeRows(rows: Table | RecordBatch): Uint8Array {
  const table = rows instanceof Table ? rows : new Table(rows);
  return tableToIPC(withDenseDictionaries(table), "stream");
}

/**
 * Decodes one Arrow IPC stream; the result's buffers are views on `bytes`, not copies. Bodies come from the network,
 * so the stream is checked first (validateIpcStream): a corrupt one throws at once instead of stalling the decoder.
 */
export function decodeRows(bytes: Uint8Array): Table {
  validateIpcStream(bytes);
  return tableFromIPC(bytes);
}

function withDenseDictionaries(table: Table): Table {
  if (!table.schema.fields.some((f) => DataType.isDictionary(f.type))) return table;
  // Column by position, never keyed by name in an object: a column named "__proto__" would set the object's
  // prototype (a stack overflow, issue 9), and two columns of one name would become one.
  const fields = table.schema.fields.map((f) => (DataType.isDictionary(f.type) ? f.clone({ type: f.type.dictionary }) : f));
  const columns = table.schema.fields.map((f, i) => {
    const column = table.getChildAt(i)!;
    return DataType.isDictionary(f.type) ? vectorFromArray(Array.from(column as Iterable<unknown>), f.type.dictionary) : column;
  });
  const [schema, batches] = distributeVectorsIntoRecordBatches(new Schema(fields, table.schema.metadata), columns);
  return new Table(schema, batches);
}
