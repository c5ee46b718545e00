import { test } from "node:test";
import assert from "node:assert/strict";
import { computeVirtualWindow, scrollTopForRow } from "../../webview/lib/virtual-window.js";

test("computeVirtualWindow() renders only the visible rows plus overscan at the top", () => {
  assert.deepEqual(computeVirtualWindow({ scrollTop: 0, viewportHeight: 100, rowHeight: 20, rowCount: 100_000, overscan: 2 }), {
    first: 0, end: 7, scrollHeight: 2_000_000, offsetTop: 0,
  });
});

test("computeVirtualWindow() windows the middle of 100k rows", () => {
  assert.deepEqual(computeVirtualWindow({ scrollTop: 1_000_010, viewportHeight: 100, rowHeight: 20, rowCount: 100_000, overscan: 3 }), {
    first: 49_997, end: 50_009, scrollHeight: 2_000_000, offsetTop: 999_940,
  });
});

test("computeVirtualWindow() clamps a scrollTop past the end to the last rows", () => {
  assert.deepEqual(computeVirtualWindow({ scrollTop: 9e9, viewportHeight: 100, rowHeight: 20, rowCount: 1000, overscan: 0 }), {
    first: 995, end: 1000, scrollHeight: 20_000, offsetTop: 19_900,
  });
});

test("computeVirtualWindow() of an empty table is empty", () => {
  assert.deepEqual(computeVirtualWindow({ scrollTop: 50, viewportHeight: 100, rowHeight: 20, rowCount: 0 }), {
    first: 0, end: 0, scrollHeight: 0, offsetTop: 0,
  });
});

test("computeVirtualWindow() compresses a spacer taller than maxScrollHeight and reaches the last row", () => {
  const base = { viewportHeight: 100, rowHeight: 20, rowCount: 1_000_000, overscan: 0, maxScrollHeight: 1_000_100 };
  assert.deepEqual(computeVirtualWindow({ ...base, scrollTop: 0 }), { first: 0, end: 5, scrollHeight: 1_000_100, offsetTop: 0 });
  assert.deepEqual(computeVirtualWindow({ ...base, scrollTop: 1_000_000 }), {
    first: 999_995, end: 1_000_000, scrollHeight: 1_000_100, offsetTop: 1_000_000,
  });
  assert.deepEqual(computeVirtualWindow({ ...base, scrollTop: 500_000 }), {
    first: 499_998, end: 500_003, scrollHeight: 1_000_100, offsetTop: 500_000,
  });
});

test("scrollTopForRow() inverts the window mapping", () => {
  const base = { viewportHeight: 100, rowHeight: 20, rowCount: 1_000_000, overscan: 0, maxScrollHeight: 1_000_100 };
  for (const row of [0, 12_345, 499_998, 999_995]) {
    const w = computeVirtualWindow({ ...base, scrollTop: scrollTopForRow(row, base) });
    assert.equal(w.first, row);
  }
  assert.equal(scrollTopForRow(7, { viewportHeight: 100, rowHeight: 20, rowCount: 100 }), 140);
});

test("computeVirtualWindow() rejects a zero row height", () => {
  assert.throws(() => computeVirtualWindow({ scrollTop: 0, viewportHeight: 100, rowHeight: 0, rowCount: 10 }), {
    name: "RangeError", message: "rowHeight must be > 0, got 0",
  });
});
