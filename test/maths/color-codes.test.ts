import { test } from "node:test";
import assert from "node:assert/strict";
import { autoCodes, categoryCodes, NULL_CODE, numericCodes, OTHER_CODE, RAMP_STEPS } from "../../maths/color-codes.js";

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

test("autoCodes() of a column with more than 20 values: the most frequent first, the rest other, null its own", () => {
  const cats = Array.from({ length: 30 }, (_, i) => (i < 5 ? "a" : `v${i}`));
  cats.push(null as unknown as string);
  const c = autoCodes((i) => cats[i], cats.length);
  assert.equal(c.legend.kind, "categorical");
  assert.equal(c.codes[0], 0, "the most frequent value gets code 0");
  assert.equal(c.codes[30], NULL_CODE);
  const other = Array.from(c.codes).filter((x) => x === OTHER_CODE).length;
  assert.equal(other, 25 - (20 - 1), "values past the top 20 share the other code");
  const nums = Array.from({ length: 100 }, (_, i) => i / 10);
  const n = autoCodes((i) => nums[i], 100);
  assert.deepEqual(n.legend, { kind: "numeric", min: 0, max: 9.9, nulls: 0 });
  assert.equal(n.codes[0], 0);
  assert.equal(n.codes[99], RAMP_STEPS - 1);
});
