import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planFailure, planLoss, type BisectItem, type BisectOps } from "../../queue/policy/bisection.js";

/** A run of rows [offset, offset + rowCount) of one chunk, as the policy sees a segment or piece. */
interface Rows extends BisectItem {
  chunk: string;
  offset: number;
}

const ops: BisectOps<Rows> = {
  key: (item) => item.chunk,
  split: (item, rows) => [{ ...item, rowCount: rows }, { ...item, offset: item.offset + rows, rowCount: item.rowCount - rows }],
};

const rows = (chunk: string, offset: number, rowCount: number): Rows => ({ chunk, offset, rowCount, failures: 0, losses: 0 });

/**
 * Runs batches through the failure policy the way a backend does: a batch that holds a bad row fails; its plan's
 * retries, parts and isolated items run again until every row succeeded or failed for good.
 */
function drive(first: Rows[][], bad: Set<number>, retries: number) {
  const queue = [...first];
  const failed: Array<{ row: number; attempts: number }> = [];
  const done = new Set<number>();
  let runs = 0;
  while (queue.length > 0) {
    const batch = queue.shift()!;
    runs += 1;
    const held = batch.flatMap((item) => Array.from({ length: item.rowCount }, (_, i) => item.offset + i));
    if (!held.some((row) => bad.has(row))) {
      for (const row of held) done.add(row);
      continue;
    }
    const plan = planFailure(batch, ops, true, retries);
    for (const chunk of new Set(plan.isolated.map((i) => i.chunk))) queue.unshift(plan.isolated.filter((i) => i.chunk === chunk));
    queue.unshift(...plan.parts);
    if (plan.retry.length > 0) queue.push(plan.retry);
    for (const item of plan.failed) failed.push({ row: item.offset, attempts: item.failures + item.losses });
  }
  return { failed, done, runs };
}

describe("bisection (policy/bisection.ts)", () => {
  it("finds one bad row among 100 in about 2·log2(100) runs after the retries, and retries it alone before it fails", () => {
    const { failed, done, runs } = drive([[rows("c", 0, 100)]], new Set([37]), 2);
    assert.deepEqual(failed, [{ row: 37, attempts: 3 }]);
    assert.equal(done.size, 99);
    // 3 runs of the whole batch, 2 per halving (100 → 50 → 25 → 13 → 6 → 3 → 1), 2 more runs of row 37 alone.
    assert.equal(runs, 3 + 2 * 6 + 2);
  });

  it("finds every bad row and delivers all the others", () => {
    const bad = new Set([0, 13, 14, 63]);
    const { failed, done } = drive([[rows("c", 0, 64)]], bad, 0);
    assert.deepEqual(failed.map((f) => f.row).sort((a, b) => a - b), [0, 13, 14, 63]);
    assert.deepEqual(failed.map((f) => f.attempts), [1, 1, 1, 1]);
    assert.equal(done.size, 60);
    for (const row of bad) assert.ok(!done.has(row));
  });

  it("splits a batch of several segments of one chunk across segment boundaries", () => {
    const plan = planFailure([rows("c", 0, 3), rows("c", 10, 4)], ops, true, 0);
    assert.deepEqual(plan.parts.map((part) => part.map((i) => [i.offset, i.rowCount])), [[[0, 3], [10, 1]], [[11, 3]]]);
    assert.notEqual(plan.parts[0][0].group, plan.parts[1][0].group, "each half is a group of its own");
    assert.equal(plan.parts[0][0].group, plan.parts[0][1].group);
    assert.ok(plan.parts.flat().every((i) => i.isolated && i.bisecting && i.failures === 0));
  });

  it("isolates a batch of several chunks before charging anything", () => {
    const live = [rows("a", 0, 2), rows("b", 0, 2)];
    const plan = planFailure(live, ops, true, 0);
    assert.equal(plan.isolated.length, 2);
    assert.deepEqual(live.map((i) => i.failures), [0, 0]);
  });

  it("fails a batch whose failure is not retryable as a whole: no bisection", () => {
    const plan = planFailure([rows("c", 0, 8)], ops, false, 3);
    assert.equal(plan.unretryable.length, 1);
    assert.deepEqual([plan.parts.length, plan.failed.length, plan.retry.length], [0, 0, 0]);
  });

  it("delivers a lost batch again within maxWorkerLosses, then bisects it into exclusive parts down to the poison row", () => {
    let batch = [rows("c", 0, 8)];
    for (let loss = 1; loss <= 2; loss++) {
      const plan = planLoss(batch, ops, 2, "lost", true);
      assert.equal(plan.requeue.length, 1, `loss ${loss} is delivered again`);
      batch = plan.requeue;
    }
    let plan = planLoss(batch, ops, 2, "lost", true);
    assert.deepEqual(plan.parts.map((p) => p.map((i) => [i.offset, i.rowCount])), [[[0, 4]], [[4, 4]]]);
    assert.ok(plan.parts.flat().every((i) => i.exclusive && i.isolated));
    // The part holding row 5 loses its worker: split at once (no more allowance), then the row alone is poison.
    plan = planLoss(plan.parts[1], ops, 2, "lost", true);
    assert.deepEqual(plan.parts.map((p) => p.map((i) => [i.offset, i.rowCount])), [[[4, 2]], [[6, 2]]]);
    plan = planLoss(plan.parts[0], ops, 2, "lost", true);
    plan = planLoss(plan.parts[1], ops, 2, "lost", true);
    assert.deepEqual(plan.failed.map((i) => [i.offset, i.losses]), [[5, 6]]);
  });

  it("runs a single row that shared its lost worker alone before calling it poison", () => {
    const plan = planLoss([rows("c", 0, 1)], ops, 0, "lost", false);
    assert.equal(plan.failed.length, 0);
    assert.deepEqual(plan.parts.map((p) => p.map((i) => i.exclusive)), [[true]]);
    assert.equal(planLoss(plan.parts[0], ops, 0, "lost", false).failed.length, 1, "alone on its worker, the loss is its own");
  });

  it("fails a single row past its deadline at once (the deadline is the batch's own)", () => {
    const plan = planLoss([rows("c", 0, 1)], ops, 0, "deadline", false);
    assert.equal(plan.failed.length, 1);
  });
});
