import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ChunkError, ErrorCode } from "../../protocol/errors.js";
import { Remote } from "../../kernel/sdk/index.js";
import type { QueueOptions } from "../../queue/index.js";
import { startFixture, textTable, resultValues, sleep, type QueueFixture } from "../helpers/queue-fixture.js";

export interface SuiteBackend {
  /** Shown in test names. */
  label: string;
  /** A reason to skip, or false. */
  skip: string | false;
  /** Options for a fresh queue (a fresh key prefix on Redis), given the test's own options. */
  options(extra?: QueueOptions): QueueOptions;
  /** Called after each test with the options it used (deletes the Redis keys). */
  cleanup?(options: QueueOptions): Promise<void>;
}

/**
 * The behaviour every backend must show clients and workers (issue 6: "both backends pass one shared test suite").
 * Batching is asserted on batch sizes and reasons, never on wall-clock windows.
 */
export function backendSuite(backend: SuiteBackend): void {
  const withFixture = async (extra: QueueOptions, run: (fixture: QueueFixture) => Promise<void>) => {
    const options = backend.options(extra);
    const fixture = await startFixture(options);
    try {
      await run(fixture);
    } finally {
      await fixture.close();
      await backend.cleanup?.(options);
    }
  };

  describe(`${backend.label} backend: ordering and batching`, { skip: backend.skip }, () => {
    it("keeps input order when chunks finish out of order", () => withFixture({}, async (fixture) => {
      const finished: string[] = [];
      const handler = async (text: string[]) => {
        const index = Number(text[0].split(" ")[1]);
        await sleep(index < 10 ? 60 : 5);
        finished.push(text[0]);
        return text.map((t) => Number(t.split(" ")[1]) * 2);
      };
      await fixture.worker({ name: "double", maxBatchingSize: 5, maxBufferDuration: 1 }, handler, { concurrency: 4 });
      await fixture.worker({ name: "double", maxBatchingSize: 5, maxBufferDuration: 1 }, handler, { concurrency: 4 });
      const result = await fixture.remote.function("double").chunkedCall(textTable(40), { chunkSize: 5, concurrentChunks: 8 });
      assert.notEqual(finished[0], "row 0", "the first chunk did not finish first");
      assert.deepEqual(resultValues(result), Array.from({ length: 40 }, (_, i) => i * 2));
    }));

    it("fills a batch from several chunks when rows arrive fast (no deadline can pass)", () => withFixture({}, async (fixture) => {
      const sizes: number[] = [];
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 30_000 }, (text: string[]) => {
        sizes.push(text.length);
        return text.map((t) => t.toUpperCase());
      });
      const result = await fixture.remote.function("echo").chunkedCall(textTable(40), { chunkSize: 5, concurrentChunks: 8 });
      assert.deepEqual(sizes, [10, 10, 10, 10]);
      assert.deepEqual(fixture.batches.map((b) => b.reason), ["full", "full", "full", "full"]);
      assert.deepEqual(resultValues(result), Array.from({ length: 40 }, (_, i) => `ROW ${i}`));
    }));

    it("splits a chunk larger than maxBatchingSize and sends the rest after maxBufferDuration", () => withFixture({}, async (fixture) => {
      const batches: string[][] = [];
      await fixture.worker({ name: "echo", maxBatchingSize: 4, maxBufferDuration: 50 }, (text: string[]) => {
        batches.push([...text]);
        return text;
      }, { concurrency: 1 });
      const result = await fixture.remote.function("echo").chunkedCall(textTable(10), { chunkSize: 10 });
      assert.deepEqual(fixture.batches.map((b) => [b.rows, b.reason]), [[4, "full"], [4, "full"], [2, "deadline"]]);
      assert.deepEqual(batches.flat(), Array.from({ length: 10 }, (_, i) => `row ${i}`));
      assert.deepEqual(resultValues(result), Array.from({ length: 10 }, (_, i) => `row ${i}`));
    }));

    it("sends what it has after maxBufferDuration when the buffer never fills", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "echo", maxBatchingSize: 100, maxBufferDuration: 20 }, (text: string[]) => text);
      const result = await fixture.remote.function("echo").chunkedCall(textTable(7), { chunkSize: 7 });
      assert.deepEqual(fixture.batches.map((b) => [b.rows, b.reason]), [[7, "deadline"]]);
      assert.deepEqual(resultValues(result), Array.from({ length: 7 }, (_, i) => `row ${i}`));
    }));

    it("merges rows of several clients into one batch", () => withFixture({}, async (fixture) => {
      const other = new Remote({ url: fixture.queue.url });
      try {
        const batches: string[][] = [];
        await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 30_000 }, (text: string[]) => {
          batches.push([...text]);
          return text.map((t) => `<${t}>`);
        });
        const [a, b] = await Promise.all([
          fixture.remote.function("echo").chunkedCall(textTable(5, "a"), { chunkSize: 5 }),
          other.function("echo").chunkedCall(textTable(5, "b"), { chunkSize: 5 }),
        ]);
        assert.equal(batches.length, 1, "one batch of 10 rows from two clients");
        assert.deepEqual([...batches[0]].sort(), [...Array.from({ length: 5 }, (_, i) => `a ${i}`), ...Array.from({ length: 5 }, (_, i) => `b ${i}`)].sort());
        assert.deepEqual(resultValues(a), Array.from({ length: 5 }, (_, i) => `<a ${i}>`));
        assert.deepEqual(resultValues(b), Array.from({ length: 5 }, (_, i) => `<b ${i}>`));
      } finally {
        other.close();
      }
    }));
  });

  describe(`${backend.label} backend: retries and errors`, { skip: backend.skip }, () => {
    it("retries a failing batch and succeeds within `retries`", () => withFixture({ retryBackoffMs: 5 }, async (fixture) => {
      let calls = 0;
      await fixture.worker({ name: "flaky", maxBatchingSize: 10, maxBufferDuration: 1, retries: 3 }, (text: string[]) => {
        calls += 1;
        if (calls <= 2) throw new Error(`GPU hiccup ${calls}`);
        return text.map((t) => t.length);
      });
      const states: string[] = [];
      const result = await fixture.remote.function("flaky").chunkedCall(textTable(4), { chunkSize: 4, onProgress: (p) => states.push(p.chunks[0].state) });
      assert.equal(calls, 3);
      assert.deepEqual(resultValues(result), [5, 5, 5, 5]);
      assert.ok(states.includes("retried"), `progress reported a retry: ${states.join(",")}`);
      assert.equal(states.at(-1), "done");
      assert.match(await fixture.remote.stats(), /chalknb_retries_total\{function="flaky"\} 2/);
    }));

    it("fails the chunk with the function, chunk, rows, attempts and handler message when retries run out", () => withFixture({ retryBackoffMs: 5 }, async (fixture) => {
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
      assert.equal(error.attempts, 2);
      assert.equal(calls, 3, "one call for chunk 0, two for chunk 1");
    }));

    it("fails at once when the handler returns the wrong number of rows", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "short", maxBatchingSize: 10, maxBufferDuration: 1, retries: 0 }, (text: string[]) => text.slice(1));
      await assert.rejects(fixture.remote.function("short").chunkedCall(textTable(3), { chunkSize: 3 }), {
        code: ErrorCode.HandlerFailed,
        message: 'chunk 0 (rows 0–2 (3 rows)) of function "short" failed after 1 attempt (retries: 0): the handler returned 2 values for a batch of 3 rows; it must return exactly one value per row, in order',
      });
    }));

    it("refuses input columns that do not match the handler's, naming both", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "embed", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      const { tableFromArrays } = await import("apache-arrow");
      await assert.rejects(fixture.remote.function("embed").chunkedCall(tableFromArrays({ sentence: ["a", "b"] }), { chunkSize: 2 }), {
        code: ErrorCode.SchemaMismatch,
        message: 'function "embed" takes the column "text" but the input table has "sentence"; missing: "text". Rename the input columns to match the handler\'s parameters.',
      });
    }));

    it("refuses a function no worker serves, listing the registered ones", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "embed", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text);
      await assert.rejects(fixture.remote.function("embedd").chunkedCall(textTable(2), { chunkSize: 2 }), {
        code: ErrorCode.UnknownFunction,
        message: 'no function named "embedd" is registered with this queue (registered: "embed"); start a worker that serves it: chalknb worker <file.ts>',
      });
    }));
  });

  describe(`${backend.label} backend: timeout, cancel and queue_full`, { skip: backend.skip }, () => {
    it("fails a chunk that outlives its timeout, naming the chunk, and keeps serving", () => withFixture({}, async (fixture) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await fixture.worker({ name: "slow", maxBatchingSize: 10, maxBufferDuration: 1 }, async (text: string[]) => {
        if (text[0] === "row 0") await gate;
        return text;
      });
      const fn = fixture.remote.function("slow");
      await assert.rejects(fn.chunkedCall(textTable(3), { chunkSize: 3, timeout: 0.3 }), (error: Error & { code: string; rows: number[]; retryable: boolean }) => {
        assert.equal(error.code, ErrorCode.ChunkTimeout);
        assert.match(error.message, /^chunk 0 \(rows 0–2 \(3 rows\)\) of function "slow" timed out after 0\.3 s: 0 rows done, 3 running, 0 still queued/);
        assert.deepEqual(error.rows, [0, 3]);
        assert.equal(error.retryable, true);
        return true;
      });
      release(); // the late result is discarded
      const again = await fn.chunkedCall(textTable(2, "next"), { chunkSize: 2, timeout: 5 });
      assert.deepEqual(resultValues(again), ["next 0", "next 1"]);
    }));

    it("cancel (AbortSignal) rejects the call and drops its queued rows", () => withFixture({}, async (fixture) => {
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
      release();
      // The running batch's rows count until it returns (Redis counts rows not yet finished); then nothing is left.
      for (let i = 0; i < 200 && (await fixture.remote.functions())[0].bufferedRows !== 0; i++) await sleep(10);
      assert.equal((await fixture.remote.functions())[0].bufferedRows, 0, "queued rows were dropped");
      await sleep(50);
      assert.deepEqual(seen, ["row 0", "row 1"], "no dropped row reached the handler");
    }));

    it("answers queue_full past maxBufferedRows and the client backs off until it fits", () => withFixture({ maxBufferedRows: 20 }, async (fixture) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      await fixture.worker({ name: "held", maxBatchingSize: 10, maxBufferDuration: 1 }, async (text: string[]) => {
        await gate;
        return text.map((t) => t.length);
      }, { concurrency: 1 });
      const call = fixture.remote.function("held").chunkedCall(textTable(60), { chunkSize: 10, concurrentChunks: 6 });
      while (!/chalknb_queue_full_total\{function="held"\} [1-9]/.test(await fixture.remote.stats())) await sleep(10);
      const [info] = await fixture.remote.functions();
      assert.ok(info.bufferedRows <= 20, `buffered ${info.bufferedRows} rows, cap 20`);
      release();
      const result = await call;
      assert.deepEqual(resultValues(result), Array.from({ length: 60 }, (_, i) => `row ${i}`.length));
    }));
  });
}
