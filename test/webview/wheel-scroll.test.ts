import { test } from "node:test";
import assert from "node:assert/strict";
import { wheelDecision, wheelDeltaPx } from "../../webview/lib/wheel-scroll.js";

const grid = (scrollTop: number) => ({ scrollTop, clientHeight: 300, scrollHeight: 1_000 });

test("wheelDecision(): a focused grid scrolls itself while it can scroll that way, clamped to its ends", () => {
  assert.deepEqual(wheelDecision(grid(0), 100, true), { grid: true, scrollTop: 100 });
  assert.deepEqual(wheelDecision(grid(650), 100, true), { grid: true, scrollTop: 700 });
  assert.deepEqual(wheelDecision(grid(50), -100, true), { grid: true, scrollTop: 0 });
});

test("wheelDecision(): at its end that way the grid leaves the wheel to the notebook", () => {
  assert.deepEqual(wheelDecision(grid(700), 100, true), { grid: false, hideScroller: false });
  assert.deepEqual(wheelDecision(grid(699.5), 100, true), { grid: false, hideScroller: false });
  assert.deepEqual(wheelDecision(grid(0), -100, true), { grid: false, hideScroller: false });
  assert.deepEqual(wheelDecision({ scrollTop: 0, clientHeight: 300, scrollHeight: 300 }, 100, true), { grid: false, hideScroller: false });
  assert.deepEqual(wheelDecision(grid(300), 0, true), { grid: false, hideScroller: false });
});

test("wheelDecision(): a grid without the focus lets the wheel scroll the notebook down past it", () => {
  assert.deepEqual(wheelDecision(grid(0), 100, false), { grid: false, hideScroller: true });
  assert.deepEqual(wheelDecision(grid(700), 100, false), { grid: false, hideScroller: false });
  // Scrolled part way, it still scrolls back up to its top first, then passes the wheel on.
  assert.deepEqual(wheelDecision(grid(300), -100, false), { grid: true, scrollTop: 200 });
  assert.deepEqual(wheelDecision(grid(0), -100, false), { grid: false, hideScroller: false });
});

test("wheelDeltaPx() converts line and page deltas to px", () => {
  assert.equal(wheelDeltaPx(3, 0, 22, 300), 3);
  assert.equal(wheelDeltaPx(3, 1, 22, 300), 66);
  assert.equal(wheelDeltaPx(-1, 2, 22, 300), -300);
});
