import { readFile, rename, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tableFromIPC, tableToIPC, type Table } from "apache-arrow";

// parquet-wasm's Node build is CommonJS and loads its .wasm synchronously on first require.
const require = createRequire(import.meta.url);
type ParquetWasm = typeof import("parquet-wasm");
let parquet: ParquetWasm | undefined;
/** @internal parquet-wasm, loaded on first use. */
export const loadParquetWasm = (): ParquetWasm => (parquet ??= require("parquet-wasm") as ParquetWasm);
const load = loadParquetWasm;

export type ParquetCompression = "zstd" | "snappy" | "gzip" | "uncompressed";

export interface WriteParquetOptions {
  /** @default "zstd" */
  compression?: ParquetCompression;
}

/** @internal parquet-wasm's codec for a compression name. */
export function parquetCodec(wasm: ParquetWasm, compression: ParquetCompression): import("parquet-wasm").Compression {
  return { zstd: wasm.Compression.ZSTD, snappy: wasm.Compression.SNAPPY, gzip: wasm.Compression.GZIP, uncompressed: wasm.Compression.UNCOMPRESSED }[compression];
}

/** Writes an Arrow table to a Parquet file (atomically: a temp file renamed into place). */
export async function writeParquet(table: Table, path: string, options: WriteParquetOptions = {}): Promise<void> {
  const bytes = parquetBytes(table, options);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, bytes);
  await rename(temporary, path);
}

/** @internal A whole table as the bytes of one Parquet file. */
export function parquetBytes(table: Table, options: WriteParquetOptions = {}): Uint8Array {
  const wasm = load();
  const properties = new wasm.WriterPropertiesBuilder().setCompression(parquetCodec(wasm, options.compression ?? "zstd")).build();
  return wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(table, "stream")), properties);
}

/** Reads a Parquet file into an Arrow table. */
export async function readParquet(path: string): Promise<Table> {
  const wasm = load();
  const wasmTable = wasm.readParquet(await readFile(path));
  return tableFromIPC(wasmTable.intoIPCStream());
}
