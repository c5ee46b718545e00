import { ChunkError, ErrorCode, describeRows } from "../protocol/errors.js";
import type { ErrorMessage } from "../protocol/messages.js";

/** Rebuilds the queue's error frame as a ChunkError that names the function, the chunk and its rows. */
export function chunkErrorFrom(error: ErrorMessage | Error, functionName: string, chunk: number, rows: [number, number]): ChunkError {
  if (error instanceof ChunkError) return error;
  if (error instanceof Error) {
    const code = ((error as { code?: string }).code ?? ErrorCode.ConnectionLost) as ErrorCode;
    return new ChunkError(code, `chunk ${chunk} (${describeRows(rows)}) of function "${functionName}": ${error.message}`,
      { functionName, chunk, rows, retryable: (error as { retryable?: boolean }).retryable });
  }
  return new ChunkError(error.code as ErrorCode, error.message, {
    functionName, chunk, rows: error.rows ?? rows, attempts: error.attempts, retryable: error.retryable,
    failedRows: Array.isArray(error.failedRows) ? error.failedRows.filter((n) => Number.isInteger(n)) : undefined,
  });
}

