import type { EventEmitter } from "node:events";
import type { DoneMessage, FailedMessage, FunctionSpec, SubmitMessage } from "../protocol/messages.js";
import type { ClientPeer, WorkerPeer } from "./entities.js";
import type { FunctionMetrics } from "./metrics.js";
import type { FunctionInfo, WorkerSummary } from "../protocol/queue-api.js";

export type { FunctionInfo } from "../protocol/queue-api.js";

export interface BatchEvent {
  functionName: string;
  batchId: string;
  rows: number;
  reason: "full" | "deadline";
  attempt: number;
  workerId: string;
  /** The rows' total cost, for a function that batches by cost (policy/cost.ts). */
  cost?: number;
}

/**
 * What `queue-server.ts` needs from a queue: the sockets live in the server, the rows and their scheduling live in
 * the backend. `MemoryBackend` (memory, one process) and `RedisBackend` (Redis Streams, many gateways) implement it, so
 * clients and workers see the same behaviour whichever backend a gateway runs.
 *
 * Events: `batch` (BatchEvent, for batches this gateway dispatched), `worker-joined` (WorkerPeer),
 * `worker-left` (WorkerPeer).
 */
export interface QueueBackend extends EventEmitter {
  /**
   * Throws a ChalknbError (nothing added) when live workers serve one of `specs` under another spec
   * (policy/spec-conflict.ts); the server then refuses the worker before its welcome. The Redis backend may also
   * refuse it later, through `worker.close`, when Redis finds a conflict its last heartbeat did not know of.
   */
  addWorker(worker: WorkerPeer, specs: FunctionSpec[]): void;
  addCredits(worker: WorkerPeer, credits: number): void;
  /** A worker's socket closed: its batches are delivered again, counted as a loss. */
  removeWorker(worker: WorkerPeer): void;
  /** Validates and buffers a chunk; answers the client with `accepted` or an `error` frame. */
  submit(client: ClientPeer, message: SubmitMessage, body: Uint8Array): void;
  /** Drops a call's (or one chunk's) queued rows and discards its running batches' results. */
  cancel(client: ClientPeer, callId: string, chunk?: number): void;
  removeClient(client: ClientPeer): void;
  complete(worker: WorkerPeer, message: DoneMessage, parts: Uint8Array[]): void;
  fail(worker: WorkerPeer, message: FailedMessage): void;
  functions(): FunctionInfo[];
  metrics(): FunctionMetrics;
  workerCount(): number;
  /** The workers connected here with their GPUs (policy/placement.ts), for /v1/functions; the Redis backend lists this gateway's. */
  workerList?(): WorkerSummary[];
  hasFunction(name: string): boolean;
  /**
   * Registers specs no worker serves yet (`chalknb deploy`): their calls are queued until a worker comes, and they
   * stay listed past the grace period. Optional: a backend without it answers `POST /v1/functions` with 501.
   */
  deploy?(specs: FunctionSpec[]): void | Promise<void>;
  /**
   * Brings the figures behind `functions()` / `metrics()` up to date before the HTTP API reads them (the Redis
   * backend asks Redis for queue depths and other gateways' workers). Optional: the memory backend is always current.
   */
  refresh?(): Promise<void>;
  /** Stops timers and closes connections; the server closes sockets first. */
  close(): Promise<void>;
}
