import type { CallProgress, ChunkProgress, ChunkState } from "../protocol/progress.js";
import { publishProgress } from "./call-registry.js";

/** Most often a copy is published while nothing notable happens (a copy costs O(chunks)). */
const PUBLISH_INTERVAL_MS = 50;

/**
 * Keeps one call's CallProgress up to date and publishes a copy to `onProgress` and the kernel's observer: at once
 * for the first and last update and for retries and failures, otherwise at most every 50 ms (a 10k-chunk call
 * would otherwise spend its time copying progress).
 */
export class ProgressTracker {
  readonly #progress: CallProgress;
  readonly #onProgress: ((progress: CallProgress) => void) | undefined;
  #lastPublished = 0;
  #trailing: NodeJS.Timeout | undefined;

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
    const chunk = this.#progress.chunks[index];
    const now = Date.now();
    Object.assign(chunk, patch, { state });
    if (state === "queued") chunk.submittedAt ??= now;
    if (state === "running" || state === "retried") {
      chunk.startedAt ??= now;
      delete this.#progress.waiting; // a worker took rows of the call
    }
    if (state === "done" || state === "failed" || state === "cancelled") chunk.finishedAt = now;
    if (state === "done") this.#progress.rowsDone += chunk.rows[1] - chunk.rows[0];
    const notable = state === "retried" || state === "failed";
    if (notable || now - this.#lastPublished >= PUBLISH_INTERVAL_MS) this.#publish();
    else this.#trailing ??= setTimeout(() => this.#publish(), PUBLISH_INTERVAL_MS - (now - this.#lastPublished)).unref();
  }

  /** The queue's word on why the rows wait (a deployed function with no worker yet); cleared once a batch runs. */
  waiting(note: string | undefined): void {
    if (note === undefined || this.#progress.waiting === note) return;
    this.#progress.waiting = note;
    this.#publish();
  }

  finish(state: CallProgress["state"]): void {
    this.#progress.state = state;
    this.#progress.finishedAt = Date.now();
    delete this.#progress.waiting;
    for (const chunk of this.#progress.chunks) {
      if (state !== "done" && (chunk.state === "queued" || chunk.state === "running" || chunk.state === "retried")) {
        chunk.state = "cancelled";
        chunk.finishedAt = this.#progress.finishedAt;
      }
    }
    this.#publish();
  }

  #publish(): void {
    clearTimeout(this.#trailing);
    this.#trailing = undefined;
    this.#lastPublished = Date.now();
    const p = this.#progress;
    const elapsed = (Date.now() - p.startedAt) / 1000;
    p.rowsPerSecond = elapsed > 0 ? p.rowsDone / elapsed : 0;
    p.etaSeconds = p.rowsDone > 0 && p.rowsPerSecond > 0 ? (p.totalRows - p.rowsDone) / p.rowsPerSecond : null;
    if (p.state === "done") p.etaSeconds = 0;
    const snapshot = structuredClone(p);
    try {
      this.#onProgress?.(snapshot);
    } catch {
      // A throwing progress callback must not break the call.
    }
    publishProgress(snapshot);
  }
}
