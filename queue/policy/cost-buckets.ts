import type { BatchItem, BatchLimits } from "./isolation.js";

/**
 * Length bucketing (`sortByCost: true`, issue 12 item 4), the same on both backends. A model that pads each batch to
 * its longest row wastes the padding: a batch of nine 10-word rows and one 500-word row costs as much as ten 500-word
 * rows. With `sortByCost` the queue forms each batch from rows of similar cost within a window of the buffer
 * (`SORT_WINDOW_BATCHES` batches' worth of rows at its front): the batch holds the oldest buffered row (so every row
 * still leaves by its deadline, and the order of arrival is kept batch by batch) and, next to it, the rows whose cost
 * is closest to its own, up to the batch limits. Rows left behind keep their place in the buffer.
 *
 * Rows picked out of the middle of a chunk's segment are re-encoded (a slice per run of consecutive rows), which is
 * the price of bucketing; isolated rows (retries, bisection) are never bucketed.
 */

/** The window of rows bucketing chooses from, in batches of `maxBatchingSize`. */
export const SORT_WINDOW_BATCHES = 8;

export interface BucketOps<T> {
  /** Rows [from, to) of an item, as an item of their own. */
  slice(item: T, from: number, to: number): T;
}

/**
 * Takes one batch of similar-cost rows from the non-isolated front of `buffer` (mutating it). Returns undefined when
 * the front item is isolated: the caller forms that batch as usual.
 */
export function takeBucket<T extends BatchItem>(buffer: T[], limits: BatchLimits, ops: BucketOps<T>): T[] | undefined {
  if (buffer.length === 0 || buffer[0].isolated) return undefined;
  const windowRows = limits.maxRows * SORT_WINDOW_BATCHES;
  // The window: rows of the leading non-isolated items, at most windowRows of them.
  const rows: Array<{ item: number; row: number; cost: number }> = [];
  let items = 0;
  while (items < buffer.length && !buffer[items].isolated && rows.length < windowRows) {
    const item = buffer[items];
    const take = Math.min(item.rowCount, windowRows - rows.length);
    for (let row = 0; row < take; row++) rows.push({ item: items, row, cost: item.costs ? item.costs[row] : 0 });
    items += 1;
  }
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].cost - rows[b].cost || a - b);
  // Grow the batch around the oldest row (window row 0) through its neighbours in cost order, closest cost first.
  const anchor = order.indexOf(0);
  const target = rows[0].cost;
  let lo = anchor;
  let hi = anchor;
  let cost = rows[0].cost;
  let count = 1;
  const fits = (i: number) => count < limits.maxRows && (limits.maxCost === undefined || cost + rows[order[i]].cost <= limits.maxCost);
  while (count < limits.maxRows) {
    const below = lo > 0 && fits(lo - 1) ? lo - 1 : undefined;
    const above = hi < order.length - 1 && fits(hi + 1) ? hi + 1 : undefined;
    if (below === undefined && above === undefined) break;
    const next = below === undefined ? above! : above === undefined ? below
      : Math.abs(rows[order[above]].cost - target) < Math.abs(rows[order[below]].cost - target) ? above : below;
    cost += rows[order[next]].cost;
    count += 1;
    if (next < lo) lo = next;
    else hi = next;
  }
  const chosen = new Set(order.slice(lo, hi + 1));
  // Cut each window item into runs of chosen / left rows: chosen runs form the batch, the others stay in place.
  const batch: T[] = [];
  const kept: T[] = [];
  let index = 0;
  for (let i = 0; i < items; i++) {
    const item = buffer[i];
    const picked: boolean[] = new Array(item.rowCount).fill(false);
    while (index < rows.length && rows[index].item === i) {
      if (chosen.has(index)) picked[rows[index].row] = true;
      index += 1;
    }
    let from = 0;
    while (from < item.rowCount) {
      let to = from + 1;
      while (to < item.rowCount && picked[to] === picked[from]) to += 1;
      const part = from === 0 && to === item.rowCount ? item : ops.slice(item, from, to);
      (picked[from] ? batch : kept).push(part);
      from = to;
    }
  }
  buffer.splice(0, items, ...kept);
  return batch;
}
