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
 */

/** What the policy needs of a segment (memory) or piece (Redis). */
export interface BatchItem {
  readonly rowCount: number;
  /** Set once the item's chunk was in a failed batch with other chunks: it then only runs with its own chunk's rows. */
  isolated?: boolean;
  /** Handler failures charged to these rows. */
  failures: number;
}

/**
 * Takes up to `maxRows` rows from the front of `buffer` (mutating it), splitting the item that straddles the limit.
 * Isolated items go alone: a batch is either the isolated items of one chunk at the front of the buffer, or
 * non-isolated items up to the next isolated one.
 */
export function takeBatch<T extends BatchItem>(buffer: T[], maxRows: number, keyOf: (item: T) => string, split: (item: T, rows: number) => [T, T]): T[] {
  const taken: T[] = [];
  if (buffer.length === 0) return taken;
  const isolatedKey = buffer[0].isolated ? keyOf(buffer[0]) : undefined;
  let rows = 0;
  while (buffer.length > 0 && rows < maxRows) {
    const next = buffer[0];
    if (isolatedKey === undefined ? next.isolated : !next.isolated || keyOf(next) !== isolatedKey) break;
    const room = maxRows - rows;
    if (next.rowCount <= room) {
      buffer.shift();
      taken.push(next);
      rows += next.rowCount;
    } else {
      const [head, tail] = split(next, room);
      buffer[0] = tail;
      taken.push(head);
      rows += room;
    }
  }
  return taken;
}

export type FailurePlan<T> =
  | { isolate: true; items: T[] }
  | { isolate: false; retry: T[]; fail: T[] };

/**
 * What to do with the unfinished items of a failed batch: isolate them (the batch held several chunks), or charge the
 * failure to their one chunk and split them into rows to retry (within `retries`, retryable) and rows that fail.
 */
export function planFailure<T extends BatchItem>(live: T[], keyOf: (item: T) => string, retryable: boolean, retries: number): FailurePlan<T> {
  if (new Set(live.map(keyOf)).size > 1) {
    for (const item of live) item.isolated = true;
    return { isolate: true, items: live };
  }
  const retry: T[] = [];
  const fail: T[] = [];
  for (const item of live) {
    item.failures += 1;
    (retryable && item.failures <= retries ? retry : fail).push(item);
  }
  return { isolate: false, retry, fail };
}
