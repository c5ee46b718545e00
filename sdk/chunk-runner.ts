import { randomUUID } from "node:crypto";
import type { Table } from "apache-arrow";
import { encodeRows } from "../protocol/arrow-ipc.js";
import { ChalknbError, ConnectionError, ErrorCode } from "../protocol/errors.js";
import type { RowError } from "../protocol/messages.js";
import type { CallProgress } from "../protocol/progress.js";
import { trackCall } from "./call-registry.js";
import { chunkErrorFrom } from "./chunk-errors.js";
import { ProgressTracker } from "./progress-tracker.js";
import type { QueueConnection } from "./queue-connection.js";

/** A chunk the queue finished: its index, its input rows and the result parts as they came off the wire. */
export interface FinishedChunk {
  index: number;
  rows: [number, number];
  parts: Uint8Array[];
  /** `returnErrors` only: the chunk's rows that failed (row-errors.ts). */
  errors?: RowError[];
}

export interface ChunkRunSpec {
  connection: QueueConnection;
  functionName: string;
  input: Table;
  ranges: Array<[number, number]>;
  /** Chunks submitted and not yet taken by the consumer, at most. */
  concurrency: number;
  /** Per chunk, from its first submission; null waits forever. */
  timeoutMs: number | null;
  /** Hand chunks over in input order (finished ones wait for earlier ones); otherwise as they finish. */
  ordered: boolean;
  /** Failed rows come back as row errors instead of failing the call (queue/policy/bisection.ts). */
  returnErrors?: boolean;
  /** Whose rows lead a batch on the queue. @default "interactive" */
  priority?: "interactive" | "batch";
  signal?: AbortSignal;
  onProgress?: (progress: CallProgress) => void;
}

/** First wait after a queue_full; doubles up to 2 s. */
const INITIAL_BACKOFF_MS = 25;

/**
 * The one place a call's chunks are submitted, retried after `queue_full` and collected: `chunkedCall`, `stream`,
 * `deferBatch` and `into` all consume {@link ChunkRun.chunks}.
 *
 * A chunk holds one of the `concurrency` slots from its submission until the consumer has taken it and asks for the
 * next one. So a consumer that is slow (a loop body, a Parquet writer) slows the call down instead of piling results
 * up, and in input order at most `concurrency` finished chunks wait for an earlier one: memory stays bounded.
 */
export class ChunkRun {
  readonly callId = randomUUID();
  readonly #spec: ChunkRunSpec;
  /** Made when the consumer starts reading: a run cancelled before that (its file could not be opened) shows nothing. */
  #tracker!: ProgressTracker;
  /** Finished, not yet handed over: by index (ordered) or in finishing order. */
  readonly #finished = new Map<number, FinishedChunk>();
  #launched = 0;
  #delivered = 0;
  #slotsInUse = 0;
  #failure: ChalknbError | undefined;
  #wake: (() => void) | undefined;

  constructor(spec: ChunkRunSpec) {
    this.#spec = spec;
  }

