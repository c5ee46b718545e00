import { DataType, RecordBatch, Table, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from "apache-arrow";

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

/** Decodes one Arrow IPC stream; the result's buffers are views on `bytes`, not copies. */
export function decodeRows(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}

function withDenseDictionaries(table: Table): Table {
  if (!table.schema.fields.some((f) => DataType.isDictionary(f.type))) return table;
  const columns: Record<string, Vector> = {};
  for (const field of table.schema.fields) {
    const column = table.getChild(field.name)!;
    columns[field.name] = DataType.isDictionary(field.type) ? vectorFromArray(Array.from(column as Iterable<unknown>), field.type.dictionary) : column;
  }
  return new Table(columns);
}
