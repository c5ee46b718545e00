import { test } from "node:test";
import assert from "node:assert/strict";
import { wheelDeltaPx, wheelScrollTop } from "../../webview/lib/wheel-scroll.js";

const grid = (scrollTop: number) => ({ scrollTop, clientHeight: 300, scrollHeight: 1_000 });

test("wheelScrollTop() scrolls the grid while it can scroll that way, clamped to its ends", () => {
  assert.equal(wheelScrollTop(grid(0), 100), 100);
  assert.equal(wheelScrollTop(grid(650), 100), 700);
  assert.equal(wheelScrollTop(grid(50), -100), 0);
});

test("wheelScrollTop() leaves the event to the notebook when the grid is at its end that way", () => {
  assert.equal(wheelScrollTop(grid(700), 100), undefined);
  assert.equal(wheelScrollTop(grid(699.5), 100), undefined);
  assert.equal(wheelScrollTop(grid(0), -100), undefined);
  assert.equal(wheelScrollTop({ scrollTop: 0, clientHeight: 300, scrollHeight: 300 }, 100), undefined); // nothing to scroll
  assert.equal(wheelScrollTop(grid(300), 0), undefined);
});

test("wheelDeltaPx() converts line and page deltas to px", () => {
  assert.equal(wheelDeltaPx(3, 0, 22, 300), 3);
  assert.equal(wheelDeltaPx(3, 1, 22, 300), 66);
  assert.equal(wheelDeltaPx(-1, 2, 22, 300), -300);
});
