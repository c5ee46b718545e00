/** A spawned call's life: its rows arriving, running on the queue, then finished one way, then its results gone. */
export type SpawnedCallState = "receiving" | "running" | "done" | "failed" | "cancelled" | "expired";

/** A spawned call (`fn.spawn`, `deferBatch`) as the queue reports it: over the WebSocket and in `GET /v1/calls`. */
export interface CallStatus {
  id: string;
  function: string;
  state: SpawnedCallState;
  totalRows: number;
  /** Rows whose chunk finished (failed rows of a `returnErrors` call count: they have their error). */
  rowsDone: number;
  chunks: { total: number; queued: number; running: number; done: number; failed: number; cancelled: number };
  /** Rows that failed alone (`returnErrors`). */
  rowErrors: number;
  /** "waiting for a worker for embed (0 connected)" while the call runs and no worker serves its function. */
  waiting?: string;
  /** Why the call failed, or why its results are gone. */
  error?: { code: string; message: string; chunk?: number };
  returnErrors: boolean;
  concurrentChunks: number;
  priority: "interactive" | "batch";
  /** Epoch milliseconds (the queue's clock). */
  createdAt: number;
  finishedAt?: number;
  /** When its results go (`--result-ttl` after it finished). */
  expiresAt?: number;
}
