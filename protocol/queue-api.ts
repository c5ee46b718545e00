import type { FunctionSpec } from "./messages.js";
import type { CallStatus } from "./call-status.js";

export type { CallStatus, SpawnedCallState } from "./call-status.js";

/**
 * The queue's HTTP contract, beside its WebSocket on the same port: what the SDK, the extension's dashboard and
 * `curl` read. Every route wants `Authorization: Bearer <token>` when the queue has a token.
 */
export const QueuePaths = {
  /** `GET`: JSON {@link FunctionsResponse}. `POST` a {@link DeployRequest}: registers functions without a worker. */
  functions: "/v1/functions",
  /** Prometheus text exposition. */
  metrics: "/metrics",
  /** `ok` while the queue serves. */
  health: "/healthz",
  /** JSON {@link CallsResponse}: spawned calls, newest first. */
  calls: "/v1/calls",
  /** `POST`: cancels a spawned call; JSON {@link CallStatus}. */
  cancelCall: (id: string) => `/v1/calls/${encodeURIComponent(id)}/cancel`,
} as const;

/** The body of `POST /v1/functions` (`chalknb deploy`): specs as a worker's hello declares them. */
export interface DeployRequest {
  functions: FunctionSpec[];
}

/** The answer to a deploy: the functions now registered. */
export interface DeployResponse {
  deployed: string[];
}

/** The body of `GET /v1/calls`. */
export interface CallsResponse {
  calls: CallStatus[];
}

/** One function as the queue knows it: its batching spec (as its workers declare it) and live gauges. */
export interface FunctionInfo
  extends Pick<FunctionSpec, "name" | "maxBatchingSize" | "maxBufferDuration" | "retries" | "inputs" | "maxBatchingCost" | "cost" | "sortByCost"> {
  workers: number;
  bufferedRows: number;
  /** Bytes of chunks submitted and not yet finished (queued or running): the `maxBufferedBytes` gauge. */
  bufferedBytes: number;
  inFlightBatches: number;
  /** Workers holding a batch of this function past the batch deadline (at most 10 names). */
  hung: string[];
  /** Registered by `chalknb deploy`: calls wait for a worker instead of failing as unknown. */
  deployed?: boolean;
  /** Seconds since the oldest unfinished row (queued or running) was submitted; 0 when none. */
  oldestWaitingSeconds?: number;
}

/** One connected worker: its GPUs, and the functions it declares but may not serve, with why ("it has no GPU"). */
export interface WorkerSummary {
  name: string;
  /** GPU names as nvidia-smi gives them ("NVIDIA L4"); empty for a CPU worker. */
  gpus: string[];
  /** Cores and memory from its hello; null for a worker that did not say. */
  cpus: number | null;
  memoryBytes: number | null;
  functions: string[];
  unmet: Record<string, string>;
}

/** The body of `GET /v1/functions`. */
export interface FunctionsResponse {
  functions: FunctionInfo[];
  /** Connected workers (all gateways, with Redis). */
  workers: number;
  workerList: WorkerSummary[];
}
