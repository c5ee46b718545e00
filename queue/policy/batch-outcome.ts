import { ErrorCode } from "../../protocol/errors.js";
import type { QueuedRows } from "../entities.js";
import { deadlineFailureMessage } from "./batch-deadline.js";
import { planFailure, planLoss, poisonRowMessage, poisonRowText, rowFailedMessage, type BisectOps } from "./bisection.js";
import { retryDelayMs } from "./retry-backoff.js";

/**
 * What a backend does with rows once the policy decided: the memory backend acts on its buffers and its clients'
 * sockets, the Redis backend on its carry and on the gateways that own the chunks. The decisions themselves (retry
 * or bisect, fail a row or the chunk, the messages) are made once, here.
 */
export interface OutcomeActions<T extends QueuedRows> extends BisectOps<T> {
  /** The rows [first, end) of the chunk `rows` belong to. */
  chunkRows(rows: T): readonly [number, number];
  /** "chunk 3 (rows 30–39 (10 rows)) of function \"embed\"", as errors name it. */
  describe(rows: T): string;
  /** Fails the chunk as a whole (a handler bug, not a row). */
  failChunk(rows: T, message: string, attempts: number): void;
  /** Fails these rows: a row error with the chunk's `returnErrors` (`rowText`), otherwise the chunk (`message`). */
  failRow(rows: T, code: ErrorCode, rowText: string, message: string, attempts: number): void;
  /** Runs these rows again at once, ahead of the buffer (isolation and bisection parts). */
  runNow(rows: T[]): void;
  /** Puts rows of a lost batch back, ahead of the buffer. */
  requeue(rows: T[]): void;
  /** Tells the chunk's client that its rows are retried (once per chunk). */
  retried(rows: T, attempt: number): void;
  /** Runs these rows again after `delayMs`. */
  retryAfter(rows: T[], delayMs: number): void;
  /** Counts a batch of several chunks split to run apart, and a retry. */
  count(what: "isolations" | "retries"): void;
}

/** The unfinished rows of a batch whose handler failed: retry, bisect, or fail them (policy/bisection.ts). */
export function handlerFailed<T extends QueuedRows>(live: T[], act: OutcomeActions<T>, handler: { message: string; retryable: boolean; retries: number; firstBackoffMs: number }): void {
  const { retries } = handler;
  const plan = planFailure(live, act, handler.retryable, retries);
  if (plan.isolated.length > 0) {
    // Several chunks shared the batch: run each alone now; nothing is charged to them (policy/isolation.ts).
    act.count("isolations");
    act.runNow(plan.isolated);
    return;
  }
  for (const rows of plan.unretryable) {
    const attempts = rows.failures + rows.losses;
    act.failChunk(rows, rowFailedMessage(act.describe(rows), undefined, attempts, retries, handler.message), attempts);
  }
  for (const rows of plan.failed) {
    const attempts = rows.failures + rows.losses;
    const [first, end] = act.chunkRows(rows);
    const row = end - first === 1 ? undefined : first + rows.offset;
    act.failRow(rows, ErrorCode.HandlerFailed, handler.message, rowFailedMessage(act.describe(rows), row, attempts, retries, handler.message), attempts);
  }
  // Retries ran out for several rows: their halves run apart, at once (policy/bisection.ts).
  act.runNow(plan.parts.flat());
  if (plan.retry.length === 0) return;
  act.count("retries");
  const told = new Set<string>();
  for (const rows of plan.retry) {
    if (told.has(act.key(rows))) continue;
    told.add(act.key(rows));
    act.retried(rows, rows.failures + 1);
  }
  act.retryAfter(plan.retry, retryDelayMs(handler.firstBackoffMs, Math.max(...plan.retry.map((r) => r.failures))));
}

export interface Loss {
  cause: "lost" | "deadline";
  /** The batch ran alone on its worker, so the loss is certainly its own. */
  alone: boolean;
  maxWorkerLosses: number;
  worker: { id: string; name: string };
  /** With cause "deadline": the deadline, and how many batches the worker has held past it. */
  batchDeadlineMs: number;
  hungBatches: number;
}

/**
 * The unfinished rows of a batch whose worker went away or that passed the batch deadline: delivered again, and past
 * `maxWorkerLosses` bisected down to the row that costs workers (policy/bisection.ts).
 */
export function batchLost<T extends QueuedRows>(live: T[], act: OutcomeActions<T>, loss: Loss): void {
  const plan = planLoss(live, act, loss.maxWorkerLosses, loss.cause, loss.alone);
  for (const rows of plan.failed) {
    const [first, end] = act.chunkRows(rows);
    const row = first + rows.offset;
    const attempts = rows.failures + rows.losses;
    if (loss.cause === "lost") {
      act.failRow(rows, ErrorCode.PoisonRow, poisonRowText(rows.losses, loss.worker.name), poisonRowMessage(act.describe(rows), row, rows.losses, loss.worker.name), attempts);
    } else {
      const { batchDeadlineMs, hungBatches } = loss;
      act.failRow(rows, ErrorCode.HandlerFailed, deadlineFailureMessage(`row ${row}`, rows.losses, batchDeadlineMs, loss.worker.name, hungBatches),
        deadlineFailureMessage(act.describe(rows) + (end - first === 1 ? "" : ` at row ${row}`), rows.losses, batchDeadlineMs, loss.worker.name, hungBatches),
        attempts);
    }
  }
  act.requeue(plan.requeue);
  act.runNow(plan.parts.flat());
}
