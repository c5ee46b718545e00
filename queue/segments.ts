import { decodeRows, encodeRows } from "../protocol/arrow-ipc.js";
import type { Segment } from "./entities.js";

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
 * the limit.
 */
export function takeRows(buffer: Segment[], maxRows: number): Segment[] {
  const taken: Segment[] = [];
  let rows = 0;
  while (buffer.length > 0 && rows < maxRows) {
    const next = buffer[0];
    const room = maxRows - rows;
    if (next.rowCount <= room) {
      buffer.shift();
      taken.push(next);
      rows += next.rowCount;
    } else {
      const [head, tail] = splitSegment(next, room);
      buffer[0] = tail;
      taken.push(head);
      rows += room;
    }
  }
  return taken;
}
