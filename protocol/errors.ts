/**
 * Every error chalknb raises has a class, a stable `code` and a message that says what was expected and what came.
 * Codes travel over the wire in `error` frames, so a client rebuilds the same class the queue raised.
 */
export const ErrorCode = {
  InvalidArgument: "CHALKNB_INVALID_ARGUMENT",
  ChunkTimeout: "CHALKNB_CHUNK_TIMEOUT",
  Cancelled: "CHALKNB_CANCELLED",
  QueueFull: "CHALKNB_QUEUE_FULL",
  HandlerFailed: "CHALKNB_HANDLER_FAILED",
  UnknownFunction: "CHALKNB_UNKNOWN_FUNCTION",
  SchemaMismatch: "CHALKNB_SCHEMA_MISMATCH",
  Unauthorized: "CHALKNB_UNAUTHORIZED",
  MalformedFrame: "CHALKNB_MALFORMED_FRAME",
  ProtocolVersion: "CHALKNB_PROTOCOL_VERSION",
  ConnectionLost: "CHALKNB_CONNECTION_LOST",
  NotConnected: "CHALKNB_NOT_CONNECTED",
  /** A row whose batches lost their worker past `maxWorkerLosses`, the last time while it ran alone (queue/policy/bisection.ts). */
  PoisonRow: "CHALKNB_POISON_ROW",
  /** A spawned call's results were dropped: past `--result-ttl`, or to stay under `--result-max-bytes`. */
  ResultExpired: "CHALKNB_RESULT_EXPIRED",
  /** `remote.call(id)` for an id the queue never had (or forgot long ago). */
  UnknownCall: "CHALKNB_UNKNOWN_CALL",
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class of every chalknb error. `retryable` tells a caller whether the same request may succeed later. */
export class ChalknbError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A caller passed a value the API cannot use (bad chunkSize, missing column, ...). */
export class InvalidArgumentError extends ChalknbError {
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
  }
}

/**
 * A chunk (or a whole call) failed on the queue side; `rows` is the half-open input row range it covered, and
 * `failedRows` the input rows that bisection found failing (empty when the failure was not narrowed to rows).
 */
export class ChunkError extends ChalknbError {
  readonly functionName: string;
  readonly chunk: number;
  readonly rows: readonly [number, number];
  readonly attempts: number;
  readonly failedRows: readonly number[];
  constructor(
    code: ErrorCode,
    message: string,
    details: { functionName: string; chunk: number; rows: readonly [number, number]; attempts?: number; retryable?: boolean; failedRows?: readonly number[] },
  ) {
    super(code, message, { retryable: details.retryable });
    this.functionName = details.functionName;
    this.chunk = details.chunk;
    this.rows = details.rows;
    this.attempts = details.attempts ?? 0;
    this.failedRows = details.failedRows ?? [];
  }
}

/** The queue refused a frame or a connection (auth, malformed frame, protocol version). */
export class ConnectionError extends ChalknbError {}

/** Describes a row range the way error messages print it: rows 25–49 (25 rows). */
export function describeRows(rows: readonly [number, number]): string {
  const [from, to] = rows;
  const count = to - from;
  return count === 1 ? `row ${from}` : `rows ${from}–${to - 1} (${count} rows)`;
}
