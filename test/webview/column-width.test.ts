import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_FIT_CH, fittedWidth, rowNumberWidth } from "../../webview/lib/column-width.js";

test("rowNumberWidth() fits the largest row number: 29,143 rows need 5 digits", () => {
  assert.equal(rowNumberWidth(29_143), "calc(5ch + 14px)");
  assert.equal(rowNumberWidth(100_000), "calc(5ch + 14px)"); // rows 0 … 99,999
  assert.equal(rowNumberWidth(100_001), "calc(6ch + 14px)");
  assert.equal(rowNumberWidth(5), "calc(3ch + 14px)"); // never narrower than the "row" header
});

test("fittedWidth() fits a text column to its header and longest sampled value, within bounds", () => {
  assert.equal(fittedWidth("text", "Utf8", ["Document 1", "Document 12"]), "calc(11ch + 14px)");
  assert.equal(fittedWidth("a_long_column_name", "Utf8", ["x"]), "calc(19ch + 14px)");
  assert.equal(fittedWidth("t", "Dictionary<Int32, Utf8>", ["ab"]), "calc(21ch + 14px)");
  assert.equal(fittedWidth("t", "Utf8", ["x".repeat(500)]), `calc(${MAX_FIT_CH}ch + 14px)`);
  assert.equal(fittedWidth("t", "Utf8", []), "calc(6ch + 14px)");
});
