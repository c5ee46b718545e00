import { openAsBlob } from "node:fs";
import { resolve } from "node:path";
import { inspect } from "node:util";
import { tableFromIPC, type Schema, type Table } from "apache-arrow";
import type { ParquetFile } from "parquet-wasm";
import { InvalidArgumentError } from "../protocol/errors.js";
import { loadParquetWasm } from "./parquet.js";

/**
 * A Parquet file read lazily: what `chunkedCall(table, { into })` returns, and `openParquet(path)`.
 *
 * A handle rather than an apache-arrow Table because an arrow Table holds all its rows in memory, which is what
 * `into` exists to avoid (1M × 512-d is 2 GB). Row count, schema and path are known at once; rows are read from the
 * file only when asked for: `slice(start, end)`, `head(n)`, row group by row group (`for await ... of
 * handle.batches()`), or all of them (`read()`).
 */
export class ParquetTable {
  /** Absolute path of the file. */
  readonly path: string;
  readonly numRows: number;
  readonly schema: Schema;
  /** Rows of each row group, in file order. */
  readonly rowGroupRows: readonly number[];
  readonly #file: ParquetFile;

  /** @internal use `openParquet(path)` */
  constructor(path: string, file: ParquetFile) {
    this.path = path;
    this.#file = file;
    const metadata = file.metadata();
    this.numRows = Number(metadata.fileMetadata().numRows());
    this.rowGroupRows = metadata.rowGroups().map((group) => Number(group.numRows()));
    this.schema = tableFromIPC(file.schema().intoIPCStream()).schema;
  }

  get numCols(): number {
    return this.schema.fields.length;
  }

  /** Rows [start, end) as an Arrow table; like `Array.prototype.slice`, negative indexes count from the end. */
  async slice(start = 0, end = this.numRows): Promise<Table> {
    const from = clampIndex(start, this.numRows);
    const to = Math.max(from, clampIndex(end, this.numRows));
    return this.#read({ offset: from, limit: to - from });
  }

  /** The first `n` rows. @default 10 */
  head(n = 10): Promise<Table> {
    return this.slice(0, n);
  }

  /** The whole file as one Arrow table (all of it in memory: see `batches()` for large files). */
  read(options: { columns?: string[] } = {}): Promise<Table> {
    return this.#read({ columns: options.columns });
  }

  /** Each row group as an Arrow table, one at a time: memory holds one row group. */
  async *batches(options: { columns?: string[] } = {}): AsyncGenerator<Table, void, undefined> {
    for (let group = 0; group < this.rowGroupRows.length; group++) yield await this.#read({ rowGroups: [group], columns: options.columns });
  }

  toString(): string {
    const columns = this.schema.fields.map((f) => `${f.name}: ${f.type}`).join(", ");
    return `ParquetTable ${this.path}: ${this.numRows.toLocaleString("en-US")} rows × { ${columns} } in ${this.rowGroupRows.length} row group${this.rowGroupRows.length === 1 ? "" : "s"}`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  async #read(options: { offset?: number; limit?: number; rowGroups?: number[]; columns?: string[] }): Promise<Table> {
    if (options.limit === 0) return tableFromIPC(this.#file.schema().intoIPCStream());
    const wasmTable = await this.#file.read(options);
    return tableFromIPC(wasmTable.intoIPCStream());
  }
}

/** Opens a Parquet file for lazy reading: only its footer is read now. */
export async function openParquet(path: string): Promise<ParquetTable> {
  if (typeof path !== "string" || path === "") throw new InvalidArgumentError(`openParquet expects a file path, got ${inspect(path)}`);
  const absolute = resolve(path);
  const wasm = loadParquetWasm();
  // A Blob backed by the file: parquet-wasm reads the byte ranges it needs (footer, row groups), never the whole file.
  const file = await wasm.ParquetFile.fromFile(await openAsBlob(absolute));
  return new ParquetTable(absolute, file);
}

function clampIndex(index: number, length: number): number {
  if (!Number.isInteger(index)) throw new InvalidArgumentError(`slice indexes must be integers, got ${index}`);
  return index < 0 ? Math.max(0, length + index) : Math.min(index, length);
}
