import { randomUUID } from "node:crypto";
import { RecordBatch, Table, type DataType } from "apache-arrow";
import { encodeRows } from "../protocol/arrow-ipc.js";
import type { CallPriority } from "../protocol/messages.js";
import { CallHandle } from "./call-handle.js";
import { spawnCall } from "./call-requests.js";
import { ChunkError, InvalidArgumentError } from "../protocol/errors.js";
import type { CallProgress } from "../protocol/progress.js";
import { planChunks, timeoutMs, validateConcurrency } from "./chunk-plan.js";
import { ChunkRun, type FinishedChunk, type StreamedChunk } from "./chunk-runner.js";

export type { StreamedChunk } from "./chunk-runner.js";
import type { ParquetCompression } from "./parquet.js";
import { streamIntoParquet } from "./parquet-stream-writer.js";
import { openParquet, type ParquetTable } from "./parquet-table.js";
import type { QueueConnection } from "./queue-connection.js";
import { assembleResult } from "./result-assembly.js";
import { assembleWithErrors, type ChunkWithErrors } from "./row-errors.js";
import { DeferredCall } from "./deferred-call.js";

export interface RemoteFunctionOptions {
  /** Arrow type of the `result` column, e.g. `new List(new Field("item", new Float32()))`. Default: what the handler returns. */
  outputType?: DataType;
  /** Accepted for parity with the Python API; every call is asynchronous here. */
  isAsync?: boolean;
}

export interface ChunkedCallOptions {
  /** Max rows per chunk. Mutually exclusive with numChunks. */
  chunkSize?: number;
  /** Split into exactly this many chunks. Mutually exclusive with chunkSize. */
  numChunks?: number;
  /** Max chunks in flight at once. @default 4 */
  concurrentChunks?: number;
  /** Seconds to wait per chunk; null or undefined waits forever. */
  timeout?: number | null;
  signal?: AbortSignal;
  onProgress?: (progress: CallProgress) => void;
  /**
   * Rows that fail come back as errors instead of failing the call: the queue bisects a batch whose retries ran out
   * down to the failing rows, and the result table gets `result` (null where the row failed) and `error` (Utf8: the
   * handler's message; null where the row succeeded). A poison row (one that kept killing its worker) fails alone the
   * same way, with `CHALKNB_POISON_ROW: ...`. Without it, the call fails, the error naming the failing row
   * (`ChunkError.failedRows`). Not with `into`. @default false
   */
  returnErrors?: boolean;
  /**
   * `"interactive"` rows lead the batches the queue forms; `"batch"` rows get at least 1 in 4 batches while both
   * wait (queue/policy/priority.ts). @default "interactive" (spawn's default is "batch")
   */
  priority?: CallPriority;
  /**
   * Write the result to this Parquet file as chunks finish instead of holding it in memory; the call then resolves
   * to a {@link ParquetTable}. `compression` @default "snappy"
   */
  into?: string | IntoParquet;
}

/** Options of `fn.spawn`: chunkedCall's, less what needs this process to stay (`into`, `signal`, `onProgress`). */
export interface SpawnOptions {
  chunkSize?: number;
  numChunks?: number;
  /** Max chunks in flight at once, enforced by the queue. @default 4 */
  concurrentChunks?: number;
  /** Seconds per chunk, from its submission by the queue; null or undefined waits forever. */
  timeout?: number | null;
  returnErrors?: boolean;
  /** @default "batch": a notebook's interactive calls go first when a batch is formed (queue/policy/priority.ts). */
  priority?: CallPriority;
}

export interface IntoParquet {
  path: string;
  /** @default "snappy" (embeddings are floats: zstd saves ~10 % at ~5× the write time) */
  compression?: ParquetCompression;
}

export interface StreamOptions extends Omit<ChunkedCallOptions, "into"> {
  /** Yield chunks in input order (a finished chunk waits for earlier ones) instead of as they finish. @default false */
  ordered?: boolean;
}

/** A function served by the queue, as returned by `remote.function(name, options)`. */
export class RemoteFunction {
  readonly name: string;
  readonly outputType: DataType | undefined;
  readonly #connection: () => Promise<QueueConnection>;

  /** @internal use `remote.function(name)` */
  constructor(name: string, options: RemoteFunctionOptions, connection: () => Promise<QueueConnection>) {
    this.name = name;
    this.outputType = options.outputType;
    this.#connection = connection;
  }

