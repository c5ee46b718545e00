import { test } from "node:test";
import assert from "node:assert/strict";
import { sampleRows, seededRandom } from "../../maths/random.js";

test("seededRandom() repeats its sequence for a seed and stays in [0, 1)", () => {
  const a = seededRandom(7), b = seededRandom(7), c = seededRandom(8);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(Array.from({ length: 1000 }, () => b()), xs);
  assert.notEqual(c(), xs[0]);
  assert.ok(xs.every((x) => x >= 0 && x < 1));
});

test("sampleRows() draws distinct valid rows, ascending, the same for a seed; all of them when few", () => {
  const valid = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 3 ? 0 : 1));
  const s = sampleRows(1000, 100, 1, valid);
  assert.equal(s.length, 100);
  assert.equal(new Set(s).size, 100);
  assert.ok(s.every((r, i) => valid[r] === 1 && (i === 0 || r > s[i - 1]!)));
  assert.deepEqual([...sampleRows(1000, 100, 1, valid)], [...s]);
  assert.notDeepEqual([...sampleRows(1000, 100, 2, valid)], [...s]);
  assert.deepEqual([...sampleRows(5, 10, 1, Uint8Array.from([1, 0, 1, 1, 0]))], [0, 2, 3]);
  assert.deepEqual([...sampleRows(3, 0, 1)], []);
});

test("sampleRows() is not a stride: rows in a period (i % 4) are all represented", () => {
  const s = sampleRows(4000, 200, 1);
  const perGroup = [0, 0, 0, 0];
  for (const r of s) perGroup[r % 4]!++;
  assert.ok(perGroup.every((n) => n > 30), `per group ${perGroup}`);
});
