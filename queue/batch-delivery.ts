import type { EventEmitter } from "node:events";
import { encodeFrameParts } from "../protocol/frame-codec.js";
import type { DoneMessage, FunctionSpec } from "../protocol/messages.js";
import type { BatchEvent } from "./backend.js";
import type { QueuedRows, WorkerPeer } from "./entities.js";
import { batchCost } from "./policy/cost.js";

export interface Delivery {
  id: string;
  spec: FunctionSpec;
  attempt: number;
  rows: readonly QueuedRows[];
  rowCount: number;
  reason: BatchEvent["reason"];
}

/** A batch's attempt number: one more than the most deliveries any of its rows has had. */
export function batchAttempt(rows: readonly QueuedRows[]): number {
  return Math.max(...rows.map((r) => r.failures + r.losses)) + 1;
}

/** Sends a batch to its worker (one Arrow IPC part per run of rows) and tells `events` listeners, the same on every backend. */
export function deliverBatch(worker: WorkerPeer, events: EventEmitter, delivery: Delivery): void {
  const { id, spec, attempt, rows, rowCount, reason } = delivery;
  worker.send(encodeFrameParts(
    { type: "batch", batchId: id, function: spec.name, attempt, segments: rows.map((r) => ({ rows: r.rowCount, bytes: r.bytes.byteLength })) },
    rows.map((r) => r.bytes),
  ));
  const cost = spec.cost ? batchCost(rows) : undefined;
  events.emit("batch", { functionName: spec.name, batchId: id, rows: rowCount, reason, attempt, workerId: worker.id, ...(cost === undefined ? {} : { cost }) } satisfies BatchEvent);
}

/** Why a worker's `done` does not fit the batch it was sent (a handler bug, so not retried); undefined when it fits. */
export function resultMismatch(message: DoneMessage, parts: readonly Uint8Array[], sent: readonly QueuedRows[]): string | undefined {
  if (parts.length === sent.length && message.segments.every((s, i) => s.rows === sent[i].rowCount)) return undefined;
  return `the worker returned ${message.segments.map((s) => s.rows).join("+")} result rows for segments of ${sent.map((r) => r.rowCount).join("+")}`;
}
