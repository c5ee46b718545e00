import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { resolve } from "node:path";
import { Writable } from "node:stream";
import { DataType, Table, type Vector } from "apache-arrow";
import type { RecordBatch as WasmRecordBatch } from "parquet-wasm";
import { decodeRows, encodeRows } from "../protocol/arrow-ipc.js";
import { loadParquetWasm, parquetBytes, parquetCodec, type ParquetCompression } from "./parquet.js";
import { assembleResult, castVector } from "./result-assembly.js";

export interface StreamIntoParquetOptions {
  /** Type of the `result` column; chunks of another type are cast to it. Default: the first chunk's type. */
  outputType?: DataType;
  /** @default "snappy" */
  compression?: ParquetCompression;
}

/**
 * Writes the result parts of a call's chunks, in the order the iterable gives them, to one Parquet file with a
 * `result` column — the table chunkedCall would have returned. Written to a temp file beside `path` and renamed into
 * place at the end: a failed or cancelled call leaves no file behind, not even a partial one.
 *
 * parquet-wasm's `transformParquetStream` is a streaming writer (arrow-rs ArrowWriter): it pulls record batches from
 * a ReadableStream and emits each row group's bytes as it closes, so memory holds one row group, not the file. It
 * pulls: the next chunk is asked for only when the writer is ready for it, which is what slows the call down to the
 * writer's pace (ChunkRun frees a slot when its consumer asks for the next chunk).
 */
export async function streamIntoParquet(chunks: AsyncIterable<Uint8Array[]>, path: string, options: StreamIntoParquetOptions = {}): Promise<void> {
  const target = resolve(path);
  const temporary = `${target}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  // Opened before the first chunk is asked for: a path that cannot be written fails the call before any row runs.
  const file = await open(temporary, "wx");
  const iterator = chunks[Symbol.asyncIterator]();
  try {
    await writeChunks(iterator, Writable.toWeb(file.createWriteStream()) as WritableStream<Uint8Array>, options);
    await rename(temporary, target);
  } catch (error) {
    iterator.return?.().catch(() => {}); // the writer failed, not the call: stop it (the caller cancels it too)
    await file.close().catch(() => {});
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

async function writeChunks(iterator: AsyncIterator<Uint8Array[]>, sink: WritableStream<Uint8Array>, options: StreamIntoParquetOptions): Promise<void> {
  const compression = options.compression ?? "snappy";
  const first = await iterator.next();
  if (first.done) {
    const writer = sink.getWriter();
    await writer.write(parquetBytes(assembleResult([], options.outputType), { compression }));
    return writer.close();
  }
  const wasm = loadParquetWasm();
  let fileType = options.outputType;
  const toWasmBatches = (parts: Uint8Array[]): WasmRecordBatch[] => {
    const batches: WasmRecordBatch[] = [];
    for (const part of parts) {
      const column = decodeRows(part).getChild("result");
      if (!column) continue;
      fileType ??= column.type;
      // Parts of the file's type go to the writer as the bytes that came off the wire; others are cast first.
      const bytes = String(column.type) === String(fileType) ? part : encodeRows(new Table({ result: castVector(column as Vector, fileType!) }));
      const wasmTable = wasm.Table.fromIPCStream(bytes);
      batches.push(...wasmTable.recordBatches());
      wasmTable.free();
    }
    return batches;
  };
  const firstBatches = toWasmBatches(first.value);
  // parquet-wasm 0.8.0 ends the file normally when its input stream errors (a failed call would look complete):
  // the failure is kept here and thrown after the writer is done, so the temp file is removed, never renamed.
  let failure: { error: unknown } | undefined;
  async function* batches(): AsyncGenerator<WasmRecordBatch, void, undefined> {
    try {
      yield* firstBatches;
      firstBatches.length = 0;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield* toWasmBatches(next.value);
      }
    } catch (error) {
      failure = { error };
      throw error;
    }
  }

  const properties = new wasm.WriterPropertiesBuilder()
    .setCompression(parquetCodec(wasm, compression))
    // Dictionaries help labels and categories, not floats (embeddings): there they cost time and save nothing.
    .setDictionaryEnabled(!isFloatLike(fileType!))
    // Data page v2 keeps repetition/definition levels out of compression: ~3× faster for List<Float32> here.
    .setWriterVersion(wasm.WriterVersion.V2)
    .setMaxRowGroupSize(rowGroupRows(first.value))
    .build();
  const bytes = await wasm.transformParquetStream(ReadableStream.from(batches()), properties);
  await bytes.pipeTo(sink);
  if (failure) throw failure.error;
}

/**
 * Row groups of about this many bytes of Arrow data, whatever the row width (32,768 rows of 512-d float32). The
 * writer holds a row group's data until it closes it, so this bounds its memory; readers fetch one row group at a
 * time (ParquetTable.batches()). parquet-wasm's setMaxRowGroupBytes counts encoded bytes, which for well-compressing
 * data let one row group (and memory) grow to ~400k rows of 512-d here: rows are counted instead.
 * @default 64 MiB
 */
const ROW_GROUP_BYTES = 64 * 1024 * 1024;

/** Rows per row group, from the width of the first chunk's rows (as they came off the wire). */
function rowGroupRows(parts: Uint8Array[]): number {
  let bytes = 0;
  let rows = 0;
  for (const part of parts) {
    bytes += part.byteLength;
    rows += decodeRows(part).numRows;
  }
  const bytesPerRow = rows > 0 ? bytes / rows : 1;
  return Math.max(1024, Math.min(1024 * 1024, Math.floor(ROW_GROUP_BYTES / bytesPerRow)));
}

function isFloatLike(type: DataType): boolean {
  if (DataType.isFloat(type)) return true;
  if (DataType.isList(type) || DataType.isFixedSizeList(type)) return isFloatLike(type.children[0].type);
  return false;
}
