import { randomUUID } from "node:crypto";
import { RecordBatch, Table, type DataType } from "apache-arrow";
import { encodeRows } from "../../protocol/arrow-ipc.js";
import { ChalknbError, ChunkError, ConnectionError, ErrorCode, InvalidArgumentError } from "../../protocol/errors.js";
import type { CallProgress } from "../../protocol/progress.js";
import { trackCall } from "./call-registry.js";
import { chunkErrorFrom } from "./chunk-errors.js";
import { planChunks, timeoutMs, validateConcurrency } from "./chunk-plan.js";
import { ProgressTracker } from "./progress-tracker.js";
import type { QueueConnection } from "./queue-connection.js";
import { assembleResult } from "./result-assembly.js";
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
   * @example
   * const result = await embed.chunkedCall(args, { chunkSize: 25, concurrentChunks: 4, timeout: 120 });
   */
  async chunkedCall(table: Table | RecordBatch, options: ChunkedCallOptions = {}): Promise<Table> {
    const input = asTable(table, "chunkedCall");
    const ranges = planChunks(input.numRows, options);
    const concurrency = validateConcurrency(options.concurrentChunks);
    const perChunkTimeout = timeoutMs(options.timeout);
    if (ranges.length === 0) return assembleResult([], this.outputType);
    const connection = await this.#connection();
    const results = await this.#run(connection, input, ranges, concurrency, perChunkTimeout, options);
    return assembleResult(results, this.outputType);
  }

  /**
   * Submits one batch and returns at once; `await handle.get(timeout)` gives the result table.
   * @example
   * const handle = embed.deferBatch(batch); const result = await handle.get(60);
   */
  deferBatch(batch: RecordBatch | Table, options: { timeout?: number | null; onProgress?: (p: CallProgress) => void } = {}): DeferredCall {
    const input = asTable(batch, "deferBatch");
    const perChunkTimeout = timeoutMs(options.timeout);
    const controller = new AbortController();
    const ranges: Array<[number, number]> = input.numRows === 0 ? [] : [[0, input.numRows]];
    const promise = (async () => {
      if (ranges.length === 0) return assembleResult([], this.outputType);
      const connection = await this.#connection();
      const results = await this.#run(connection, input, ranges, 1, perChunkTimeout, { signal: controller.signal, onProgress: options.onProgress });
      return assembleResult(results, this.outputType);
    })();
    return new DeferredCall(promise, (reason) => controller.abort(reason));
  }

  async #run(
    connection: QueueConnection,
    input: Table,
    ranges: Array<[number, number]>,
    concurrency: number,
    perChunkTimeout: number | null,
    options: Pick<ChunkedCallOptions, "signal" | "onProgress">,
  ): Promise<Uint8Array[][]> {
    const callId = randomUUID();
    const tracker = new ProgressTracker(callId, this.name, ranges, options.onProgress);
    const results: Uint8Array[][] = new Array(ranges.length);
    let stopped: ChalknbError | undefined;
    let rejectStop!: (error: ChalknbError) => void;
    const stop = new Promise<never>((_, reject) => (rejectStop = reject));
    stop.catch(() => {});
    const halt = (error: ChalknbError) => {
      if (stopped) return;
      stopped = error;
      connection.cancel(callId);
      rejectStop(error);
    };
    const cancel = (reason: string) =>
      halt(new ChalknbError(ErrorCode.Cancelled, `call to "${this.name}" (${input.numRows} rows, ${ranges.length} chunks) was cancelled: ${reason}`));
    const untrack = trackCall({ cancel });
    const onAbort = () => cancel(String(options.signal?.reason ?? "aborted"));
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener("abort", onAbort, { once: true });

    let next = 0;
    const runner = async () => {
      while (!stopped && next < ranges.length) {
        const index = next++;
        results[index] = await Promise.race([this.#runChunk(connection, callId, index, ranges[index], input, perChunkTimeout, tracker, () => stopped), stop]);
      }
    };
    try {
      await Promise.race([Promise.all(Array.from({ length: Math.min(concurrency, ranges.length) }, runner)), stop]);
      tracker.finish("done");
      return results;
    } catch (error) {
      const failure = error instanceof ChalknbError ? error : new ChalknbError(ErrorCode.HandlerFailed, String(error));
      halt(failure);
      tracker.finish(failure.code === ErrorCode.Cancelled ? "cancelled" : "failed");
      if (stopped && stopped !== failure && stopped.code === ErrorCode.Cancelled) throw stopped;
      throw failure;
    } finally {
      untrack();
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  async #runChunk(
    connection: QueueConnection,
    callId: string,
    index: number,
    rows: [number, number],
    input: Table,
    perChunkTimeout: number | null,
    tracker: ProgressTracker,
    stopped: () => ChalknbError | undefined,
  ): Promise<Uint8Array[]> {
    const body = encodeRows(input.slice(rows[0], rows[1]));
    const startedAt = Date.now();
    let backoff = INITIAL_BACKOFF_MS;
    let submissions = 0;
    for (;;) {
      tracker.chunk(index, "queued");
      try {
        // The chunk's timeout runs from its first submission: a resubmit after queue_full gets what is left of it.
        const remaining = perChunkTimeout === null || submissions === 0 ? perChunkTimeout : Math.max(1, perChunkTimeout - (Date.now() - startedAt));
        submissions += 1;
        const reply = await connection.submit(
          { type: "submit", callId, chunk: index, function: this.name, rows, timeoutMs: remaining },
          body,
          { onProgress: (state, attempts) => tracker.chunk(index, state, { attempts }) },
        );
        tracker.chunk(index, "done", { attempts: reply.attempts });
        return reply.parts;
      } catch (raw) {
        // Never connected (refused, unreachable): that is about the queue, not this chunk's rows.
        if (raw instanceof ConnectionError && raw.code !== ErrorCode.ConnectionLost) throw raw;
        const error = chunkErrorFrom(raw as Error, this.name, index, rows);
        const waited = Date.now() - startedAt;
        const withinTimeout = perChunkTimeout === null || waited + backoff < perChunkTimeout;
        if (error.code === ErrorCode.QueueFull && error.retryable && withinTimeout && !stopped()) {
          // queue_full: the queue is protecting its memory; back off with jitter and submit again.
          await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random())));
          backoff = Math.min(2000, backoff * 2);
          if (stopped()) throw stopped();
          continue;
        }
        if (!stopped()) tracker.chunk(index, "failed", { error: { code: error.code, message: error.message } });
        throw error;
      }
    }
  }
}

/** First wait after a queue_full; doubles up to 2 s. */
const INITIAL_BACKOFF_MS = 25;

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