  /**
   * Splits `table` into chunks, runs up to `concurrentChunks` at once through the queue and returns a Table whose
   * `result` column lines up 1:1 with the input rows, whatever order the chunks finish in.
   *
   * With `into: "file.parquet"`, finished chunks are written to that Parquet file as they arrive (in input order;
   * memory holds only chunks that finished before an earlier one, at most `concurrentChunks`) and the call resolves
   * to a {@link ParquetTable}, a handle that reads the file lazily. A failed call leaves no file.
   * @example
   * const result = await embed.chunkedCall(args, { chunkSize: 25, concurrentChunks: 4, timeout: 120 });
   * const file = await embed.chunkedCall(args, { chunkSize: 4096, into: "embeddings.parquet" });
   */
  chunkedCall(table: Table | RecordBatch, options: ChunkedCallOptions & { into: string | IntoParquet }): Promise<ParquetTable>;
  chunkedCall(table: Table | RecordBatch, options?: ChunkedCallOptions): Promise<Table>;
  async chunkedCall(table: Table | RecordBatch, options: ChunkedCallOptions = {}): Promise<Table | ParquetTable> {
    const into = options.into === undefined ? undefined : intoOptions(options.into);
    if (into && options.returnErrors) throw new InvalidArgumentError("returnErrors cannot be combined with into: the Parquet file holds only the result column");
    const plan = this.#plan(table, "chunkedCall", options);
    if (options.returnErrors) {
      const chunks: ChunkWithErrors[] = plan.ranges.map(([from, to]) => ({ rowCount: to - from, parts: [] }));
      if (plan.ranges.length > 0) {
        const run = await this.#start(plan, options, false);
        for await (const chunk of run.chunks()) chunks[chunk.index] = { rowCount: chunk.rows[1] - chunk.rows[0], parts: chunk.parts, errors: chunk.errors };
      }
      return assembleWithErrors(chunks, this.outputType);
    }
    if (into) {
      const run = plan.ranges.length === 0 ? undefined : await this.#start(plan, options, true);
      const parts = run ? mapChunks(run.chunks(), (chunk) => chunk.parts) : emptyChunks();
      try {
        await streamIntoParquet(parts, into.path, { outputType: this.outputType, compression: into.compression });
      } catch (error) {
        run?.cancel("writing the Parquet file failed");
        throw error;
      }
      return openParquet(into.path);
    }
    if (plan.ranges.length === 0) return assembleResult([], this.outputType);
    const run = await this.#start(plan, options, false);
    const results: Uint8Array[][] = new Array(plan.ranges.length);
    for await (const chunk of run.chunks()) results[chunk.index] = chunk.parts;
    return assembleResult(results, this.outputType);
  }

  /**
   * Runs the call like chunkedCall and yields each chunk's result as it finishes (in input order with
   * `ordered: true`). Breaking out of the loop cancels the chunks not yet yielded; a failed chunk throws from the loop.
   * @example
   * for await (const { chunk, rows, result } of embed.stream(args, { chunkSize: 1000 })) console.log(chunk, rows, result.numRows);
   */
  stream(table: Table | RecordBatch, options: StreamOptions = {}): AsyncGenerator<StreamedChunk, void, undefined> {
    const plan = this.#plan(table, "stream", options);
    return this.#stream(plan, options);
  }

