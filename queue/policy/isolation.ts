import { rowsWithinCost } from "./cost.js";

/**
 * Failure isolation, the same on both backends (issue 9, defect 3).
 *
 * A batch merges rows of several chunks, often of several clients. When such a batch fails, nothing says whose rows
 * the handler choked on, so the failure is counted against no chunk: each chunk's rows are run again as a batch of
 * their own ("isolated"), at once and without backoff. Only a failure of a batch holding one chunk's rows counts
 * against that chunk's `retries` and reaches its client, so one client's bad row (and the handler's message, which
 * may quote it) never fails or reaches another client's call, and within a call the error names the chunk that holds
 * the bad row. Rows stay isolated until their chunk finishes (retries and redeliveries included), so an isolated
 * chunk never fails a merged batch again.
 *
 * Attempts: an isolation run is not an attempt. A chunk's `attempts` (and the batch's `attempt`) count the runs whose
 * outcome was charged to it — failures of its own batches and lost workers — plus one; so with `retries: 0` a chunk
 * fails after its first isolated failure, reported as "1 attempt", and a chunk that merely shared a failed batch
 * succeeds with `attempts: 1`. The `chalknb_isolations_total` counter counts the failed merged batches.
 *
 * What happens to one chunk's rows that keep failing (retries, then bisection down to the failing rows) is
 * policy/bisection.ts.
 */

/** What the policy needs of a segment (memory) or piece (Redis). */
export interface BatchItem {
  readonly rowCount: number;
  /** Set once the item's chunk was in a failed batch with other chunks: it then only runs with its own chunk's rows. */
  isolated?: boolean;
  /**
   * What isolated items run with: items of the same group only. Unset: their chunk. Bisection (policy/bisection.ts)
   * gives each half of a failed batch a group of its own, so the halves run apart.
   */
  group?: string;
  /** Handler failures charged to these rows. */
  failures: number;
  /** Each row's cost, when the function batches by cost (policy/cost.ts). */
  readonly costs?: Float64Array;
}

/** The limits of one batch: rows, and the cost of a function that batches by cost (policy/cost.ts). */
export interface BatchLimits {
  maxRows: number;
  maxCost?: number;
}

/**
 * Takes up to `maxRows` rows (and, with `maxCost`, the rows whose costs fit within it; a first row above it goes
 * alone) from the front of `buffer` (mutating it), splitting the item that straddles a limit. Isolated items go
 * alone: a batch is either the isolated items of one group at the front of the buffer, or non-isolated items up to
 * the next isolated one.
 */
export function takeBatch<T extends BatchItem>(buffer: T[], limits: number | BatchLimits, keyOf: (item: T) => string, split: (item: T, rows: number) => [T, T]): T[] {
  const { maxRows, maxCost } = typeof limits === "number" ? { maxRows: limits, maxCost: undefined } : limits;
  const groupOf = (item: T) => item.group ?? keyOf(item);
  const taken: T[] = [];
  if (buffer.length === 0) return taken;
  const isolatedGroup = buffer[0].isolated ? groupOf(buffer[0]) : undefined;
  let rows = 0;
  let cost = 0;
  while (buffer.length > 0 && rows < maxRows) {
    const next = buffer[0];
    if (isolatedGroup === undefined ? next.isolated : !next.isolated || groupOf(next) !== isolatedGroup) break;
    let room = Math.min(next.rowCount, maxRows - rows);
    if (maxCost !== undefined) ({ rows: room, cost } = rowsWithinCost(next, room, rows, cost, maxCost));
    if (room === 0) break;
    rows += room;
    if (room === next.rowCount) {
      buffer.shift();
      taken.push(next);
      continue;
    }
    const [head, tail] = split(next, room);
    buffer[0] = tail;
    taken.push(head);
    break; // a limit cut this item: the batch is full
  }
  return taken;
}

/** Marks the items of a failed batch of several chunks isolated: each chunk's rows then run alone, uncharged. */
export function isolate<T extends BatchItem>(items: T[]): T[] {
  for (const item of items) item.isolated = true;
  return items;
}