  /** Cancels what is left of the call (queued rows are dropped by the queue); the consumer's next step throws. */
  cancel(reason: string): void {
    const { functionName, input, ranges } = this.#spec;
    this.#halt(new ChalknbError(ErrorCode.Cancelled,
      `call to "${functionName}" (${input.numRows} rows, ${ranges.length} chunks) was cancelled: ${reason}`));
  }

  /**
   * Runs the call and yields each finished chunk. Breaking out of the loop (`return()`) cancels the chunks not yet
   * handed over; a failed chunk cancels the rest and throws from here.
   */
  async *chunks(): AsyncGenerator<FinishedChunk, void, undefined> {
    const { signal } = this.#spec;
    this.#tracker = new ProgressTracker(this.callId, this.#spec.functionName, this.#spec.ranges, this.#spec.onProgress);
    const untrack = trackCall({ cancel: (reason) => this.cancel(reason) });
    const onAbort = () => this.cancel(String(signal?.reason ?? "aborted"));
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    let settled = false;
    try {
      for (;;) {
        const chunk = await this.#next();
        if (!chunk) break;
        yield chunk;
        this.#slotsInUse -= 1;
      }
      settled = true;
      this.#tracker.finish("done");
    } catch (error) {
      settled = true;
      const failure = error instanceof ChalknbError ? error : new ChalknbError(ErrorCode.HandlerFailed, String(error));
      this.#halt(failure);
      this.#tracker.finish(this.#failure!.code === ErrorCode.Cancelled ? "cancelled" : "failed");
      throw this.#failure;
    } finally {
      // Still unsettled here: the consumer stopped early (break, return, a throw in its loop body).
      if (!settled) {
        if (this.#delivered < this.#spec.ranges.length) this.cancel("the consumer stopped reading results");
        this.#tracker.finish(this.#delivered < this.#spec.ranges.length ? "cancelled" : "done");
      }
      untrack();
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async #next(): Promise<FinishedChunk | undefined> {
    for (;;) {
      if (this.#failure) throw this.#failure;
      this.#fill();
      const ready = this.#spec.ordered ? this.#finished.get(this.#delivered) : this.#finished.values().next().value;
      if (ready) {
        this.#finished.delete(ready.index);
        this.#delivered += 1;
        return ready;
      }
      if (this.#delivered === this.#spec.ranges.length) return undefined;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #fill(): void {
    const { ranges, concurrency } = this.#spec;
    while (!this.#failure && this.#launched < ranges.length && this.#slotsInUse < concurrency) {
      const index = this.#launched++;
      this.#slotsInUse += 1;
      this.#runChunk(index).then(
        ({ parts, errors }) => {
          this.#finished.set(index, { index, rows: ranges[index], parts, ...(errors ? { errors } : {}) });
          this.#poke();
        },
        (error: ChalknbError) => this.#halt(error),
      );
    }
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** The first failure wins; it cancels the call on the queue (chunks in flight there are dropped). */
  #halt(error: ChalknbError): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#finished.clear();
    this.#spec.connection.cancel(this.callId);
    this.#poke();
  }

  async #runChunk(index: number): Promise<{ parts: Uint8Array[]; errors?: RowError[] }> {
    const { connection, functionName, input, timeoutMs: perChunkTimeout } = this.#spec;
    const rows = this.#spec.ranges[index];
    const tracker = this.#tracker;
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
          { type: "submit", callId: this.callId, chunk: index, function: functionName, rows, timeoutMs: remaining, ...(this.#spec.returnErrors ? { returnErrors: true } : {}), ...(this.#spec.priority === "batch" ? { priority: "batch" as const } : {}) },
          body,
          { onAccepted: (waiting) => tracker.waiting(waiting), onProgress: (state, attempts) => tracker.chunk(index, state, { attempts }) },
        );
        tracker.chunk(index, "done", { attempts: reply.attempts });
        return reply;
      } catch (raw) {
        // Never connected (refused, unreachable): that is about the queue, not this chunk's rows.
        if (raw instanceof ConnectionError && raw.code !== ErrorCode.ConnectionLost) throw raw;
        const error = chunkErrorFrom(raw as Error, functionName, index, rows);
        const waited = Date.now() - startedAt;
        const withinTimeout = perChunkTimeout === null || waited + backoff < perChunkTimeout;
        if (error.code === ErrorCode.QueueFull && error.retryable && withinTimeout && !this.#failure) {
          // queue_full: the queue is protecting its memory; back off with jitter and submit again.
          await new Promise((resolve) => setTimeout(resolve, backoff * (0.5 + Math.random())));
          backoff = Math.min(2000, backoff * 2);
          if (this.#failure) throw this.#failure;
          continue;
        }
        if (!this.#failure) tracker.chunk(index, "failed", { error: { code: error.code, message: error.message } });
        throw error;
      }
    }
  }
}

/** One chunk's result, as `fn.stream()` yields it. */
export interface StreamedChunk {
  chunk: number;
  /** The chunk's input rows, [start, end). */
  rows: [number, number];
  /** The chunk's `result` column (and, with `returnErrors`, its `error` column), rows[1] - rows[0] rows. */
  result: Table;
}
