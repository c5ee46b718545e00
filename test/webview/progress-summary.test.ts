import { test } from "node:test";
import assert from "node:assert/strict";
import type { CallProgress } from "../../protocol/progress.js";
import { chunkTooltip, progressText, summarizeProgress } from "../../webview/lib/progress-summary.js";

const running: CallProgress = {
  callId: "c1", functionName: "embed", state: "running", totalRows: 1000, rowsDone: 750, rowsPerSecond: 312.4,
  etaSeconds: 0.8, startedAt: 1_000,
  chunks: [
    { index: 0, rows: [0, 250], state: "done", attempts: 1, submittedAt: 1_000, startedAt: 1_200, finishedAt: 2_000 },
    { index: 1, rows: [250, 500], state: "retried", attempts: 2, submittedAt: 1_000 },
    { index: 2, rows: [500, 750], state: "done", attempts: 1 },
    { index: 3, rows: [750, 1000], state: "failed", attempts: 4, error: { code: "CHALKNB_HANDLER_FAILED", message: "<b>boom</b>" } },
  ],
};

test("summarizeProgress() counts chunk states and writes the headline", () => {
  const s = summarizeProgress(running);
  assert.deepEqual(s.counts, { queued: 0, running: 0, done: 2, retried: 1, failed: 1, cancelled: 0 });
  assert.equal(s.fraction, 0.75);
  assert.equal(s.headline, "750 / 1,000 rows · 312 rows/s · ETA 800 ms");
  assert.deepEqual(s.failed.map((c) => c.index), [3]);
});

test("summarizeProgress() reports the total time of a finished call", () => {
  const s = summarizeProgress({ ...running, state: "done", rowsDone: 1000, etaSeconds: 0, finishedAt: 4_200 });
  assert.equal(s.headline, "1,000 / 1,000 rows · 312 rows/s · done in 3.2 s");
});

test("chunkTooltip() lists rows, attempts, timings and the error", () => {
  assert.equal(chunkTooltip(running.chunks[0]!), "chunk 0 · rows [0, 250) · done\nattempts: 1\nwaited 200 ms in queue\nran 800 ms");
  assert.equal(chunkTooltip(running.chunks[3]!), "chunk 3 · rows [750, 1000) · failed\nattempts: 4\nCHALKNB_HANDLER_FAILED: <b>boom</b>");
});

test("progressText() is the plain-text twin", () => {
  assert.equal(progressText(running), [
    "embed: 750 / 1,000 rows · 312 rows/s · ETA 800 ms",
    "chunks: 2 done, 1 retried, 1 failed",
    "failed chunk 3 rows [750, 1000): CHALKNB_HANDLER_FAILED: <b>boom</b>",
  ].join("\n"));
});
