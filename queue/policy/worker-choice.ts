import type { FunctionNeeds } from "../../protocol/messages.js";
import type { WorkerPeer } from "../entities.js";
import { meetsNeeds } from "./placement.js";

/** What a backend knows of the batches a worker holds: only whether each one runs alone. */
export type HeldBatches = { readonly size: number } & Iterable<{ readonly exclusive?: boolean }>;

/**
 * Who takes the next batch of a function: round robin over the workers with free credit that serve it, meet its
 * needs and may take it, so two workers share a steady stream evenly. A worker holding a batch that runs alone takes
 * nothing else, and a batch that runs alone (a bisection after lost workers) waits for an idle worker.
 */
export class WorkerChoice {
  #turn = 0;

  /** `held` gives the batches a worker holds on this gateway; undefined for a worker that is going away. */
  pick(workers: Iterable<WorkerPeer>, fn: string, needs: FunctionNeeds | undefined, exclusive: boolean,
    held: (worker: WorkerPeer) => HeldBatches | undefined): WorkerPeer | undefined {
    const candidates: WorkerPeer[] = [];
    for (const worker of workers) {
      if (worker.credits > 0 && worker.functions.has(fn) && mayTake(held(worker), exclusive) && meetsNeeds(worker.hardware, needs)) candidates.push(worker);
    }
    if (candidates.length === 0) return undefined;
    this.#turn = (this.#turn + 1) % candidates.length;
    return candidates[this.#turn];
  }
}

function mayTake(held: HeldBatches | undefined, exclusive: boolean): boolean {
  if (!held) return false;
  if (exclusive) return held.size === 0;
  for (const batch of held) if (batch.exclusive) return false;
  return true;
}

