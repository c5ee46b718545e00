import { RecordBatch, Table, tableFromIPC, tableToIPC } from "apache-arrow";

/** Encodes rows as one Arrow IPC stream (the body format of every frame). */
export function encodeRows(rows: Table | RecordBatch): Uint8Array {
  return tableToIPC(rows instanceof Table ? rows : new Table(rows), "stream");
}

/** Decodes one Arrow IPC stream; the result's buffers are views on `bytes`, not copies. */
export function decodeRows(bytes: Uint8Array): Table {
  return tableFromIPC(bytes);
}
