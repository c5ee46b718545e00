import { test } from "node:test";
import assert from "node:assert/strict";
import type { CallProgress } from "../../protocol/progress.js";
import { ProgressTracker } from "../../sdk/progress-tracker.js";

// The SDK does not throttle: the kernel's progress display owns the rate (see test/kernel/progress-display.test.ts).

test("progress tracker publishes every chunk state change, retries and failures included, then the final state", () => {
  const seen: CallProgress[] = [];
  const tracker = new ProgressTracker("c1", "embed", [[0, 2], [2, 4]], (p) => seen.push(p));
  tracker.chunk(0, "running", { attempts: 1 });
  tracker.chunk(0, "retried", { attempts: 1 });
  tracker.chunk(0, "running", { attempts: 2 });
  tracker.chunk(0, "done", { attempts: 2 });
  tracker.chunk(1, "running", { attempts: 1 });
  tracker.chunk(1, "failed", { attempts: 1, error: { code: "X", message: "boom" } });
  tracker.finish("failed");
  assert.deepEqual(seen.map((p) => p.chunks.map((c) => c.state).join(",")), [
    "queued,queued", "running,queued", "retried,queued", "running,queued", "done,queued", "done,running", "done,failed", "done,failed",
  ]);
  assert.deepEqual(seen.map((p) => p.state), ["running", "running", "running", "running", "running", "running", "running", "failed"]);
  assert.equal(seen[4].rowsDone, 2);
});

test("a published progress never changes afterwards, though later ones share its unchanged chunks", () => {
  const seen: CallProgress[] = [];
  const tracker = new ProgressTracker("c1", "embed", [[0, 1], [1, 2], [2, 3]], (p) => seen.push(p));
  tracker.chunk(0, "running", { attempts: 1 });
  const before = structuredClone(seen[1]);
  tracker.chunk(0, "done", { attempts: 1 });
  tracker.waiting("waiting for a worker");
  tracker.finish("cancelled");
  assert.deepEqual(seen[1], before);
  assert.deepEqual(seen.at(-1)!.chunks.map((c) => c.state), ["done", "cancelled", "cancelled"]);
  assert.equal(seen.at(-1)!.waiting, undefined);
  assert.equal(seen[2].chunks[2], seen[1].chunks[2], "an unchanged chunk is shared, not copied");
});
