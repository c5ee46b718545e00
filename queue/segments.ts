import { decodeRows, encodeRows } from "../protocol/arrow-ipc.js";
import type { Segment } from "./entities.js";
import { takeBatch } from "./policy/isolation.js";

/** Splits a segment after `rowCount` rows; re-encodes both halves (only done when a batch boundary cuts a chunk). */
export function splitSegment(segment: Segment, rowCount: number): [Segment, Segment] {
  const table = (segment.table ??= decodeRows(segment.bytes));
  const head = table.slice(0, rowCount);
  const tail = table.slice(rowCount);
  return [
    { ...segment, rowCount, bytes: encodeRows(head), table: head },
    { ...segment, offset: segment.offset + rowCount, rowCount: segment.rowCount - rowCount, bytes: encodeRows(tail), table: tail },
  ];
}

/**
 * Takes up to `maxRows` rows from the front of `buffer` (mutating it), splitting the last segment if it straddles
 * the limit; isolated segments go in batches of their own chunk (policy/isolation.ts).
 */
export function takeRows(buffer: Segment[], maxRows: number): Segment[] {
  return takeBatch(buffer, maxRows, (s) => s.chunk.key, splitSegment);
}
