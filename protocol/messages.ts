import type { CallStatus } from "./call-status.js";

/**
 * The wire messages (frame headers). Bodies, where present, are Arrow IPC streams; `parts` / `segments` give the
 * byte length of each stream when a body holds several.
 */
export const PROTOCOL_VERSION = 1;

export type Role = "client" | "worker";

/** What a worker declares for each function it serves. */
export interface FunctionSpec {
  name: string;
  /** Most rows in one handler call. */
  maxBatchingSize: number;
  /** Most milliseconds the oldest buffered row waits before a partial batch is dispatched. */
  maxBufferDuration: number;
  /** Handler failures retried before the rows' chunks fail. */
  retries: number;
  /** Input column names the handler takes, or "table" for a handler that takes the whole batch. */
  inputs: string[] | "table";
  /** Most cost one batch may hold (by `cost`); a single row above it goes alone (queue/policy/cost.ts). */
  maxBatchingCost?: number;
  /** How the queue prices each row, from a column of the submitted rows. */
  cost?: CostSpec;
  /** Batch rows of similar cost together within the buffer window (length bucketing). */
  sortByCost?: boolean;
  /** What a worker's hardware must have to be given this function's batches (queue/resources.ts); absent: anything. */
  needs?: FunctionNeeds;
}

/** defineFunction's `gpu` / `cpu` / `memory`, normalized (queue/resources.ts). */
export interface FunctionNeeds {
  /** A normalized GPU type ("nvidia-l4"), "any", or null when no GPU is needed. */
  gpuType: string | null;
  /** GPUs needed (0 when gpuType is null). */
  gpuCount: number;
  /** Cores needed, or null. */
  cpu: number | null;
  /** Memory needed in bytes, or null. */
  memoryBytes: number | null;
}

/** One GPU a worker can use, as nvidia-smi names it (queue/hardware.ts). */
export interface GpuInfo {
  /** nvidia-smi's index of the GPU on its machine. */
  index: number;
  /** e.g. "NVIDIA L4", "NVIDIA H100 80GB HBM3". */
  name: string;
  memoryMiB: number;
  uuid: string;
}

/** What a worker runs on, sent in its hello. */
export interface WorkerHardware {
  gpus: GpuInfo[];
  cpus: number;
  memoryBytes: number;
}

/** A row's cost, read by the queue from a column of the submitted rows (queue/policy/cost.ts). */
export interface CostSpec {
  column: string;
  /**
   * `"bytes/4"` (a string's UTF-8 bytes ÷ 4 ≈ tokens), `"bytes"`, `"items"` (a list's length), `"value"` (a numeric
   * column holding the cost). Default: `"bytes/4"` for strings and binary, `"items"` for lists, `"value"` for numbers.
   */
  per?: CostUnit;
}

export type CostUnit = "bytes/4" | "bytes" | "items" | "value";

export interface HelloMessage {
  type: "hello";
  protocolVersion: number;
  role: Role;
  token?: string;
  /** Workers only. */
  functions?: FunctionSpec[];
  /** Workers only: batches this worker may hold at once. */
  credits?: number;
  /** Workers only: GPUs, cores and memory; absent (an older worker): a CPU worker of unknown size. */
  hardware?: WorkerHardware;
  name?: string;
}

export interface WelcomeMessage {
  type: "welcome";
  protocolVersion: number;
  connectionId: string;
}

export interface SubmitMessage {
  type: "submit";
  callId: string;
  chunk: number;
  function: string;
  /** Half-open input row range this chunk covers, for error messages. */
  rows: [number, number];
  /** Null waits forever. */
  timeoutMs: number | null;
  /**
   * Rows that fail (found by bisection, after retries) come back as row errors in the chunk's result instead of
   * failing the chunk. @default false
   */
  returnErrors?: boolean;
  /** @default "interactive" (queue/policy/priority.ts) */
  priority?: CallPriority;
}

export interface CancelMessage {
  type: "cancel";
  callId: string;
  /** Omitted: every chunk of the call. */
  chunk?: number;
}

export interface AcceptedMessage {
  type: "accepted";
  callId: string;
  chunk: number;
  /** Why the rows wait, when no worker serves the function yet (queue/policy/waiting.ts); absent otherwise. */
  waiting?: string;
}

export interface ProgressMessage {
  type: "progress";
  callId: string;
  chunk: number;
  state: "running" | "retried";
  attempts: number;
}

export interface ResultMessage {
  type: "result";
  callId: string;
  chunk: number;
  /**
   * Byte length of each Arrow IPC stream in the body, in row order. They hold the rows that succeeded: with `errors`,
   * the rows of the error ranges have no part, and the parts fill the rest of the chunk in order.
   */
  parts: number[];
  attempts: number;
  /** `returnErrors` only: the rows that failed, in row order; absent when none did. */
  errors?: RowError[];
}

