/**
 * Batches that stay on a worker too long (issue 9, defect 6), the same on both backends.
 *
 * A batch is taken back from its worker — the worker's slot (credit) freed, the batch's reply discarded if it ever
 * comes — in two cases:
 * - every chunk with rows in it has finished (timed out, cancelled, failed elsewhere, or its client left): nobody
 *   wants its result, so the slot goes back at once ("abandoned");
 * - it passed the batch deadline (`batchDeadlineMs`): its unfinished rows are delivered again, counted like a lost
 *   worker (past `maxWorkerLosses` their chunks fail, naming the worker), and the worker is marked hung until it
 *   answers that batch. A hung worker keeps receiving batches: a handler stuck on one input usually serves others.
 */

interface HungBatch {
  readonly workerId: string;
  readonly workerName: string;
  readonly functionName: string;
}

/** Batches past their deadline that their worker has not answered yet, by batch id. */
export class HungBatches {
  readonly #batches = new Map<string, HungBatch>();

  mark(worker: { readonly id: string; readonly name: string }, batchId: string, functionName: string): void {
    this.#batches.set(batchId, { workerId: worker.id, workerName: worker.name, functionName });
  }

  /** The worker answered a batch (late): it is no longer hung on it. */
  returned(batchId: string): void {
    this.#batches.delete(batchId);
  }

  /** The worker left: its hung batches go with it. */
  forgetWorker(workerId: string): void {
    for (const [id, batch] of this.#batches) if (batch.workerId === workerId) this.#batches.delete(id);
  }

  /** Batches this worker holds past their deadline. */
  count(workerId: string): number {
    let n = 0;
    for (const batch of this.#batches.values()) if (batch.workerId === workerId) n += 1;
    return n;
  }

  /** Names of the workers holding a batch of each function past its deadline (at most 10 per function). */
  byFunction(): Record<string, string[]> {
    const names = new Map<string, Set<string>>();
    for (const batch of this.#batches.values()) {
      let set = names.get(batch.functionName);
      if (!set) names.set(batch.functionName, (set = new Set()));
      set.add(batch.workerName);
    }
    return Object.fromEntries([...names].map(([fn, set]) => [fn, [...set].sort().slice(0, 10)]));
  }
}

/** The error of a chunk whose rows ran out of redeliveries on a batch that passed its deadline. */
export function deadlineFailureMessage(chunk: string, deliveries: number, deadlineMs: number, workerName: string, hungBatches: number): string {
  return `${chunk} failed: its rows went unanswered ${deliveries} time${deliveries === 1 ? "" : "s"} (workers lost, or batches past the batch deadline); ` +
    `the last time worker ${workerName} did not return its batch within the batch deadline of ${deadlineMs / 1000} s and is marked hung ` +
    `(${hungBatches} batch${hungBatches === 1 ? "" : "es"} it never returned). The handler may never return for these rows: ` +
    `check that worker, or raise batchDeadlineMs if batches legitimately take longer`;
}
