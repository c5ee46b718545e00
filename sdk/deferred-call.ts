import type { Table } from "apache-arrow";
import { ChalknbError, ErrorCode } from "../protocol/errors.js";
import { timeoutMs } from "./chunk-plan.js";

export type DeferredCallStatus = "pending" | "done" | "failed" | "cancelled";

/** The handle `deferBatch` returns: the call runs in the background; `get()` waits for it. */
export class DeferredCall {
  /** The call's id on the queue: `remote.call(id)` follows it from another process (once its rows are sent). */
  readonly id: string;
  readonly #promise: Promise<Table>;
  readonly #cancel: (reason: string) => void;
  #status: DeferredCallStatus = "pending";

  /** @internal */
  constructor(id: string, promise: Promise<Table>, cancel: (reason: string) => void) {
    this.id = id;
    this.#cancel = cancel;
    this.#promise = promise.then(
      (table) => {
        this.#status = "done";
        return table;
      },
      (error: unknown) => {
        this.#status = (error as ChalknbError).code === ErrorCode.Cancelled ? "cancelled" : "failed";
        throw error;
      },
    );
    this.#promise.catch(() => {});
  }

  get status(): DeferredCallStatus {
    return this.#status;
  }

  /**
   * Waits up to `timeout` seconds (forever when omitted) for the result. A timeout here leaves the call running:
   * call `get()` again, or `cancel()`.
   */
  get(timeout?: number | null): Promise<Table> {
    const ms = timeoutMs(timeout);
    if (ms === null) return this.#promise;
    return new Promise<Table>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ChalknbError(ErrorCode.ChunkTimeout,
          `deferBatch result not ready after ${timeout} s (status: ${this.#status}); the call keeps running: get() again or cancel()`));
      }, ms);
      this.#promise.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  cancel(reason = "cancelled by the caller"): void {
    if (this.#status === "pending") this.#cancel(reason);
  }
}
