import { test } from "node:test";
import assert from "node:assert/strict";
import { byFunction, counterRate, parsePrometheus } from "../../webview/lib/prometheus.js";

const text = [
  "# HELP chalknb_rows_in_total Rows submitted.",
  "# TYPE chalknb_rows_in_total counter",
  'chalknb_rows_in_total{function="embed"} 1000',
  'chalknb_rows_in_total{function="we\\"ird, name"} 5',
  'chalknb_batch_fill_ratio{function="embed"} 0.96',
  'chalknb_batch_size_bucket{function="embed",le="+Inf"} 40',
  "process_up 1 1700000000000",
  "garbage line here",
].join("\n");

test("parsePrometheus() reads names, escaped labels, +Inf bounds and timestamps; skips garbage", () => {
  assert.deepEqual(parsePrometheus(text), [
    { name: "chalknb_rows_in_total", labels: { function: "embed" }, value: 1000 },
    { name: "chalknb_rows_in_total", labels: { function: 'we"ird, name' }, value: 5 },
    { name: "chalknb_batch_fill_ratio", labels: { function: "embed" }, value: 0.96 },
    { name: "chalknb_batch_size_bucket", labels: { function: "embed", le: "+Inf" }, value: 40 },
    { name: "process_up", labels: {}, value: 1 },
  ]);
});

test("byFunction() indexes one metric by its function label", () => {
  assert.deepEqual([...byFunction(parsePrometheus(text), "chalknb_rows_in_total")], [["embed", 1000], ['we"ird, name', 5]]);
});

test("counterRate() is per second and 0 after a counter reset", () => {
  assert.equal(counterRate(100, 300, 2), 100);
  assert.equal(counterRate(undefined, 300, 2), 0);
  assert.equal(counterRate(300, 10, 2), 0);
});
