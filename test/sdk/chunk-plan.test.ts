import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planChunks, timeoutMs, validateConcurrency } from "../../sdk/chunk-plan.js";
import { ErrorCode } from "../../protocol/errors.js";

describe("planChunks()", () => {
  it("cuts chunkSize-row chunks with a short last one", () => {
    assert.deepEqual(planChunks(7, { chunkSize: 3 }), [[0, 3], [3, 6], [6, 7]]);
  });
  it("makes exactly numChunks chunks whose sizes differ by at most one row", () => {
    assert.deepEqual(planChunks(10, { numChunks: 4 }), [[0, 3], [3, 6], [6, 8], [8, 10]]);
  });
  it("returns no chunks for an empty table", () => {
    assert.deepEqual(planChunks(0, { chunkSize: 5 }), []);
  });
  it("refuses bad values with a message saying what was expected", () => {
    const invalid = (options: object, message: string) =>
      assert.throws(() => planChunks(10, options), { code: ErrorCode.InvalidArgument, message });
    invalid({ chunkSize: 2, numChunks: 3 }, "chunkSize (2) and numChunks (3) are mutually exclusive: pass one of them");
    invalid({}, "chunkedCall needs chunkSize (rows per chunk) or numChunks (number of chunks)");
    invalid({ chunkSize: 0 }, "chunkSize must be a positive integer, got 0");
    invalid({ chunkSize: -5 }, "chunkSize must be a positive integer, got -5");
    invalid({ numChunks: 2.5 }, "numChunks must be a positive integer, got 2.5");
    invalid({ numChunks: 11 }, "numChunks (11) is more than the table's 10 rows; use at most 10 chunks or chunkSize");
  });
  it("validates concurrency and timeouts", () => {
    assert.equal(validateConcurrency(undefined), 4);
    assert.throws(() => validateConcurrency(0), { message: "concurrentChunks must be a positive integer, got 0" });
    assert.equal(timeoutMs(1.5), 1500);
    assert.equal(timeoutMs(null), null);
    assert.throws(() => timeoutMs(-1), { message: "timeout is in seconds and must be a positive number (or null to wait forever), got -1" });
  });
});
