import { describeRows } from "../protocol/errors.js";

/** How errors name a chunk: `chunk 3 (rows 30–39 (10 rows)) of function "embed"`. */
export function describeChunk(functionName: string, chunk: number, rows: readonly [number, number]): string {
  return `chunk ${chunk} (${describeRows(rows)}) of function "${functionName}"`;
}

export interface TimeoutCounts {
  done: number;
  running: number;
  queued: number;
  /** Rows buffered for the function, all its calls together. */
  bufferedRows: number;
  workers: number;
  /** Why no connected worker may run the function (policy/placement.ts), if none may. */
  unplaced?: string;
}

/** What a chunk that outlived its timeout fails with: where its rows were, and what to do about it. */
export function chunkTimeoutMessage(chunk: string, timeoutMs: number, counts: TimeoutCounts): string {
  const { done, running, queued, bufferedRows, workers, unplaced } = counts;
  return `${chunk} timed out after ${timeoutMs / 1000} s: ${done} rows done, ${running} running, ${queued} still queued ` +
    `(${bufferedRows} rows buffered for the function, ${workers} workers connected); ` +
    (unplaced ? `${unplaced}: start a worker that has it` : "raise timeout or add workers");
}