/** Rows of a chunk that failed, in a `returnErrors` result. */
export interface RowError {
  /** First failed row, as an offset within the chunk. */
  offset: number;
  /** Consecutive rows failed with this error (1 after a bisection). */
  count: number;
  code: string;
  /** The handler's message (or, for a poison row, why it was judged one). */
  message: string;
  attempts: number;
}

export interface ErrorMessage {
  type: "error";
  callId?: string;
  chunk?: number;
  code: string;
  message: string;
  retryable: boolean;
  rows?: [number, number];
  attempts?: number;
  /** Input rows found failing by bisection (queue/policy/bisection.ts); absent when the chunk failed as a whole. */
  failedRows?: number[];
}

export interface ReadyMessage {
  type: "ready";
  credits: number;
}

export interface BatchSegment {
  /** Rows in this segment. */
  rows: number;
  /** Byte length of this segment's Arrow IPC stream in the body. */
  bytes: number;
}

export interface BatchMessage {
  type: "batch";
  batchId: string;
  function: string;
  attempt: number;
  segments: BatchSegment[];
}

export interface DoneMessage {
  type: "done";
  batchId: string;
  /** One result stream per input segment, same row counts. */
  segments: BatchSegment[];
}

export interface FailedMessage {
  type: "failed";
  batchId: string;
  message: string;
  /** False when retrying cannot help (e.g. the handler returned the wrong number of rows). */
  retryable?: boolean;
}

/** How a call's rows are ordered against other calls' when a batch is formed (queue/policy/priority.ts). */
export type CallPriority = "interactive" | "batch";

/**
 * Client → queue: a durable call (`fn.spawn`). The chunk bodies follow as `spawn-chunk` frames; the queue answers
 * `spawned` once it holds every row, and from then on runs the call itself (at most `concurrentChunks` chunks in
 * flight), whether or not the client stays.
 */
export interface SpawnMessage {
  type: "spawn";
  /** Chosen by the client (a UUID); `remote.call(id)` re-attaches with it. */
  callId: string;
  function: string;
  /** Half-open input row range of each chunk, in input order. */
  chunks: Array<[number, number]>;
  concurrentChunks: number;
  /** Per chunk, from its submission; null waits forever. */
  timeoutMs: number | null;
  returnErrors?: boolean;
  priority?: CallPriority;
}

/** Client → queue: the rows of one chunk of a spawned call (body: Arrow IPC). */
export interface SpawnChunkMessage {
  type: "spawn-chunk";
  callId: string;
  chunk: number;
}

/** Queue → client: every row of the spawned call is held by the queue; the call is durable. */
export interface SpawnedMessage {
  type: "spawned";
  callId: string;
}

/**
 * Client → queue: follow a spawned call. The queue answers `call-status` (with every chunk's state), then a
 * `result` (or `error`) frame per finished chunk, then live `progress` / `result` / `error` frames and a final
 * `call-status`; or `call-error` (unknown id, expired results).
 */
export interface AttachMessage {
  type: "attach";
  callId: string;
}

/** Client → queue: stop following a call (the call goes on). */
export interface DetachMessage {
  type: "detach";
  callId: string;
}

/** Client → queue: a spawned call's status; answered with `call-status` (`for: "status"`) or `call-error`. */
export interface StatusMessage {
  type: "status";
  callId: string;
}

/** Client → queue: cancel a spawned call; answered with `call-status` (`for: "cancel-call"`) or `call-error`. */
export interface CancelCallMessage {
  type: "cancel-call";
  callId: string;
}

/** One chunk of a spawned call, as `call-status` lists them. */
export interface CallChunkInfo {
  rows: [number, number];
  state: "queued" | "running" | "retried" | "done" | "failed" | "cancelled";
  attempts: number;
}

/** Queue → client: a spawned call's status (`chunkList` only in the answer to `attach`). */
export interface CallStatusMessage {
  type: "call-status";
  callId: string;
  /** The request this answers: `attach`, `status`, `cancel-call`, or `update` (the call ended while attached). */
  for: "attach" | "status" | "cancel-call" | "update";
  status: CallStatus;
  chunkList?: CallChunkInfo[];
}

/** Queue → client: a request about a spawned call failed as a whole (unknown id, expired results, bad spawn). */
export interface CallErrorMessage {
  type: "call-error";
  callId: string;
  code: string;
  message: string;
}

export type Message =
  | HelloMessage
  | SpawnMessage
  | SpawnChunkMessage
  | SpawnedMessage
  | AttachMessage
  | DetachMessage
  | StatusMessage
  | CancelCallMessage
  | CallStatusMessage
  | CallErrorMessage
  | WelcomeMessage
  | SubmitMessage
  | CancelMessage
  | AcceptedMessage
  | ProgressMessage
  | ResultMessage
  | ErrorMessage
  | ReadyMessage
  | BatchMessage
  | DoneMessage
  | FailedMessage;
