import { test } from "node:test";
import assert from "node:assert/strict";
import { escapeHtml, formatCount, formatDuration, formatNumber, formatValue, truncate } from "../../webview/lib/format.js";
import { tableFromArrays, tableFromJSON, vectorFromArray, List, Field, Float32 } from "apache-arrow";

test("escapeHtml() neutralizes markup, quotes and backticks", () => {
  assert.equal(escapeHtml(`<img src=x onerror=alert(1)>`), "&lt;img src=x onerror=alert(1)&gt;");
  assert.equal(escapeHtml(`a & "b" 'c' \`d\``), "a &amp; &quot;b&quot; &#39;c&#39; &#96;d&#96;");
  assert.equal(escapeHtml("&lt;"), "&amp;lt;");
});

test("formatValue() returns hostile strings unchanged, as text", () => {
  assert.equal(formatValue(`<img src=x onerror=alert(1)>`), `<img src=x onerror=alert(1)>`);
});

test("formatValue() formats scalars", () => {
  assert.equal(formatValue(null), "null");
  assert.equal(formatValue(undefined), "null");
  assert.equal(formatValue(42), "42");
  assert.equal(formatValue(0.1 + 0.2), "0.3");
  assert.equal(formatValue(123n), "123");
  assert.equal(formatValue(true), "true");
  assert.equal(formatValue(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), "2024-01-02T03:04:05.000Z");
  assert.equal(formatValue(new Uint8Array([1, 255])), "<2 bytes 01ff>");
  assert.equal(formatValue(NaN), "NaN");
  assert.equal(formatValue(-Infinity), "-Infinity");
});

test("formatValue() formats Arrow list and struct cells", () => {
  const lists = vectorFromArray([[1.5, 2.5]], new List(new Field("item", new Float32())));
  assert.equal(formatValue(lists.get(0)), "[1.5, 2.5]");
  const structs = tableFromJSON([{ a: 1, b: "x" }]);
  assert.equal(formatValue(structs.get(0)), `{a: 1, b: "x"}`);
  const t = tableFromArrays({ n: Int32Array.from([7]) });
  assert.equal(formatValue(t.getChild("n")!.get(0)), "7");
});

test("formatValue() truncates long text with an ellipsis", () => {
  assert.equal(formatValue("abcdefghij", { maxLength: 5 }), "abcd…");
  assert.equal(truncate("abc", 3), "abc");
});

test("formatValue() shows the first 20 items of a long list", () => {
  const v = Array.from({ length: 25 }, (_, i) => i);
  assert.equal(formatValue(v), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, … 5 more]");
});

test("formatNumber() uses exponents for tiny and huge floats", () => {
  assert.equal(formatNumber(0.00001234567), "1.23457e-5");
  assert.equal(formatNumber(1.5e20), "1.5e+20");
  assert.equal(formatNumber(123456789.123), "123457000");
  assert.equal(formatNumber(3.14159265), "3.14159");
});

test("formatDuration() and formatCount() are locale-free", () => {
  assert.equal(formatDuration(0.25), "250 ms");
  assert.equal(formatDuration(12.34), "12.3 s");
  assert.equal(formatDuration(125), "2 min 5 s");
  assert.equal(formatDuration(3780), "1 h 3 min");
  assert.equal(formatDuration(-1), "—");
  assert.equal(formatCount(1_234_567), "1,234,567");
  assert.equal(formatCount(-1000), "-1,000");
  assert.equal(formatCount(12), "12");
});
