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

export type Message =
  | HelloMessage
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
