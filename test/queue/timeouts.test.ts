import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../protocol/errors.js";
import { cancelAllCalls } from "../../kernel/sdk/index.js";
import { startFixture, textTable, resultValues, sleep } from "../helpers/queue-fixture.js";

describe("timeouts, cancel and queue_full", () => {
  it("cancelAllCalls() (kernel interrupt) cancels every call in flight", async () => {
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "never", maxBatchingSize: 2, maxBufferDuration: 1 }, (text: string[]) => new Promise(() => void text));
      const call = fixture.remote.function("never").chunkedCall(textTable(4), { chunkSize: 2 });
      await sleep(20);
      assert.equal(cancelAllCalls("interrupted"), 1);
      await assert.rejects(call, { code: ErrorCode.Cancelled, message: 'call to "never" (4 rows, 2 chunks) was cancelled: interrupted' });
    } finally {
      await fixture.close();
    }
  });

  it("refuses a chunk larger than maxBufferedRows with advice", async () => {
    const fixture = await startFixture({ maxBufferedRows: 5 });
    try {
      await fixture.worker({ name: "f", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      await assert.rejects(fixture.remote.function("f").chunkedCall(textTable(6), { chunkSize: 6 }), {
        code: ErrorCode.QueueFull,
        message: "chunk 0 has 6 rows, more than the queue's maxBufferedRows (5); use a smaller chunkSize",
      });
    } finally {
      await fixture.close();
    }
  });
});
