import { type BatchItem, isolate } from "./isolation.js";

/**
 * Bad rows fail alone (issue 12, item 3), the same on both backends.
 *
 * Handler failures. A batch of one chunk's rows that fails is retried up to `retries` times (with backoff), as
 * before. When its retries run out, the failure is taken to be caused by some of its rows, and the queue bisects the
 * batch: its two halves run apart, at once (no backoff: this is a search, not a wait for a transient fault). A half
 * that succeeds delivers its results; a half of several rows that fails is split again at once; a single row that
 * fails is retried `retries` times alone (so a transient fault during the search never fails a good row) and then
 * fails. k bad rows among n cost about 2·k·log2(n) extra runs. A failure the worker marks not retryable (the handler
 * returned the wrong number of rows: a bug in the handler, not a bad row) fails the chunk at once, as before.
 *
 * Worker losses. A batch whose worker goes away is delivered again, up to `maxWorkerLosses` times. Past that it is
 * bisected the same way, its parts running *exclusively* (alone on a worker, nothing beside them), so that the next
 * loss is certainly theirs: a part of several rows that loses its worker is split again; a single row that loses its
 * worker while alone on it is a poison row and fails with `CHALKNB_POISON_ROW`; the other rows go on. A batch past
 * the batch deadline counts as a loss too (policy/batch-deadline.ts); its single row then fails as before, naming
 * the hung worker.
 *
 * What a failed row does: with the chunk's `returnErrors`, it becomes a row error in the chunk's result (the result
 * column null, the error column the handler's message) and the chunk goes on; without it, the chunk fails, the
 * message naming the row. Bisection starts only within one chunk's rows: a batch of several chunks is first isolated
 * (policy/isolation.ts), so one client's bad row never costs another client a run.
 */

/** What bisection needs of a segment (memory) or piece (Redis). */
export interface BisectItem extends BatchItem {
  /** Workers lost (or batch deadlines passed) while holding these rows. */
  losses: number;
  /** In a bisection after handler failures: a failed batch of several of these rows is split at once. */
  bisecting?: boolean;
  /** In a bisection after worker losses: runs alone on a worker, so a loss is certainly its own. */
  exclusive?: boolean;
}

export interface BisectOps<T> {
  /** The item's chunk. */
  key(item: T): string;
  /** Splits an item after `rows` rows. */
  split(item: T, rows: number): [T, T];
}

export interface FailurePlan<T> {
  /** Several chunks shared the batch: each chunk's rows run alone, at once, charged nothing (policy/isolation.ts). */
  isolated: T[];
  /** Within their retries: run again after the backoff. */
  retry: T[];
  /** Retries ran out: each part runs apart, at once. */
  parts: T[][];
  /** One row whose retries ran out alone: it fails (a row error, or its chunk fails naming it). */
  failed: T[];
  /** The worker said retrying cannot help (a handler bug, not a row): these rows' chunk fails as a whole. */
  unretryable: T[];
}

/** The plan for the unfinished items of a batch whose handler failed. */
export function planFailure<T extends BisectItem>(live: T[], ops: BisectOps<T>, retryable: boolean, retries: number): FailurePlan<T> {
  const plan: FailurePlan<T> = { isolated: [], retry: [], parts: [], failed: [], unretryable: [] };
  if (live.length === 0) return plan;
  if (new Set(live.map(ops.key)).size > 1) {
    plan.isolated = isolate(live);
    return plan;
  }
  if (!retryable) {
    for (const item of live) item.failures += 1;
    plan.unretryable = live;
    return plan;
  }
  const rows = countRows(live);
  const exhausted: T[] = [];
  for (const item of live) {
    item.failures += 1;
    const searching = item.bisecting === true && rows > 1;
    (item.failures <= retries && !searching ? plan.retry : exhausted).push(item);
  }
  if (exhausted.length === 0) return plan;
  if (rows === 1) plan.failed = exhausted;
  else plan.parts = bisect(exhausted, ops, (item) => (item.bisecting = true));
  return plan;
}

export interface LossPlan<T> {
  /** Within `maxWorkerLosses`: delivered again (at the front of the buffer). */
  requeue: T[];
  /** Past it: each part runs apart, at once (exclusively after a lost worker). */
  parts: T[][];
  /** A single row whose loss is certainly its own: a poison row (lost worker), or a row its worker hung on (deadline). */
  failed: T[];
}

