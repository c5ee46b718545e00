import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../protocol/errors.js";
import { cancelAllCalls } from "../../kernel/sdk/index.js";
import { startFixture, textTable, resultValues, sleep } from "../helpers/queue-fixture.js";

describe("timeouts, cancel and queue_full", () => {
  it("fails a chunk that outlives its timeout, naming the chunk, and keeps serving", async () => {
    const fixture = await startFixture();
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await fixture.worker({ name: "slow", maxBatchingSize: 10, maxBufferDuration: 1 }, async (text: string[]) => {
        if (text[0] === "row 0") await gate;
        return text;
      });
      const fn = fixture.remote.function("slow");
      await assert.rejects(fn.chunkedCall(textTable(3), { chunkSize: 3, timeout: 0.1 }), (error: Error & { code: string; rows: number[] }) => {
        assert.equal(error.code, ErrorCode.ChunkTimeout);
        assert.match(error.message, /^chunk 0 \(rows 0–2 \(3 rows\)\) of function "slow" timed out after 0\.1 s: 0 rows done, 3 running, 0 still queued/);
        assert.deepEqual(error.rows, [0, 3]);
        return true;
      });
      release(); // the late result is discarded by the queue
      const again = await fn.chunkedCall(textTable(2, "next"), { chunkSize: 2, timeout: 5 });
      assert.deepEqual(resultValues(again), ["next 0", "next 1"]);
    } finally {
      await fixture.close();
    }
  });

  it("cancel (AbortSignal) rejects the call and drops its queued rows", async () => {
    const fixture = await startFixture();
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const seen: string[] = [];
      await fixture.worker({ name: "gated", maxBatchingSize: 2, maxBufferDuration: 1 }, async (text: string[]) => {
        seen.push(...text);
        await gate;
        return text;
      }, { concurrency: 1 });
      const controller = new AbortController();
      const call = fixture.remote.function("gated").chunkedCall(textTable(10), { chunkSize: 2, concurrentChunks: 5, signal: controller.signal });
      while (seen.length === 0) await sleep(5);
      controller.abort("user pressed stop");
      await assert.rejects(call, { code: ErrorCode.Cancelled, message: 'call to "gated" (10 rows, 5 chunks) was cancelled: user pressed stop' });
      await sleep(20);
      const [info] = await fixture.remote.functions();
      assert.equal(info.bufferedRows, 0, "queued rows were dropped");
      release();
      await sleep(20);
      assert.deepEqual(seen, ["row 0", "row 1"], "no dropped row reached the handler");
    } finally {
      await fixture.close();
    }
  });

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

  it("answers queue_full past maxBufferedRows and the client backs off until it fits", async () => {
    const fixture = await startFixture({ maxBufferedRows: 20 });
    try {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await fixture.worker({ name: "held", maxBatchingSize: 10, maxBufferDuration: 1 }, async (text: string[]) => {
        await gate;
        return text.map((t) => t.length);
      }, { concurrency: 1 });
      const call = fixture.remote.function("held").chunkedCall(textTable(60), { chunkSize: 10, concurrentChunks: 6 });
      // 10 rows on the worker, 20 buffered: the other chunks get queue_full and back off.
      while (!/chalknb_queue_full_total\{function="held"\} [1-9]/.test(await fixture.remote.stats())) await sleep(10);
      const [info] = await fixture.remote.functions();
      assert.ok(info.bufferedRows <= 20, `buffered ${info.bufferedRows} rows, cap 20`);
      release();
      const result = await call;
      assert.deepEqual(resultValues(result), Array.from({ length: 60 }, (_, i) => `row ${i}`.length));
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
