import { test } from "node:test";
import assert from "node:assert/strict";
import { tableFromArrays, vectorFromArray, List, Field, Float32, makeTable } from "apache-arrow";
import { describeProgress, formatVector, previewTable } from "../../kernel/text-preview.js";

test("formatVector() shortens long vectors to two values and the count", () => {
  assert.equal(formatVector(new Float32Array(512).fill(0.5).map((_, i) => (i === 0 ? 0.0123 : i === 1 ? -0.03 : 0.5))), "[0.012, -0.03, … 512 values]");
  assert.equal(formatVector([1, 2, 3]), "[1, 2, 3]");
});

test("previewTable() shows row count, schema, first rows and list cells shortened", () => {
  const embeddings = vectorFromArray(
    Array.from({ length: 7 }, (_, i) => Float32Array.from({ length: 512 }, (_, j) => (j === 0 ? i / 100 : -0.03))),
    new List(new Field("item", new Float32())),
  );
  const t = tableFromArrays({ text: ["a", "b", "c", "d", "e", "f", "g"] });
  const withVectors = t.assign(makeTable({ result: embeddings } as never));
  assert.equal(
    previewTable(withVectors),
    [
      "Table: 7 rows × 2 columns",
      "schema: text: Dictionary<Int32, Utf8>, result: List<Float32>",
      "text │ result",
      "─────┼────────────────────────────",
      '"a"  │ [0, -0.03, … 512 values]',
      '"b"  │ [0.01, -0.03, … 512 values]',
      '"c"  │ [0.02, -0.03, … 512 values]',
      '"d"  │ [0.03, -0.03, … 512 values]',
      '"e"  │ [0.04, -0.03, … 512 values]',
      "… 2 more rows",
    ].join("\n"),
  );
});

test("describeProgress() summarises rows, chunks by state, rate and ETA", () => {
  const text = describeProgress({
    callId: "x",
    functionName: "embed",
    state: "running",
    totalRows: 100,
    rowsDone: 50,
    rowsPerSecond: 24.6,
    etaSeconds: 2.1,
    startedAt: 0,
    chunks: [
      { index: 0, rows: [0, 25], state: "done", attempts: 1 },
      { index: 1, rows: [25, 50], state: "done", attempts: 1 },
      { index: 2, rows: [50, 75], state: "running", attempts: 1 },
      { index: 3, rows: [75, 100], state: "queued", attempts: 0 },
    ],
  });
  assert.equal(text, "embed: 50/100 rows (50%) · chunks 2 done, 1 running, 1 queued · 25 rows/s · ETA 3s");
});
