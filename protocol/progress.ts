/**
 * Progress of one `chunkedCall` / `deferBatch`, as the SDK reports it to `onProgress`, the kernel renders it
 * (`application/vnd.chalknb.progress+json`) and the webview draws it. Plain JSON: no Dates, no class instances.
 */
export const PROGRESS_MIME = "application/vnd.chalknb.progress+json";
export const ARROW_MIME = "application/vnd.apache.arrow.file";

export type ChunkState = "queued" | "running" | "done" | "retried" | "failed" | "cancelled";
export type CallState = "running" | "done" | "failed" | "cancelled";

export interface ChunkProgress {
  /** Chunk index, in input order. */
  index: number;
  /** Half-open input row range [from, to). */
  rows: [number, number];
  state: ChunkState;
  /** Handler attempts so far (1 on the first run; more after retries or a worker loss). */
  attempts: number;
  /** Epoch milliseconds. */
  submittedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  error?: { code: string; message: string };
}

export interface CallProgress {
  callId: string;
  functionName: string;
  state: CallState;
  totalRows: number;
  rowsDone: number;
  /** Rows finished per second since the call started. */
  rowsPerSecond: number;
  /** Seconds left at the current rate; null before the first chunk finishes. */
  etaSeconds: number | null;
  startedAt: number;
  finishedAt?: number;
  /** "waiting for a worker for embed (0 connected)" while no worker serves the function; absent otherwise. */
  waiting?: string;
  chunks: ChunkProgress[];
}
