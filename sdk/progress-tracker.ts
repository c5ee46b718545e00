import type { CallProgress, ChunkProgress, ChunkState } from "../protocol/progress.js";
import { publishProgress } from "./call-registry.js";

/**
 * Keeps one call's CallProgress up to date and publishes it to `onProgress` and the kernel's observer on every change:
 * the rate at which a notebook sees it is the kernel's progress display's to set, and `onProgress` sees every state.
 * Each published progress is a snapshot never changed afterwards, made cheaply: a changed chunk is replaced by a new
 * object, never modified, so a snapshot copies only the array of chunks (a deep copy per change would make a
 * 10k-chunk call quadratic).
 */
export class ProgressTracker {
  /** The latest state; its chunk objects are shared with published snapshots, hence replaced, not modified. */
  readonly #progress: CallProgress;
  readonly #onProgress: ((progress: CallProgress) => void) | undefined;

  constructor(callId: string, functionName: string, ranges: Array<[number, number]>, onProgress?: (p: CallProgress) => void) {
    const totalRows = ranges.length ? ranges[ranges.length - 1][1] - ranges[0][0] : 0;
    this.#progress = {
      callId, functionName, state: "running", totalRows, rowsDone: 0, rowsPerSecond: 0, etaSeconds: null, startedAt: Date.now(),
      chunks: ranges.map((rows, index) => ({ index, rows: [rows[0], rows[1]], state: "queued", attempts: 0 })),
    };
    this.#onProgress = onProgress;
    this.#publish();
  }

  chunk(index: number, state: ChunkState, patch: Partial<ChunkProgress> = {}): void {
    const now = Date.now();
    const chunk: ChunkProgress = { ...this.#progress.chunks[index], ...patch, state };
    this.#progress.chunks[index] = chunk;
    if (state === "queued") chunk.submittedAt ??= now;
    if (state === "running" || state === "retried") {
      chunk.startedAt ??= now;
      delete this.#progress.waiting; // a worker took rows of the call
    }
    if (state === "done" || state === "failed" || state === "cancelled") chunk.finishedAt = now;
    if (state === "done") this.#progress.rowsDone += chunk.rows[1] - chunk.rows[0];
    this.#publish();
  }

  /** The queue's word on why the rows wait (a deployed function with no worker yet); cleared once a batch runs. */
  waiting(note: string | undefined): void {
    if (note === undefined || this.#progress.waiting === note) return;
    this.#progress.waiting = note;
    this.#publish();
  }

  finish(state: CallProgress["state"]): void {
    const p = this.#progress;
    p.state = state;
    p.finishedAt = Date.now();
    delete p.waiting;
    if (state !== "done") {
      p.chunks = p.chunks.map((chunk) =>
        chunk.state === "queued" || chunk.state === "running" || chunk.state === "retried"
          ? { ...chunk, state: "cancelled", finishedAt: p.finishedAt }
          : chunk,
      );
    }
    this.#publish();
  }

  #publish(): void {
    const p = this.#progress;
    const elapsed = (Date.now() - p.startedAt) / 1000;
    p.rowsPerSecond = elapsed > 0 ? p.rowsDone / elapsed : 0;
    p.etaSeconds = p.rowsDone > 0 && p.rowsPerSecond > 0 ? (p.totalRows - p.rowsDone) / p.rowsPerSecond : null;
    if (p.state === "done") p.etaSeconds = 0;
    const snapshot: CallProgress = { ...p, chunks: p.chunks.slice() };
    try {
      this.#onProgress?.(snapshot);
    } catch {
      // A throwing progress callback must not break the call.
    }
    publishProgress(snapshot);
  }
}
