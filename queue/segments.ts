import { decodeRows, encodeRows } from "../protocol/arrow-ipc.js";
import type { FunctionSpec } from "../protocol/messages.js";
import type { Segment } from "./entities.js";
import { takeBatch } from "./policy/isolation.js";
import { costLimit } from "./policy/cost.js";
import { takeBucket } from "./policy/cost-buckets.js";

/** Rows [from, to) of a segment, re-encoded (only done when a batch boundary or a bucket cuts a chunk). */
export function sliceSegment(segment: Segment, from: number, to: number): Segment {
  const table = (segment.table ??= decodeRows(segment.bytes));
  const rows = table.slice(from, to);
  return {
    ...segment, offset: segment.offset + from, rowCount: to - from, bytes: encodeRows(rows), table: rows,
    costs: segment.costs?.subarray(from, to),
  };
}

/** Splits a segment after `rowCount` rows; re-encodes both halves. */
export function splitSegment(segment: Segment, rowCount: number): [Segment, Segment] {
  return [sliceSegment(segment, 0, rowCount), sliceSegment(segment, rowCount, segment.rowCount)];
}

/**
 * Takes the next batch from the front of `buffer` (mutating it): up to `maxBatchingSize` rows and, for a function
 * that batches by cost, up to `maxBatchingCost` (policy/cost.ts; with `sortByCost`, rows of similar cost,
 * policy/cost-buckets.ts), splitting the segment that straddles a limit; isolated segments go in batches of their own
 * chunk or bisection group (policy/isolation.ts, policy/bisection.ts).
 */
export function takeRows(buffer: Segment[], spec: Pick<FunctionSpec, "maxBatchingSize" | "maxBatchingCost" | "cost" | "sortByCost"> | number): Segment[] {
  if (typeof spec === "number") return takeBatch(buffer, spec, (s) => s.chunk.key, splitSegment);
  const limits = { maxRows: spec.maxBatchingSize, maxCost: costLimit(spec) };
  if (spec.sortByCost) {
    const bucket = takeBucket(buffer, limits, { slice: sliceSegment });
    if (bucket) return bucket;
  }
  return takeBatch(buffer, limits, (s) => s.chunk.key, splitSegment);
}
