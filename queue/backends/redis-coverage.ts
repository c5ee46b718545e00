import { decodeRows, encodeRows } from "../../protocol/arrow-ipc.js";
import type { RowError } from "../../protocol/messages.js";

interface Part {
  offset: number;
  rows: number;
  /** Result rows; absent for rows that failed (`error`). */
  bytes?: Uint8Array;
  error?: Omit<RowError, "offset" | "count">;
}

/**
 * The result rows of one chunk received so far, by row offset. Delivery to handlers is at-least-once (a reclaimed
 * entry runs again, perhaps split differently), so a part may repeat rows already here: only rows not yet covered
 * are kept, which makes the client's result exactly-once per row.
 */
export class ResultCoverage {
  readonly #rowCount: number;
  #parts: Part[] = [];
  #covered = 0;

  constructor(rowCount: number) {
    this.#rowCount = rowCount;
  }

  get covered(): number {
    return this.#covered;
  }

  get complete(): boolean {
    return this.#covered === this.#rowCount;
  }

  /** Adds rows [offset, offset + rows); returns how many of them were new. */
  add(offset: number, rows: number, bytes: Uint8Array): number {
    const gaps = this.#gaps(offset, offset + rows);
    if (gaps.length === 0) return 0;
    if (gaps.length === 1 && gaps[0][0] === offset && gaps[0][1] === offset + rows) {
      this.#insert({ offset, rows, bytes });
    } else {
      // Rare: a redelivery overlapping rows already here. Keep only the new rows' slices.
      const table = decodeRows(bytes);
      for (const [from, to] of gaps) this.#insert({ offset: from, rows: to - from, bytes: encodeRows(table.slice(from - offset, to - offset)) });
    }
    return gaps.reduce((n, [from, to]) => n + to - from, 0);
  }

  /** Rows [offset, offset + rows) failed for good (`returnErrors`); returns how many of them were new. */
  addError(offset: number, rows: number, error: Omit<RowError, "offset" | "count">): number {
    const gaps = this.#gaps(offset, offset + rows);
    for (const [from, to] of gaps) this.#insert({ offset: from, rows: to - from, error });
    return gaps.reduce((n, [from, to]) => n + to - from, 0);
  }

  /** The result parts in row order (with the error ranges they tile [0, rowCount) once complete). */
  parts(): Uint8Array[] {
    return this.#parts.flatMap((p) => (p.bytes ? [p.bytes] : []));
  }

  /** The failed row ranges in row order (`returnErrors`). */
  errors(): RowError[] {
    return this.#parts.flatMap((p) => (p.error ? [{ offset: p.offset, count: p.rows, ...p.error }] : []));
  }

  #insert(part: Part): void {
    let i = this.#parts.length;
    while (i > 0 && this.#parts[i - 1].offset > part.offset) i--;
    this.#parts.splice(i, 0, part);
    this.#covered += part.rows;
  }

  /** Sub-ranges of [from, to) not covered yet (clipped to the chunk). */
  #gaps(from: number, to: number): Array<[number, number]> {
    const gaps: Array<[number, number]> = [];
    let cursor = Math.max(0, from);
    const end = Math.min(to, this.#rowCount);
    for (const part of this.#parts) {
      if (cursor >= end) break;
      const partEnd = part.offset + part.rows;
      if (partEnd <= cursor) continue;
      if (part.offset >= end) break;
      if (part.offset > cursor) gaps.push([cursor, part.offset]);
      cursor = Math.max(cursor, partEnd);
    }
    if (cursor < end) gaps.push([cursor, end]);
    return gaps;
  }
}