/**
 * The plan for the unfinished items of a batch whose worker went away (`cause: "lost"`) or that passed the batch
 * deadline (`cause: "deadline"`). `alone`: the batch was the only one on its worker, so a lost worker is its doing.
 */
export function planLoss<T extends BisectItem>(live: T[], ops: BisectOps<T>, maxWorkerLosses: number, cause: "lost" | "deadline", alone: boolean): LossPlan<T> {
  const plan: LossPlan<T> = { requeue: [], parts: [], failed: [] };
  if (live.length === 0) return plan;
  const rows = countRows(live);
  const exhausted: T[] = [];
  for (const item of live) {
    item.losses += 1;
    const searching = item.exclusive === true && rows > 1;
    (item.losses <= maxWorkerLosses && !searching ? plan.requeue : exhausted).push(item);
  }
  if (exhausted.length === 0) return plan;
  // A deadline is the batch's own (it has a timer); a lost worker only when nothing else ran beside the batch.
  const own = cause === "deadline" || alone || live.every((item) => item.exclusive === true);
  const mark = (item: T) => {
    if (cause === "lost") item.exclusive = true;
  };
  if (rows === 1 && own) {
    plan.failed = exhausted;
    return plan;
  }
  const chunks = new Map<string, T[]>();
  for (const item of exhausted) chunks.set(ops.key(item), [...(chunks.get(ops.key(item)) ?? []), item]);
  if (chunks.size > 1) {
    // Several chunks: each alone first (policy/isolation.ts), so a poison row never costs another chunk a split.
    plan.parts = [...chunks.values()].map((items) => regroup(items, ops, mark));
  } else if (countRows(exhausted) === 1) {
    plan.parts = [regroup(exhausted, ops, mark)]; // one row that shared its worker: alone now, to be sure
  } else {
    plan.parts = bisect(exhausted, ops, mark);
  }
  return plan;
}

/** `chunk 1 (rows 5–9 (5 rows)) of function "f" failed at row 7 after 2 attempts (retries: 1): <handler message>`. */
export function rowFailedMessage(chunk: string, row: number | undefined, attempts: number, retries: number, handlerMessage: string): string {
  return `${chunk} failed${row === undefined ? "" : ` at row ${row}`} after ${attempts} attempt${attempts === 1 ? "" : "s"} (retries: ${retries}): ${handlerMessage}`;
}

/** The row error (returnErrors, code CHALKNB_POISON_ROW) of a poison row. */
export function poisonRowText(losses: number, workerName: string): string {
  return `every batch holding it lost its worker (${losses} time${losses === 1 ? "" : "s"}), the last time while it ran alone on worker ` +
    `${workerName}; the other rows went on. Check the workers' logs for crashes or out-of-memory kills`;
}

/** The chunk error of a poison row (code CHALKNB_POISON_ROW). */
export function poisonRowMessage(chunk: string, row: number, losses: number, workerName: string): string {
  return `${chunk} failed: row ${row} is a poison row: ${poisonRowText(losses, workerName)}`;
}

/** Group keys of bisection parts: unique within the process, never equal to a chunk key. */
let groupSequence = 0;

/** Splits items (of one chunk) into two halves by rows, each a group of its own. */
function bisect<T extends BisectItem>(items: T[], ops: BisectOps<T>, mark: (item: T) => void): T[][] {
  const total = countRows(items);
  const first: T[] = [];
  const second: T[] = [];
  let remaining = Math.ceil(total / 2);
  for (const item of items) {
    if (remaining === 0) second.push(item);
    else if (item.rowCount <= remaining) {
      first.push(item);
      remaining -= item.rowCount;
    } else {
      const [head, tail] = ops.split(item, remaining);
      first.push(head);
      second.push(tail);
      remaining = 0;
    }
  }
  return [regroup(first, ops, mark), regroup(second, ops, mark)].filter((part) => part.length > 0);
}

/** Makes `items` one isolated group of their own, with a fresh retry count. */
function regroup<T extends BisectItem>(items: T[], ops: BisectOps<T>, mark: (item: T) => void): T[] {
  const group = items.length > 0 ? `${ops.key(items[0])}/part-${++groupSequence}` : "";
  for (const item of items) {
    item.isolated = true;
    item.group = group;
    item.failures = 0;
    mark(item);
  }
  return items;
}

function countRows(items: readonly BatchItem[]): number {
  let rows = 0;
  for (const item of items) rows += item.rowCount;
  return rows;
}