  async *#stream(plan: CallPlan, options: StreamOptions): AsyncGenerator<StreamedChunk, void, undefined> {
    if (plan.ranges.length === 0) return;
    const run = await this.#start(plan, options, options.ordered ?? false);
    for await (const chunk of run.chunks()) {
      const result = options.returnErrors
        ? assembleWithErrors([{ rowCount: chunk.rows[1] - chunk.rows[0], parts: chunk.parts, errors: chunk.errors }], this.outputType)
        : assembleResult([chunk.parts], this.outputType);
      yield { chunk: chunk.index, rows: [chunk.rows[0], chunk.rows[1]], result };
    }
  }

  /**
   * Submits the whole call to the queue and resolves, once the queue holds every row, to a {@link CallHandle}: the
   * queue runs the call (at most `concurrentChunks` chunks at once) whether or not this process stays, and
   * `remote.call(handle.id)` follows it from any process until its results expire.
   * @example
   * const handle = await embed.spawn(args, { chunkSize: 1000, concurrentChunks: 8 });
   * const result = await handle.get();            // same Table as chunkedCall
   */
  async spawn(table: Table | RecordBatch, options: SpawnOptions = {}): Promise<CallHandle> {
    const plan = this.#plan(table, "spawn", options);
    const id = randomUUID();
    const connection = await this.#connection();
    await spawnCall(connection, {
      type: "spawn", callId: id, function: this.name, chunks: plan.ranges, concurrentChunks: plan.concurrency, timeoutMs: plan.timeoutMs,
      ...(options.returnErrors ? { returnErrors: true } : {}), priority: priorityOption(options.priority, "batch"),
    }, function* () {
      for (const [from, to] of plan.ranges) yield encodeRows(plan.input.slice(from, to));
    });
    return new CallHandle(id, this.#connection, this.outputType);
  }

  /**
   * Submits one batch and returns at once; `await handle.get(timeout)` gives the result table. The batch runs on the
   * queue as a one-chunk spawned call: `remote.call(handle.id)` follows it from another process too.
   * @example
   * const handle = embed.deferBatch(batch); const result = await handle.get(60);
   */
  deferBatch(batch: RecordBatch | Table, options: { timeout?: number | null; onProgress?: (p: CallProgress) => void } = {}): DeferredCall {
    const input = asTable(batch, "deferBatch");
    const chunkTimeout = timeoutMs(options.timeout);
    const id = randomUUID();
    const controller = new AbortController();
    const promise = (async () => {
      if (input.numRows === 0) return assembleResult([], this.outputType);
      const connection = await this.#connection();
      await spawnCall(connection, {
        type: "spawn", callId: id, function: this.name, chunks: [[0, input.numRows]], concurrentChunks: 1, timeoutMs: chunkTimeout, priority: "interactive",
      }, () => [encodeRows(input)]);
      // Cancelled while its rows were on their way: the follow below cancels it on the queue at once.
      const handle = new CallHandle(id, this.#connection, this.outputType, "cancel");
      return handle.get(undefined, { signal: controller.signal, onProgress: options.onProgress });
    })();
    return new DeferredCall(id, promise, (reason) => controller.abort(reason));
  }

  #plan(table: Table | RecordBatch, method: string, options: ChunkedCallOptions): CallPlan {
    const input = asTable(table, method);
    return { input, ranges: planChunks(input.numRows, options), concurrency: validateConcurrency(options.concurrentChunks), timeoutMs: timeoutMs(options.timeout) };
  }

  async #start(plan: CallPlan, options: Pick<ChunkedCallOptions, "signal" | "onProgress" | "returnErrors" | "priority">, ordered: boolean): Promise<ChunkRun> {
    const priority = priorityOption(options.priority, "interactive");
    const connection = await this.#connection();
    return new ChunkRun({
      connection, functionName: this.name, ...plan, ordered, signal: options.signal, onProgress: options.onProgress, returnErrors: options.returnErrors === true, priority,
    });
  }
}

interface CallPlan {
  input: Table;
  ranges: Array<[number, number]>;
  concurrency: number;
  timeoutMs: number | null;
}

async function* mapChunks<T>(chunks: AsyncIterable<FinishedChunk>, map: (chunk: FinishedChunk) => T): AsyncGenerator<T, void, undefined> {
  for await (const chunk of chunks) yield map(chunk);
}

async function* emptyChunks(): AsyncGenerator<Uint8Array[], void, undefined> {}

function priorityOption(priority: unknown, fallback: CallPriority): CallPriority {
  if (priority === undefined) return fallback;
  if (priority === "interactive" || priority === "batch") return priority;
  throw new InvalidArgumentError(`priority must be "interactive" or "batch", got ${JSON.stringify(priority)}`);
}

function intoOptions(into: string | IntoParquet): IntoParquet {
  const options = typeof into === "string" ? { path: into } : into;
  if (typeof options?.path !== "string" || options.path === "") {
    throw new InvalidArgumentError(`into must be a Parquet file path (or { path, compression }), got ${typeof into === "string" ? '""' : typeof into}`);
  }
  return options;
}

function asTable(value: Table | RecordBatch, method: string): Table {
  if (value instanceof Table) return value;
  if (value instanceof RecordBatch) return new Table(value);
  const looksLikeTable = typeof value === "object" && value !== null && "numRows" in value && "schema" in value;
  if (looksLikeTable && typeof (value as Table).slice === "function") return value as Table;
  throw new InvalidArgumentError(
    `${method} expects an apache-arrow Table or RecordBatch with one column per function input, got ${value === null ? "null" : typeof value}; ` +
    `build one with tableFromArrays({ text: [...] })`);
}

export { ChunkError };
