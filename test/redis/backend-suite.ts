import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { tableFromArrays } from "apache-arrow";
import { WebSocket } from "ws";
import { type ChalknbError, ChunkError, ErrorCode } from "../../protocol/errors.js";
import { encodeRows } from "../../protocol/arrow-ipc.js";
import { decodeFrame, encodeFrame } from "../../protocol/frame-codec.js";
import { PROTOCOL_VERSION, type Message } from "../../protocol/messages.js";
import { Remote } from "../../sdk/index.js";
import { defineFunction, startWorker, type FunctionDefinition, type FunctionInfo, type QueueOptions, type Worker } from "../../queue/index.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { startFixture, textTable, resultValues, sleep, type QueueFixture } from "../helpers/queue-fixture.js";
import { spawnSuite } from "./spawn-suite.js";

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
  /** Workers started by `namedWorker`, closed after each test (before the fixture's queue). */
  const extraWorkers: Worker[] = [];
  const withWorkers = (extra: QueueOptions, run: (fixture: QueueFixture) => Promise<void>) => withFixture(extra, async (fixture) => {
    try {
      await run(fixture);
    } finally {
      await Promise.all(extraWorkers.splice(0).map((w) => w.close()));
    }
  });
  /** A worker with a name and any number of functions; resolves once the queue welcomed it (rejects if refused). */
  const namedWorker = async (fixture: QueueFixture, name: string, functions: FunctionDefinition[], options: { concurrency?: number } = {}) => {
    const log: string[] = [];
    // Listen before the worker starts: its hello can be answered before startWorker's promise settles.
    const joined = once(fixture.queue.core, "worker-joined");
    joined.catch(() => {});
    const worker = await startWorker({ url: fixture.queue.url, name, functions, reconnect: false, log: (line) => log.push(line), ...options });
    extraWorkers.push(worker);
    await worker.ready;
    await joined;
    return { worker, log };
  };
  /** Submits one chunk as a raw client over the wire protocol; resolves with the queue's answer (accepted or error). */
  const rawSubmit = async (fixture: QueueFixture, fn: string, body: Uint8Array, rows: number): Promise<Message> => {
    const socket = new WebSocket(fixture.queue.url);
    const frames: Message[] = [];
    socket.on("message", (data: Buffer) => frames.push(decodeFrame(data).header));
    try {
      await once(socket, "open");
      socket.send(encodeFrame({ type: "hello", protocolVersion: PROTOCOL_VERSION, role: "client" }));
      await until("the raw client is welcomed", () => frames.some((f) => f.type === "welcome"));
      socket.send(encodeFrame({ type: "submit", callId: "raw", chunk: 0, function: fn, rows: [0, rows], timeoutMs: null }, body));
      await until("the queue answers the raw submit", () => frames.some((f) => f.type === "error" || f.type === "accepted"));
      return frames.find((f) => f.type === "error" || f.type === "accepted")!;
    } finally {
      socket.close();
    }
  };
  const info = async (fixture: QueueFixture, name: string): Promise<FunctionInfo | undefined> =>
    (await fixture.remote.functions()).find((f) => f.name === name);
  const until = async (what: string, check: () => Promise<boolean> | boolean) => {
    for (let i = 0; i < 400; i++) {
      if (await check()) return;
      await sleep(10);
    }
    assert.fail(`timed out waiting until ${what}`);
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
      assert.equal(error.message, 'chunk 1 (rows 5–9 (5 rows)) of function "broken" failed at row 7 after 2 attempts (retries: 1): cannot embed row 7');
      assert.deepEqual(error.rows, [5, 10]);
      assert.deepEqual(error.failedRows, [7], "bisection names the failing row");
      assert.equal(error.attempts, 2, "row 7 ran alone 1 + retries times");
      // Chunk 0 once; chunk 1 twice (retries: 1), then bisected: 5–7 and 8–9, then 5–6 and 7, then 7 again.
      assert.equal(calls, 8);
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

  describe(`${backend.label} backend: a failed batch of several chunks is retried one chunk per batch`, { skip: backend.skip }, () => {
    const picky = (calls: string[][]) => (text: string[]) => {
      calls.push([...text]);
      const bad = text.find((t) => t.startsWith("bad") || t === "row 37");
      if (bad) throw new Error(`cannot handle value ${bad}`);
      return text.map((t) => `<${t}>`);
    };

    for (const retries of [0, 1]) {
      it(`fails only the call holding the bad row, and only it sees the handler's message (retries: ${retries})`, () => withFixture({ retryBackoffMs: 5 }, async (fixture) => {
        const other = new Remote({ url: fixture.queue.url });
        try {
          const calls: string[][] = [];
          // 11 rows fill one batch: B's 10 clean rows and A's bad one always share it, whatever arrives first.
          await fixture.worker({ name: "picky", maxBatchingSize: 11, maxBufferDuration: 30_000, retries }, picky(calls));
          const statesB: string[] = [];
          const [a, b] = await Promise.allSettled([
            fixture.remote.function("picky").chunkedCall(textTable(1, "bad"), { chunkSize: 1 }),
            other.function("picky").chunkedCall(textTable(10, "b"), { chunkSize: 10, onProgress: (p) => statesB.push(p.chunks[0].state) }),
          ]);
          assert.equal(b.status, "fulfilled", `client B's call succeeded: ${b.status === "rejected" ? (b.reason as Error).message : ""}`);
          assert.deepEqual(resultValues(b.value), Array.from({ length: 10 }, (_, i) => `<b ${i}>`));
          assert.ok(!statesB.includes("retried") && !statesB.includes("failed"), `B saw nothing of A's failure: ${statesB.join(",")}`);
          assert.equal(a.status, "rejected");
          const error = a.reason as ChunkError;
          assert.ok(error instanceof ChunkError);
          assert.equal(error.code, ErrorCode.HandlerFailed);
          const attempts = retries + 1;
          assert.equal(error.message,
            `chunk 0 (row 0) of function "picky" failed after ${attempts} attempt${attempts === 1 ? "" : "s"} (retries: ${retries}): cannot handle value bad 0`);
          assert.equal(error.attempts, attempts, "the isolation run is not an attempt");
          // The merged batch, then each chunk alone (B once, A 1 + retries times).
          assert.deepEqual(calls.map((c) => c.length).sort((x, y) => x - y), [...Array.from({ length: attempts }, () => 1), 10, 11]);
          assert.equal(calls[0].length, 11, "the first batch merged both clients' rows");
          assert.match(await fixture.remote.stats(), /chalknb_isolations_total\{function="picky"\} 1\n/);
        } finally {
          other.close();
        }
      }));
    }

    it("blames the chunk that holds the bad row within one call (rows 30–39 for row 37, not 20–29)", () => withFixture({}, async (fixture) => {
      const calls: string[][] = [];
      await fixture.worker({ name: "picky", maxBatchingSize: 20, maxBufferDuration: 30_000, retries: 0 }, picky(calls));
      const error = await fixture.remote.function("picky").chunkedCall(textTable(60), { chunkSize: 10, concurrentChunks: 6 }).then(
        () => assert.fail("expected the call to fail"),
        (e: unknown) => e as ChunkError,
      );
      assert.equal(error.code, ErrorCode.HandlerFailed);
      assert.equal(error.message, 'chunk 3 (rows 30–39 (10 rows)) of function "picky" failed at row 37 after 1 attempt (retries: 0): cannot handle value row 37');
      assert.equal(error.chunk, 3);
      assert.deepEqual(error.rows, [30, 40]);
      assert.ok(calls.some((c) => c.length === 10 && c[0] === "row 20"), "chunk 2 ran alone after the merged batch failed");
    }));
  });

  describe(`${backend.label} backend: maxBufferedBytes`, { skip: backend.skip }, () => {
    it("answers a retryable queue_full naming bytes past maxBufferedBytes, refuses a chunk that can never fit, and serves the rest once there is room", () =>
      withFixture({ maxBufferedBytes: 40_000 }, async (fixture) => {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        await fixture.worker({ name: "bulky", maxBatchingSize: 2, maxBufferDuration: 1 }, async (text: string[]) => {
          await gate;
          return text.map((t) => t.length);
        }, { concurrency: 1 });
        // Rows of ~8 KB: a 2-row chunk is ~16 KB of Arrow, so two chunks fit under the cap and a third does not.
        const rows = (count: number, tag: string) => tableFromArrays({ text: Array.from({ length: count }, (_, i) => `${tag}${i}`.padEnd(8000, ".")) });
        const fn = fixture.remote.function("bulky");
        const first = fn.chunkedCall(rows(4, "a"), { chunkSize: 2, concurrentChunks: 2 });
        first.catch(() => {}); // awaited below; a failed assertion before that must not hide behind an unhandled rejection
        await until("both chunks of the first call are accepted", async () => ((await info(fixture, "bulky"))?.bufferedBytes ?? 0) > 30_000);
        const held = (await info(fixture, "bulky"))!;
        assert.ok(held.bufferedBytes <= 40_000, `buffered ${held.bufferedBytes} bytes, cap 40000`);
        // The SDK backs off on a retryable queue_full; a raw client sees the frame itself.
        const third = encodeRows(rows(2, "b"));
        const answer = await rawSubmit(fixture, "bulky", third, 2);
        assert.equal(answer.type, "error");
        const refusal = answer as Extract<Message, { type: "error" }>;
        assert.equal(refusal.code, ErrorCode.QueueFull);
        assert.equal(refusal.retryable, true);
        assert.equal(refusal.message,
          `queue_full: function "bulky" has ${(held.bufferedBytes / 1024).toFixed(1)} KiB (${held.bufferedBytes} bytes) buffered and this chunk is ${third.byteLength} bytes ` +
          "(maxBufferedBytes 40000 bytes, 39.1 KiB); back off and resubmit");
        await assert.rejects(fn.chunkedCall(rows(6, "c"), { chunkSize: 6 }), (error: ChalknbError) => {
          assert.equal(error.code, ErrorCode.QueueFull);
          assert.equal(error.retryable, false);
          assert.match(error.message, /^chunk 0 is 4\d\.\d KiB \(\d+ bytes\), more than the queue's maxBufferedBytes \(39\.1 KiB\); use a smaller chunkSize$/);
          return true;
        });
        // A call that backs off until the first one's rows are done.
        const waiting = fn.chunkedCall(rows(4, "d"), { chunkSize: 2, concurrentChunks: 2 });
        waiting.catch(() => {});
        await until("the waiting call was refused for bytes", async () => /chalknb_queue_full_total\{function="bulky"\} [2-9]/.test(await fixture.remote.stats()));
        assert.ok((await info(fixture, "bulky"))!.bufferedBytes <= 40_000);
        release();
        assert.deepEqual(resultValues(await first), Array.from({ length: 4 }, () => 8000));
        assert.deepEqual(resultValues(await waiting), Array.from({ length: 4 }, () => 8000));
        await until("every byte is released", async () => (await info(fixture, "bulky"))?.bufferedBytes === 0);
        assert.match(await fixture.remote.stats(), /chalknb_buffered_bytes\{function="bulky"\} 0\n/);
      }));
  });

  describe(`${backend.label} backend: batches that never come back`, { skip: backend.skip }, () => {
    const never = (name: string) => defineFunction({ name, maxBatchingSize: 1, maxBufferDuration: 1 }, (text: string[]) => new Promise<string[]>(() => void text));
    const echo = (name: string) => defineFunction({ name, maxBatchingSize: 1, maxBufferDuration: 1 }, (text: string[]) => text);

    it("frees the worker's slot once every chunk of its batch timed out: its other functions keep being served", () => withWorkers({}, async (fixture) => {
      await namedWorker(fixture, "w1", [never("stuck"), echo("echo")], { concurrency: 1 });
      await assert.rejects(fixture.remote.function("stuck").chunkedCall(textTable(1), { chunkSize: 1, timeout: 0.3 }), { code: ErrorCode.ChunkTimeout });
      const result = await fixture.remote.function("echo").chunkedCall(textTable(2), { chunkSize: 1, timeout: 10 });
      assert.deepEqual(resultValues(result), ["row 0", "row 1"]);
      await until("no batch of the timed-out chunk counts as in flight", async () => (await info(fixture, "stuck"))?.inFlightBatches === 0);
    }));

    it("takes a batch back at the batch deadline: the slot is freed, the worker marked hung and named in the error", () => {
      const clock = new ManualClock();
      return withWorkers({ clock, batchDeadlineMs: 60_000, maxWorkerLosses: 0 }, async (fixture) => {
        await namedWorker(fixture, "w1", [never("stuck"), echo("echo")], { concurrency: 1 });
        const stuck = fixture.remote.function("stuck").chunkedCall(textTable(1), { chunkSize: 1 });
        stuck.catch(() => {});
        await until("the stuck batch is on the worker", () => fixture.batches.some((b) => b.functionName === "stuck"));
        const served = fixture.remote.function("echo").chunkedCall(textTable(1, "echo"), { chunkSize: 1 });
        await until("the echo row waits for the worker's only slot", async () => (await info(fixture, "echo"))?.bufferedRows === 1);
        assert.ok(!fixture.batches.some((b) => b.functionName === "echo"), "no slot for echo before the deadline");
        clock.advance(59_999);
        await sleep(20);
        assert.ok(!fixture.batches.some((b) => b.functionName === "echo"), "no slot for echo before the deadline");
        clock.advance(1);
        assert.deepEqual(resultValues(await served), ["echo 0"]);
        await assert.rejects(stuck, (error: ChunkError) => {
          assert.equal(error.code, ErrorCode.HandlerFailed);
          assert.equal(error.message,
            'chunk 0 (row 0) of function "stuck" failed: its rows went unanswered 1 time (workers lost, or batches past the batch deadline); ' +
            "the last time worker w1 did not return its batch within the batch deadline of 60 s and is marked hung (1 batch it never returned). " +
            "The handler may never return for these rows: check that worker, or raise batchDeadlineMs if batches legitimately take longer");
          return true;
        });
        const stuckInfo = (await info(fixture, "stuck"))!;
        assert.deepEqual(stuckInfo.hung, ["w1"]);
        assert.equal(stuckInfo.inFlightBatches, 0);
        assert.deepEqual((await info(fixture, "echo"))!.hung, []);
        const stats = await fixture.remote.stats();
        assert.match(stats, /chalknb_hung_workers\{function="stuck"\} 1\n/);
        assert.match(stats, /chalknb_batch_deadlines_total\{function="stuck"\} 1\n/);
      });
    });

    it("delivers a batch past its deadline again, counted like a lost worker", () => {
      const clock = new ManualClock();
      return withWorkers({ clock, batchDeadlineMs: 60_000, maxWorkerLosses: 1 }, async (fixture) => {
        let calls = 0;
        await namedWorker(fixture, "w1", [defineFunction({ name: "once", maxBatchingSize: 1, maxBufferDuration: 1 }, (text: string[]) => {
          calls += 1;
          return calls === 1 ? new Promise<string[]>(() => {}) : text;
        })], { concurrency: 1 });
        const call = fixture.remote.function("once").chunkedCall(textTable(1), { chunkSize: 1 });
        await until("the first batch is on the worker", () => fixture.batches.length === 1);
        clock.advance(60_000);
        assert.deepEqual(resultValues(await call), ["row 0"]);
        assert.deepEqual(fixture.batches.map((b) => b.attempt), [1, 2], "the redelivery is attempt 2");
      });
    });
  });

  describe(`${backend.label} backend: one spec per function name`, { skip: backend.skip }, () => {
    const embed = (options: { maxBatchingSize: number; retries?: number }, seen: number[] = []) =>
      defineFunction({ name: "embed", maxBufferDuration: 5, ...options }, (text: string[]) => {
        seen.push(text.length);
        return text.map((t) => t.length);
      });

    it("refuses a second worker declaring another spec for a served name, naming both; the same spec scales out", () => withWorkers({}, async (fixture) => {
      await namedWorker(fixture, "gpu-1", [embed({ maxBatchingSize: 10 })]);
      const refused = namedWorker(fixture, "gpu-2", [embed({ maxBatchingSize: 20, retries: 1 })]);
      await assert.rejects(refused, (error: ChalknbError) => {
        assert.equal(error.code, ErrorCode.InvalidArgument);
        assert.equal(error.message,
          'queue refused worker gpu-2: function "embed" is already served by worker gpu-1 with maxBatchingSize 10, maxBufferDuration 5, retries 0, inputs ["text"]; ' +
          'worker gpu-2 declares maxBatchingSize 20, maxBufferDuration 5, retries 1, inputs ["text"] (differs in maxBatchingSize 10 vs 20, retries 0 vs 1). ' +
          "Workers of one function must declare the same options: change them to match, give the new one another name, or stop the others first");
        return true;
      });
      const seen: number[] = [];
      await namedWorker(fixture, "gpu-3", [embed({ maxBatchingSize: 10 }, seen)]);
      const [fn] = await fixture.remote.functions();
      assert.equal(fn.workers, 2, "gpu-1 and gpu-3 serve it; gpu-2 does not");
      assert.equal(fn.maxBatchingSize, 10, "the refused spec changed nothing");
      const result = await fixture.remote.function("embed").chunkedCall(textTable(40), { chunkSize: 20, concurrentChunks: 2 });
      assert.equal(resultValues(result).length, 40);
      assert.ok(fixture.batches.every((b) => b.rows <= 10), `batches of at most 10 rows: ${fixture.batches.map((b) => b.rows).join(",")}`);
    }));

    it("lets a new spec take a name once no worker serves it", () => withWorkers({}, async (fixture) => {
      const first = await namedWorker(fixture, "gpu-1", [embed({ maxBatchingSize: 10 })]);
      const left = once(fixture.queue.core, "worker-left");
      await first.worker.close();
      await left;
      await namedWorker(fixture, "gpu-2", [embed({ maxBatchingSize: 20 })]);
      await until("the new spec is listed", async () => (await info(fixture, "embed"))?.maxBatchingSize === 20);
      assert.equal((await info(fixture, "embed"))!.workers, 1);
    }));
  });

  describe(`${backend.label} backend: functions without workers`, { skip: backend.skip }, () => {
    it("drop out of /v1/functions and /metrics after the grace period, then are unknown", () => {
      const clock = new ManualClock();
      return withWorkers({ clock, functionGraceMs: 60_000 }, async (fixture) => {
        const { worker } = await namedWorker(fixture, "w1", [defineFunction({ name: "fleeting", maxBatchingSize: 1, maxBufferDuration: 1 }, (text: string[]) => text)]);
        await fixture.worker({ name: "staying", maxBatchingSize: 1, maxBufferDuration: 1 }, (text: string[]) => text);
        assert.deepEqual(resultValues(await fixture.remote.function("fleeting").chunkedCall(textTable(1), { chunkSize: 1 })), ["row 0"]);
        const left = once(fixture.queue.core, "worker-left");
        await worker.close();
        await left;
        await until("the function shows no worker", async () => (await info(fixture, "fleeting"))?.workers === 0);
        await until("its rows are all released", async () => (await info(fixture, "fleeting"))?.bufferedRows === 0);
        clock.advance(59_999);
        assert.equal((await info(fixture, "fleeting"))?.workers, 0, "still listed within the grace period");
        assert.match(await fixture.remote.stats(), /function="fleeting"/);
        clock.advance(1);
        const names = (await fixture.remote.functions()).map((f) => f.name);
        assert.deepEqual(names, ["staying"]);
        assert.doesNotMatch(await fixture.remote.stats(), /function="fleeting"/);
        await assert.rejects(fixture.remote.function("fleeting").chunkedCall(textTable(1), { chunkSize: 1 }), { code: ErrorCode.UnknownFunction });
      });
    });
  });

  describe(`${backend.label} backend: functions that wait for workers (issue 12)`, { skip: backend.skip }, () => {
    const shout = defineFunction({ name: "shout", maxBatchingSize: 4, maxBufferDuration: 1 }, (text: string[]) => text.map((t) => t.toUpperCase()));
    /** `POST /v1/functions`, as `chalknb deploy` sends it. */
    const deploy = async (fixture: QueueFixture, definitions: FunctionDefinition[]) => {
      const response = await fetch(`${fixture.queue.httpUrl}/v1/functions`, {
        method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ functions: definitions.map((d) => d.spec) }),
      });
      assert.equal(response.status, 200, await response.clone().text());
      return response.json();
    };

    it("a deployed function buffers a call until a worker connects; progress says it waits; /metrics shows the backlog", () => withWorkers({}, async (fixture) => {
      assert.deepEqual(await deploy(fixture, [shout]), { deployed: ["shout"] });
      const notes: string[] = [];
      const call = fixture.remote.function("shout").chunkedCall(textTable(6), {
        chunkSize: 3, concurrentChunks: 2, onProgress: (p) => { if (p.waiting) notes.push(p.waiting); },
      });
      await until("both chunks wait in the buffer", async () => (await info(fixture, "shout"))?.bufferedRows === 6);
      const listed = await info(fixture, "shout");
      assert.equal(listed?.workers, 0);
      assert.equal(listed?.deployed, true);
      const metrics = await fixture.remote.stats();
      assert.match(metrics, /^chalknb_buffered_rows\{function="shout"\} 6$/m);
      assert.match(metrics, /^chalknb_in_flight_batches\{function="shout"\} 0$/m);
      assert.match(metrics, /^chalknb_oldest_waiting_seconds\{function="shout"\} \d+(\.\d+)?(e-?\d+)?$/m);
      await until("the progress says it waits", () => notes.length > 0);
      assert.equal(notes[0], "waiting for a worker for shout (0 connected)");
      await namedWorker(fixture, "late", [shout]);
      assert.deepEqual(resultValues(await call), Array.from({ length: 6 }, (_, i) => `ROW ${i}`));
      assert.equal((await info(fixture, "shout"))?.bufferedRows, 0);
    }));

    it("a spawned call of a deployed function says in status() that it waits, then completes when a worker connects", () => withWorkers({}, async (fixture) => {
      await deploy(fixture, [shout]);
      const handle = await fixture.remote.function("shout").spawn(textTable(5), { chunkSize: 2 });
      assert.equal((await handle.status()).waiting, "waiting for a worker for shout (0 connected)");
      await namedWorker(fixture, "late", [shout]);
      assert.deepEqual(resultValues(await handle.get()), Array.from({ length: 5 }, (_, i) => `ROW ${i}`));
      assert.equal((await handle.status()).waiting, undefined);
    }));

    it("an undeployed unknown name still fails at once; a deployed one stays listed past the grace period", () => {
      const clock = new ManualClock();
      return withWorkers({ clock, functionGraceMs: 60_000 }, async (fixture) => {
        await deploy(fixture, [shout]);
        await assert.rejects(fixture.remote.function("shoutt").chunkedCall(textTable(1), { chunkSize: 1 }), {
          code: ErrorCode.UnknownFunction, message: /no function named "shoutt" is registered with this queue \(registered: "shout"\)/,
        });
        clock.advance(60_001);
        assert.equal((await info(fixture, "shout"))?.workers, 0, "a deployed function is not dropped after the grace period");
        const answer = await rawSubmit(fixture, "shout", encodeRows(textTable(1)), 1);
        assert.equal(answer.type, "accepted");
      });
    });

    it("refuses a deploy whose spec differs from the one live workers serve, and a malformed spec", () => withWorkers({}, async (fixture) => {
      await namedWorker(fixture, "w1", [shout]);
      const other = defineFunction({ name: "shout", maxBatchingSize: 8, maxBufferDuration: 1 }, (text: string[]) => text);
      const conflict = await fetch(`${fixture.queue.httpUrl}/v1/functions`, { method: "POST", body: JSON.stringify({ functions: [other.spec] }) });
      assert.equal(conflict.status, 409);
      assert.match(((await conflict.json()) as { error: string }).error, /function "shout" is already served by worker w1/);
      const malformed = await fetch(`${fixture.queue.httpUrl}/v1/functions`, { method: "POST", body: JSON.stringify({ functions: [{ name: "x" }] }) });
      assert.equal(malformed.status, 400);
      assert.match(((await malformed.json()) as { error: string }).error, /maxBatchingSize must be a positive integer/);
    }));
  });

  describe(`${backend.label} backend: placement (issue 14)`, { skip: backend.skip }, () => {
    const cpuBox = { gpus: [], cpus: 4, memoryBytes: 8 * 1024 ** 3 };
    const l4Box = { gpus: [{ index: 0, name: "NVIDIA L4", memoryMiB: 23034, uuid: "GPU-7d1f0c2e" }], cpus: 8, memoryBytes: 32 * 1024 ** 3 };
    const embed = (where: string) =>
      defineFunction({ name: "embed", gpu: "nvidia-l4", maxBatchingSize: 2, maxBufferDuration: 1 }, (text: string[]) => text.map(() => where));
    /** A worker whose hello declares this hardware (what detection would find on such a machine). */
    const boxWorker = async (fixture: QueueFixture, name: string, hardware: Parameters<typeof startWorker>[0]["hardware"], functions: FunctionDefinition[]) => {
      const log: string[] = [];
      const joined = once(fixture.queue.core, "worker-joined");
      const worker = await startWorker({ url: fixture.queue.url, name, functions, hardware, reconnect: false, log: (line) => log.push(line) });
      extraWorkers.push(worker);
      await worker.ready;
      await joined;
      return { worker, log };
    };
    const unplacedLine = (name: string) => `worker ${name}: not serving "embed": it needs gpu nvidia-l4 and it has no GPU; its calls wait for a worker that has it`;

    it("gives a GPU function's batches only to a worker with that GPU; a CPU worker says it does not serve it", () => withWorkers({}, async (fixture) => {
      const cpu = await boxWorker(fixture, "cpu-1", cpuBox, [embed("cpu")]);
      assert.deepEqual(cpu.log, [unplacedLine("cpu-1")]);
      assert.deepEqual(cpu.worker.functions, []);
      await boxWorker(fixture, "l4-1", l4Box, [embed("l4")]);
      const result = await fixture.remote.function("embed").chunkedCall(textTable(6), { chunkSize: 3, concurrentChunks: 2 });
      assert.deepEqual(resultValues(result), ["l4", "l4", "l4", "l4", "l4", "l4"]);
      assert.equal(cpu.worker.batchesHandled, 0);
    }));

    it("holds a call that no connected worker can serve; its timeout says why, and a worker with the GPU takes the next", () => withWorkers({}, async (fixture) => {
      await boxWorker(fixture, "cpu-1", cpuBox, [embed("cpu")]);
      await boxWorker(fixture, "cpu-2", cpuBox, [embed("cpu")]);
      const fn = fixture.remote.function("embed");
      await assert.rejects(fn.chunkedCall(textTable(2), { chunkSize: 2, timeout: 0.3 }), (error: ChalknbError) => {
        assert.equal(error.code, ErrorCode.ChunkTimeout);
        assert.match(error.message, /^chunk 0 \(rows 0–1 \(2 rows\)\) of function "embed" timed out after 0\.3 s: 0 rows done, 0 running, 2 still queued /);
        assert.match(error.message, /workers connected\); embed needs gpu nvidia-l4; 2 workers connected, none with that GPU: start a worker that has it$/);
        return true;
      });
      const waiting = fn.chunkedCall(textTable(3), { chunkSize: 3, timeout: 30 });
      await until("the call's rows are queued", async () => (await info(fixture, "embed"))?.bufferedRows === 3);
      await boxWorker(fixture, "l4-1", l4Box, [embed("l4")]);
      assert.deepEqual(resultValues(await waiting), ["l4", "l4", "l4"]);
    }));

    it("lists each worker's GPUs in /v1/functions, and what it does not serve", () => withWorkers({}, async (fixture) => {
      await boxWorker(fixture, "cpu-1", cpuBox, [embed("cpu")]);
      await boxWorker(fixture, "l4-1", l4Box, [embed("l4")]);
      const body = (await (await fetch(`${fixture.queue.httpUrl}/v1/functions`)).json()) as { workerList: { name: string }[] };
      assert.deepEqual(body.workerList.sort((a, b) => a.name.localeCompare(b.name)), [
        { name: "cpu-1", gpus: [], cpus: 4, memoryBytes: 8 * 1024 ** 3, functions: ["embed"], unmet: { embed: "it has no GPU" } },
        { name: "l4-1", gpus: ["NVIDIA L4"], cpus: 8, memoryBytes: 32 * 1024 ** 3, functions: ["embed"], unmet: {} },
      ]);
    }));

    it("refuses a worker declaring other needs for a served function, naming both", () => withWorkers({}, async (fixture) => {
      await boxWorker(fixture, "l4-1", l4Box, [embed("l4")]);
      const h100 = defineFunction({ name: "embed", gpu: "nvidia-h100", maxBatchingSize: 2, maxBufferDuration: 1 }, (text: string[]) => text);
      await assert.rejects(boxWorker(fixture, "h100-1", l4Box, [h100]), (error: ChalknbError) => {
        assert.equal(error.code, ErrorCode.InvalidArgument);
        assert.match(error.message, /^queue refused worker h100-1: function "embed" is already served by worker l4-1 with .* \(differs in needs gpu nvidia-l4 vs gpu nvidia-h100\)\. /);
        return true;
      });
    }));
  });

  describe(`${backend.label} backend: bad rows fail alone (issue 12)`, { skip: backend.skip }, () => {
    const picky = (isBad: (text: string) => boolean, calls: string[][]) => (text: string[]) => {
      calls.push([...text]);
      const bad = text.find(isBad);
      if (bad) throw new Error(`cannot handle value ${bad}`);
      return text.map((t) => `<${t}>`);
    };

    it("bisection finds the one bad row among 1,000 (retries: 2): the error names it", () => withFixture({ retryBackoffMs: 5 }, async (fixture) => {
      const calls: string[][] = [];
      await fixture.worker({ name: "picky", maxBatchingSize: 100, maxBufferDuration: 5, retries: 2 }, picky((t) => t === "row 537", calls));
      const error = await fixture.remote.function("picky").chunkedCall(textTable(1000), { chunkSize: 1000 }).then(
        () => assert.fail("expected the call to fail"),
        (e: unknown) => e as ChunkError,
      );
      assert.ok(error instanceof ChunkError);
      assert.equal(error.code, ErrorCode.HandlerFailed);
      assert.equal(error.message, 'chunk 0 (rows 0–999 (1000 rows)) of function "picky" failed at row 537 after 3 attempts (retries: 2): cannot handle value row 537');
      assert.deepEqual(error.rows, [0, 1000]);
      assert.deepEqual(error.failedRows, [537]);
      assert.equal(error.attempts, 3);
      // Rows 500–599 three times (retries: 2), then the halves holding row 537, then row 537 alone twice more.
      assert.deepEqual(calls.filter((c) => c.includes("row 537")).map((c) => c.length), [100, 100, 100, 50, 25, 13, 6, 3, 1, 1, 1]);
    }));

    it("returnErrors: failed rows get a null result and the handler's message, the others their result (chunkedCall and stream)", () => withFixture({ retryBackoffMs: 5 }, async (fixture) => {
      const calls: string[][] = [];
      await fixture.worker({ name: "picky", maxBatchingSize: 8, maxBufferDuration: 5, retries: 1 }, picky((t) => t === "row 3" || t === "row 17", calls));
      const fn = fixture.remote.function("picky");
      const table = await fn.chunkedCall(textTable(20), { chunkSize: 10, returnErrors: true });
      assert.deepEqual(table.schema.fields.map((f) => `${f.name}: ${f.type}`), ["result: Utf8", "error: Utf8"]);
      assert.deepEqual(resultValues(table), Array.from({ length: 20 }, (_, i) => (i === 3 || i === 17 ? null : `<row ${i}>`)));
      assert.deepEqual(Array.from(table.getChild("error")!), Array.from({ length: 20 }, (_, i) => (i === 3 || i === 17 ? `cannot handle value row ${i}` : null)));
      const chunks: Array<[number, number[], unknown[], unknown[]]> = [];
      for await (const { chunk, rows, result } of fn.stream(textTable(20), { chunkSize: 10, returnErrors: true, ordered: true })) {
        chunks.push([chunk, rows, resultValues(result), Array.from(result.getChild("error")!)]);
      }
      assert.deepEqual(chunks.map(([chunk, rows]) => [chunk, rows]), [[0, [0, 10]], [1, [10, 20]]]);
      assert.deepEqual(chunks[1][2], Array.from({ length: 10 }, (_, i) => (i === 7 ? null : `<row ${10 + i}>`)));
      assert.deepEqual(chunks[1][3], Array.from({ length: 10 }, (_, i) => (i === 7 ? "cannot handle value row 17" : null)));
      const clean = await fn.chunkedCall(textTable(5, "ok"), { chunkSize: 5, returnErrors: true });
      assert.deepEqual(Array.from(clean.getChild("error")!), [null, null, null, null, null], "no failure: an all-null error column");
    }));

    it("a row that kills its worker three times is a poison row: it fails alone with CHALKNB_POISON_ROW, the other rows go on", () => withFixture({ maxWorkerLosses: 2 }, async (fixture) => {
      // Each worker dies with the batch holding "row 3" (its connection drops mid-batch); a supervisor starts the next.
      const crashed: number[] = [];
      const workers: Worker[] = [];
      let current: Worker | undefined;
      let generation = 0;
      let stopped = false;
      const crashy = defineFunction({ name: "crashy", maxBatchingSize: 8, maxBufferDuration: 5 }, (text: string[]) => {
        if (!text.includes("row 3")) return text.map((t) => `<${t}>`);
        crashed.push(text.length);
        void current!.close();
        return new Promise<string[]>(() => {});
      });
      const start = async () => {
        const worker = await startWorker({ url: fixture.queue.url, name: `w${++generation}`, functions: [crashy], reconnect: false, concurrency: 1, log: () => {} });
        workers.push(worker);
        current = worker;
        await worker.ready;
      };
      const supervise = () => void (stopped ? undefined : start().catch(() => {}));
      fixture.queue.core.on("worker-left", supervise);
      try {
        const joined = once(fixture.queue.core, "worker-joined");
        await start();
        await joined;
        const fn = fixture.remote.function("crashy");
        const table = await fn.chunkedCall(textTable(16), { chunkSize: 8, returnErrors: true });
        assert.deepEqual(resultValues(table), Array.from({ length: 16 }, (_, i) => (i === 3 ? null : `<row ${i}>`)));
        const errors = Array.from(table.getChild("error")!) as (string | null)[];
        assert.match(errors[3]!, /^CHALKNB_POISON_ROW: every batch holding it lost its worker \(6 times\), the last time while it ran alone on worker w\d+; the other rows went on\. Check the workers' logs for crashes or out-of-memory kills$/);
        assert.deepEqual(errors.filter((e) => e !== null).length, 1);
        // Rows 0–7 three times (maxWorkerLosses: 2), then exclusive halves down to row 3: 0–3, 2–3, 3.
        assert.deepEqual(crashed, [8, 8, 8, 4, 2, 1]);
        crashed.length = 0;
        await assert.rejects(fn.chunkedCall(textTable(4), { chunkSize: 4 }), (error: ChunkError) => {
          assert.equal(error.code, ErrorCode.PoisonRow);
          assert.match(error.message, /^chunk 0 \(rows 0–3 \(4 rows\)\) of function "crashy" failed: row 3 is a poison row: every batch holding it lost its worker \(5 times\), the last time while it ran alone on worker w\d+; /);
          assert.deepEqual(error.failedRows, [3]);
          return true;
        });
        assert.deepEqual(crashed, [4, 4, 4, 2, 1]);
      } finally {
        stopped = true;
        fixture.queue.core.off("worker-left", supervise);
        await Promise.all(workers.map((w) => w.close()));
      }
    }));
  });

  describe(`${backend.label} backend: batches by cost (issue 12)`, { skip: backend.skip }, () => {
    // 10 to 199 "tokens" (4 bytes each) per row, in a scrambled order, and one row of 600 tokens: above the limit.
    const texts = [...Array.from({ length: 300 }, (_, i) => "w".repeat(4 * (10 + ((i * 7919) % 190)))), "x".repeat(2400)];
    for (const sortByCost of [false, true]) {
      it(`never passes maxBatchingCost; a row above it goes alone${sortByCost ? " (sortByCost)" : ""}`, () => withFixture({}, async (fixture) => {
        const batches: Array<{ rows: number; cost: number }> = [];
        await fixture.worker({
          name: "embed", maxBatchingSize: 32, maxBufferDuration: 20, maxBatchingCost: 500, cost: { column: "text", per: "bytes/4" }, sortByCost,
        }, (text: string[]) => {
          batches.push({ rows: text.length, cost: text.reduce((n, t) => n + Buffer.byteLength(t) / 4, 0) });
          return text.map((t) => t.length);
        });
        const result = await fixture.remote.function("embed").chunkedCall(tableFromArrays({ text: texts }), { chunkSize: 50, concurrentChunks: 4 });
        assert.deepEqual(resultValues(result), texts.map((t) => t.length));
        assert.equal(batches.reduce((n, b) => n + b.rows, 0), texts.length, "every row ran once");
        for (const batch of batches) assert.ok(batch.cost <= 500 || batch.rows === 1, `a batch of ${batch.rows} rows costs ${batch.cost}`);
        assert.ok(batches.some((b) => b.rows === 1 && b.cost === 600), "the 600-token row ran alone");
        const listed = (await fixture.remote.functions()).find((f) => f.name === "embed")!;
        assert.deepEqual([listed.maxBatchingCost, listed.cost, listed.sortByCost ?? false], [500, { column: "text", per: "bytes/4" }, sortByCost]);
      }));
    }

    it("refuses rows without the cost column, naming it", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "embed", maxBatchingSize: 8, maxBufferDuration: 5, maxBatchingCost: 100, cost: { column: "text" }, inputs: "table" }, (batch: unknown) => {
        return Array.from({ length: (batch as { numRows: number }).numRows }, () => 1);
      });
      await assert.rejects(fixture.remote.function("embed").chunkedCall(tableFromArrays({ words: ["a"] }), { chunkSize: 1 }), {
        code: ErrorCode.SchemaMismatch,
        message: 'function "embed" prices rows by the column "text" (maxBatchingCost 100) but the input table has "words"; add that column',
      });
    }));
  });

  spawnSuite(backend);
}
