import { test } from "node:test";
import assert from "node:assert/strict";
import { NULL_CODE, OTHER_CODE, RAMP_STEPS } from "../../maths/color-codes.js";
import { codeColor, hexToRgb, paletteFor } from "../../webview/lib/color-scale.js";

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
