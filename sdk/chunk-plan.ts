import { InvalidArgumentError } from "../protocol/errors.js";

export interface ChunkingOptions {
  chunkSize?: number;
  numChunks?: number;
}

/**
 * Splits `rows` into consecutive half-open ranges. `chunkSize` and `numChunks` are mutually exclusive; with
 * `numChunks`, sizes differ by at most one row (the first chunks take the extra rows).
 */
export function planChunks(rows: number, options: ChunkingOptions): Array<[number, number]> {
  const { chunkSize, numChunks } = options;
  if (chunkSize !== undefined && numChunks !== undefined) {
    throw new InvalidArgumentError(`chunkSize (${chunkSize}) and numChunks (${numChunks}) are mutually exclusive: pass one of them`);
  }
  if (chunkSize === undefined && numChunks === undefined) {
    throw new InvalidArgumentError("chunkedCall needs chunkSize (rows per chunk) or numChunks (number of chunks)");
  }
  if (chunkSize !== undefined && (!Number.isInteger(chunkSize) || chunkSize < 1)) {
    throw new InvalidArgumentError(`chunkSize must be a positive integer, got ${chunkSize}`);
  }
  if (numChunks !== undefined && (!Number.isInteger(numChunks) || numChunks < 1)) {
    throw new InvalidArgumentError(`numChunks must be a positive integer, got ${numChunks}`);
  }
  if (rows === 0) return [];
  if (numChunks !== undefined && numChunks > rows) {
    throw new InvalidArgumentError(`numChunks (${numChunks}) is more than the table's ${rows} rows; use at most ${rows} chunks or chunkSize`);
  }
  const ranges: Array<[number, number]> = [];
  if (chunkSize !== undefined) {
    for (let from = 0; from < rows; from += chunkSize) ranges.push([from, Math.min(rows, from + chunkSize)]);
    return ranges;
  }
  const base = Math.floor(rows / numChunks!);
  const extra = rows % numChunks!;
  let from = 0;
  for (let i = 0; i < numChunks!; i++) {
    const size = base + (i < extra ? 1 : 0);
    ranges.push([from, from + size]);
    from += size;
  }
  return ranges;
}

export function validateConcurrency(concurrentChunks: number | undefined): number {
  const value = concurrentChunks ?? 4;
  if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError(`concurrentChunks must be a positive integer, got ${concurrentChunks}`);
  return value;
}

/** Seconds (as in the seed) → milliseconds; null/undefined waits forever. */
export function timeoutMs(timeout: number | null | undefined): number | null {
  if (timeout === null || timeout === undefined) return null;
  if (typeof timeout !== "number" || !(timeout > 0) || !Number.isFinite(timeout)) {
    throw new InvalidArgumentError(`timeout is in seconds and must be a positive number (or null to wait forever), got ${timeout}`);
  }
  return Math.round(timeout * 1000);
}
