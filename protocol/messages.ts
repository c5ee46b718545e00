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
}

export interface HelloMessage {
  type: "hello";
  protocolVersion: number;
  role: Role;
  token?: string;
  /** Workers only. */
  functions?: FunctionSpec[];
  /** Workers only: batches this worker may hold at once. */
  credits?: number;
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
  /** Byte length of each Arrow IPC stream in the body, in row order; their rows add up to the chunk's. */
  parts: number[];
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
