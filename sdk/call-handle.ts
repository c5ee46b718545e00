import type { DataType, Table } from "apache-arrow";
import type { CallStatus } from "../protocol/queue-api.js";
import type { CallProgress } from "../protocol/progress.js";
import { followCall } from "./call-follower.js";
import { callRequest } from "./call-requests.js";
import { timeoutMs } from "./chunk-plan.js";
import type { FinishedChunk, StreamedChunk } from "./chunk-runner.js";
import type { QueueConnection } from "./queue-connection.js";
import { assembleResult } from "./result-assembly.js";
import { assembleWithErrors } from "./row-errors.js";

export interface CallGetOptions {
  signal?: AbortSignal;
  onProgress?: (progress: CallProgress) => void;
}

/**
 * A call that runs on the queue (`fn.spawn`, `remote.call(id)`): it goes on when this process exits, and any
 * process can follow it by `id` until its results expire (`--result-ttl` after it finished).
 * @example
 * const handle = await embed.spawn(args, { chunkSize: 1000 });
 * console.log(handle.id);                       // later, anywhere: await remote.call(id).get()
 * const table = await handle.get();
 */
export class CallHandle {
  readonly id: string;
  readonly #connection: () => Promise<QueueConnection>;
  readonly #outputType: DataType | undefined;
  /** @internal what the deferBatch handle's interrupt does: cancel the call rather than stop waiting. */
  readonly #onStop: "cancel" | "detach";

  /** @internal use `fn.spawn()` or `remote.call(id)` */
  constructor(id: string, connection: () => Promise<QueueConnection>, outputType?: DataType, onStop: "cancel" | "detach" = "detach") {
    this.id = id;
    this.#connection = connection;
    this.#outputType = outputType;
    this.#onStop = onStop;
  }

  /**
   * Waits (at most `timeout` seconds; forever when omitted) for every chunk and returns the same Table chunkedCall
   * returns: `result` 1:1 with the input rows (with `returnErrors`, also `error`). Shows live progress in a notebook.
   * A timeout or an interrupt only stops waiting: the call goes on.
   */
  async get(timeout?: number | null, options: CallGetOptions = {}): Promise<Table> {
    const connection = await this.#connection();
    const chunks: FinishedChunk[] = [];
    const follow = followCall(connection, this.id, {
      ordered: false, deadlineMs: timeoutMs(timeout), describe: `call ${this.id}`, signal: options.signal, onStop: this.#onStop, onProgress: options.onProgress,
    });
    let step = await follow.next();
    while (!step.done) {
      chunks[step.value.index] = step.value;
      step = await follow.next();
    }
    const status = step.value;
    if (status.returnErrors) {
      return assembleWithErrors(chunks.map((c) => ({ rowCount: c.rows[1] - c.rows[0], parts: c.parts, errors: c.errors })), this.#outputType);
    }
    return assembleResult(chunks.map((c) => c.parts), this.#outputType);
  }

  /**
   * Yields each chunk's result as it finishes (chunks finished before this started come first); `ordered: true` for
   * input order. Breaking out of the loop stops following, not the call (`cancel()` does that).
   */
  async *stream(options: { ordered?: boolean } = {}): AsyncGenerator<StreamedChunk, void, undefined> {
    const connection = await this.#connection();
    const follow = followCall(connection, this.id, { ordered: options.ordered ?? false, describe: `call ${this.id}`, onStop: "detach" });
    let returnErrors: boolean | undefined;
    for (;;) {
      const step = await follow.next();
      if (step.done) return;
      const chunk = step.value;
      returnErrors ??= chunk.errors !== undefined || (await this.#returnErrors());
      const result = returnErrors
        ? assembleWithErrors([{ rowCount: chunk.rows[1] - chunk.rows[0], parts: chunk.parts, errors: chunk.errors }], this.#outputType)
        : assembleResult([chunk.parts], this.#outputType);
      yield { chunk: chunk.index, rows: [chunk.rows[0], chunk.rows[1]], result };
    }
  }

  /** Rows done / total, chunks by state, row errors, and when its results expire. */
  async status(): Promise<CallStatus> {
    return callRequest(await this.#connection(), this.id, "status");
  }

  /** Cancels the call on the queue (its queued rows are dropped); resolves with its status after. */
  async cancel(): Promise<CallStatus> {
    return callRequest(await this.#connection(), this.id, "cancel-call");
  }

  async #returnErrors(): Promise<boolean> {
    return (await this.status()).returnErrors;
  }
}
