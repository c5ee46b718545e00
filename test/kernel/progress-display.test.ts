import { test } from "node:test";
import assert from "node:assert/strict";
import type { CallProgress } from "../../protocol/progress.js";
import { createProgressDisplay } from "../../kernel/progress-display.js";
import { ManualClock } from "../helpers/manual-clock.js";

function progress(rowsDone: number, state: CallProgress["state"] = "running", callId = "c1"): CallProgress {
  return { callId, functionName: "embed", state, totalRows: 100, rowsDone, rowsPerSecond: 10, etaSeconds: null, startedAt: 0, chunks: [] };
}

test("progress display opens a display, then sends at most one update per interval with the latest state", () => {
  const clock = new ManualClock();
  const sent: [boolean, string, number][] = [];
  const display = createProgressDisplay({ clock, intervalMs: 100, send: (first, id, p) => sent.push([first, id, p.rowsDone]) });
  display.observe(progress(0));
  display.observe(progress(10));
  display.observe(progress(20));
  display.observe(progress(30));
  assert.deepEqual(sent, [[true, "progress-c1", 0]]);
  clock.advance(100);
  assert.deepEqual(sent, [[true, "progress-c1", 0], [false, "progress-c1", 30]]);
  clock.advance(1000);
  assert.equal(sent.length, 2);
});

test("progress display always sends the final state at once and ignores later updates of that call", () => {
  const clock = new ManualClock();
  const sent: [boolean, string, number, string][] = [];
  const display = createProgressDisplay({ clock, intervalMs: 100, send: (first, id, p) => sent.push([first, id, p.rowsDone, p.state]) });
  display.observe(progress(0));
  display.observe(progress(50));
  display.observe(progress(100, "done"));
  display.observe(progress(100, "done"));
  assert.deepEqual(sent, [
    [true, "progress-c1", 0, "running"],
    [false, "progress-c1", 100, "done"],
  ]);
});

test("progress display flush() sends pending updates of every call", () => {
  const clock = new ManualClock();
  const sent: string[] = [];
  const display = createProgressDisplay({ clock, intervalMs: 100, send: (first, id, p) => sent.push(`${first ? "open" : "update"} ${id} ${p.rowsDone}`) });
  display.observe(progress(0, "running", "a"));
  display.observe(progress(0, "running", "b"));
  display.observe(progress(5, "running", "a"));
  display.observe(progress(7, "running", "b"));
  display.flush();
  assert.deepEqual(sent, ["open progress-a 0", "open progress-b 0", "update progress-a 5", "update progress-b 7"]);
});

test("progress display is the one throttle: a 10k-chunk call's every change makes one open, one update per interval and the final state", () => {
  const clock = new ManualClock();
  const sent: [boolean, number, string][] = [];
  const display = createProgressDisplay({ clock, intervalMs: 100, send: (first, _id, p) => sent.push([first, p.rowsDone, p.state]) });
  display.observe(progress(0));
  for (let row = 1; row <= 10_000; row++) display.observe(progress(row));
  assert.deepEqual(sent, [[true, 0, "running"]]);
  clock.advance(100);
  assert.deepEqual(sent.at(-1), [false, 10_000, "running"]);
  display.observe(progress(10_000, "failed"));
  assert.deepEqual(sent, [[true, 0, "running"], [false, 10_000, "running"], [false, 10_000, "failed"]]);
});
