import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { tableFromArrays } from "apache-arrow";
import { decodeRows, encodeRows } from "../../protocol/arrow-ipc.js";
import { ResultCoverage } from "../../queue/backends/redis-coverage.js";

const part = (from: number, to: number) => encodeRows(tableFromArrays({ result: Float64Array.from({ length: to - from }, (_, i) => from + i) }));
const rows = (coverage: ResultCoverage) => coverage.parts().flatMap((bytes) => Array.from(decodeRows(bytes).getChild("result")!.toArray() as Float64Array));

describe("ResultCoverage (exactly-once results per row)", () => {
  it("assembles parts that arrive out of order into row order", () => {
    const coverage = new ResultCoverage(10);
    assert.equal(coverage.add(6, 4, part(6, 10)), 4);
    assert.equal(coverage.add(0, 6, part(0, 6)), 6);
    assert.equal(coverage.complete, true);
    assert.deepEqual(rows(coverage), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("discards a redelivered part whose rows are all here", () => {
    const coverage = new ResultCoverage(8);
    coverage.add(0, 4, part(0, 4));
    assert.equal(coverage.add(0, 4, part(0, 4)), 0);
    assert.equal(coverage.covered, 4);
    assert.equal(coverage.complete, false);
  });

  it("keeps only the new rows of a part that overlaps rows already here (a redelivery split differently)", () => {
    const coverage = new ResultCoverage(10);
    coverage.add(2, 3, part(2, 5));
    coverage.add(7, 1, part(7, 8));
    assert.equal(coverage.add(0, 10, part(0, 10)), 6);
    assert.equal(coverage.complete, true);
    assert.deepEqual(rows(coverage), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
