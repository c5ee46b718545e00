import type { FunctionSpec } from "../../protocol/messages.js";
import { type CostedItem, costFull, costLimit } from "./cost.js";

/**
 * When held rows make a batch: once they fill it (`maxBatchingSize` rows, or `maxBatchingCost` for a function that
 * batches by cost), or once the oldest has waited `maxBufferDuration` ms, whichever comes first.
 */
export function batchReady(spec: FunctionSpec, held: readonly CostedItem[], heldRows: number, oldestAt: number, now: number): { full: boolean; due: boolean } {
  const maxCost = costLimit(spec);
  const full = heldRows >= spec.maxBatchingSize || (maxCost !== undefined && costFull(held, spec.maxBatchingSize, maxCost));
  return { full, due: heldRows > 0 && now - oldestAt >= spec.maxBufferDuration };
}
