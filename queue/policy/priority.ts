import type { CallPriority } from "../../protocol/messages.js";

/**
 * Priority (issue 12 item 5), the same rule on both backends: when a batch is formed, rows of interactive calls (a
 * notebook's `chunkedCall`, `stream`, `deferBatch`) go first, except that every `BATCH_TURN`-th batch takes batch
 * rows (`spawn`'s default) first, so a steady stream of interactive work never starves batch work: batch rows get at
 * least 1 in `BATCH_TURN` batches while both kinds wait.
 */
export const BATCH_TURN = 4;

/**
 * A backend that reads rows in order from a shared log (the Redis rows stream) reads this many batches' worth ahead
 * while it holds batch rows, so interactive rows queued behind them can lead. @default 8
 */
export const PRIORITY_WINDOW_BATCHES = 8;

/** Counts the batches a function formed and says whose turn the next one is. */
export class PriorityTurns {
  #formed = 0;

  /** The priority whose rows lead the next batch; call once per batch formed from a mixed buffer. */
  next(): CallPriority {
    this.#formed += 1;
    return this.#formed % BATCH_TURN === 0 ? "batch" : "interactive";
  }
}

/**
 * Puts the rows of the priority whose turn it is at the front of `buffer` (a stable partition, in place), behind any
 * isolated items at its front (retries and bisection parts keep their place: they have waited longest). Returns
 * false, touching nothing and using no turn, when the buffer holds one priority only.
 */
export function orderByPriority<T extends { isolated?: boolean }>(buffer: T[], priorityOf: (item: T) => CallPriority, turns: PriorityTurns): boolean {
  let start = 0;
  while (start < buffer.length && buffer[start].isolated) start += 1;
  if (start >= buffer.length) return false;
  const first = priorityOf(buffer[start]);
  let mixed = false;
  for (let i = start + 1; i < buffer.length && !mixed; i++) mixed = priorityOf(buffer[i]) !== first;
  if (!mixed) return false;
  const turn = turns.next();
  const rest = buffer.splice(start);
  const leading = rest.filter((item) => priorityOf(item) === turn);
  const trailing = rest.filter((item) => priorityOf(item) !== turn);
  buffer.push(...leading, ...trailing);
  return true;
}
