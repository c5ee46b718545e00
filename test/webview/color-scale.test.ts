import { test } from "node:test";
import assert from "node:assert/strict";
import { autoCodes, categoryCodes, codeColor, hexToRgb, NULL_CODE, numericCodes, OTHER_CODE, paletteFor, RAMP_STEPS } from "../../webview/lib/color-scale.js";

test("categoryCodes() gives the most frequent values the first codes; the rest share other, nulls their own", () => {
  const values = ["b", "a", "b", null, "c", "b", "a"];
  const { codes, legend } = categoryCodes((i) => values[i], values.length);
  assert.deepEqual(Array.from(codes), [0, 1, 0, NULL_CODE, 2, 0, 1]);
  assert.deepEqual(legend, { kind: "categorical", entries: [{ label: "b", count: 3, code: 0 }, { label: "a", count: 2, code: 1 }, { label: "c", count: 1, code: 2 }], other: 0, nulls: 1 });
  const many = Array.from({ length: 25 }, (_, i) => `v${String(i).padStart(2, "0")}`);
  const r = categoryCodes((i) => many[i], many.length);
  assert.equal(r.legend.kind === "categorical" && r.legend.other, 5);
  assert.equal(r.codes[24], OTHER_CODE, "ties break by label, so the last labels fall into other");
});

test("numericCodes() spreads values over the ramp, min at 0 and max at the last step", () => {
  const values = [10, 20, null, 15, Number.NaN, 10n];
  const { codes, legend } = numericCodes((i) => values[i], values.length);
  assert.deepEqual(legend, { kind: "numeric", min: 10, max: 20, nulls: 2 });
  assert.deepEqual(Array.from(codes), [0, RAMP_STEPS - 1, NULL_CODE, RAMP_STEPS / 2, NULL_CODE, 0]);
});

test("autoCodes() treats a few distinct numbers as categories and many as a ramp; text is categorical", () => {
  assert.equal(autoCodes((i) => i % 3, 100).legend.kind, "categorical");
  assert.equal(autoCodes((i) => i * 0.5, 100).legend.kind, "numeric");
  assert.equal(autoCodes((i) => `t${i}`, 100).legend.kind, "categorical");
});

test("paletteFor() colours categories apart, the ramp from dark to light, and the base colour without a column", () => {
  const base: [number, number, number] = [1, 2, 3];
  const none = paletteFor({ kind: "none" }, base);
  assert.equal(codeColor(none, 0), "rgb(1, 2, 3)");
  const cat = paletteFor({ kind: "categorical", entries: [], other: 0, nulls: 0 }, base);
  assert.notEqual(codeColor(cat, 0), codeColor(cat, 1));
  assert.notEqual(codeColor(cat, OTHER_CODE), codeColor(cat, NULL_CODE));
  const num = paletteFor({ kind: "numeric", min: 0, max: 1, nulls: 0 }, base);
  const lum = (c: number): number => num[c * 4]! + num[c * 4 + 1]! + num[c * 4 + 2]!;
  assert.ok(lum(0) < lum(RAMP_STEPS / 2) && lum(RAMP_STEPS / 2) < lum(RAMP_STEPS - 1), "brightness rises along the ramp");
  assert.deepEqual(hexToRgb("#3794ff"), [55, 148, 255]);
});
