import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChunkError, ErrorCode } from "../../protocol/errors.js";
import { startFixture, textTable, resultValues } from "../helpers/queue-fixture.js";

describe("retries", () => {
  it("retries a failing batch and succeeds within `retries`", async () => {
    const fixture = await startFixture({ retryBackoffMs: 5 });
    try {
      let calls = 0;
      await fixture.worker({ name: "flaky", maxBatchingSize: 10, maxBufferDuration: 1, retries: 3 }, (text: string[]) => {
        calls += 1;
        if (calls <= 2) throw new Error(`GPU hiccup ${calls}`);
        return text.map((t) => t.length);
      });
      const states: string[] = [];
      const result = await fixture.remote.function("flaky").chunkedCall(textTable(4), {
        chunkSize: 4,
        onProgress: (p) => states.push(p.chunks[0].state),
      });
      assert.equal(calls, 3);
      assert.deepEqual(resultValues(result), [5, 5, 5, 5]);
      assert.ok(states.includes("retried"), `progress reported a retry: ${states.join(",")}`);
      assert.equal(states.at(-1), "done");
      const metrics = await fixture.remote.stats();
      assert.match(metrics, /chalknb_retries_total\{function="flaky"\} 2/);
    } finally {
      await fixture.close();
    }
  });

  it("fails the chunk with the function, chunk, rows, attempts and handler message when retries run out", async () => {
    const fixture = await startFixture({ retryBackoffMs: 5 });
    try {
      let calls = 0;
      await fixture.worker({ name: "broken", maxBatchingSize: 10, maxBufferDuration: 1, retries: 1 }, (text: string[]) => {
        calls += 1;
        if (text.includes("row 7")) throw new Error("cannot embed row 7");
        return text;
      });
      const error = await fixture.remote.function("broken").chunkedCall(textTable(10), { chunkSize: 5, concurrentChunks: 1 }).then(
        () => assert.fail("expected the call to fail"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof ChunkError);
      assert.equal(error.code, ErrorCode.HandlerFailed);
      assert.equal(error.message, 'chunk 1 (rows 5–9 (5 rows)) of function "broken" failed after 2 attempts (retries: 1): cannot embed row 7');
      assert.deepEqual(error.rows, [5, 10]);
      assert.equal(error.chunk, 1);
      assert.equal(error.attempts, 2);
      assert.equal(calls, 3, "one call for chunk 0, two for chunk 1");
    } finally {
      await fixture.close();
    }
  });

  it("fails at once when the handler returns the wrong number of rows", async () => {
    const fixture = await startFixture();
    try {
      await fixture.worker({ name: "short", maxBatchingSize: 10, maxBufferDuration: 1, retries: 0 }, (text: string[]) => text.slice(1));
      await assert.rejects(fixture.remote.function("short").chunkedCall(textTable(3), { chunkSize: 3 }), {
        code: ErrorCode.HandlerFailed,
        message: 'chunk 0 (rows 0–2 (3 rows)) of function "short" failed after 1 attempt (retries: 0): the handler returned 2 values for a batch of 3 rows; it must return exactly one value per row, in order',
      });
    } finally {
      await fixture.close();
    }
  });
});
