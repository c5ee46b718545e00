import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tableFromArrays } from "apache-arrow";
import { ErrorCode } from "../../protocol/errors.js";
import type { QueueOptions } from "../../queue/index.js";
import { Remote } from "../../sdk/index.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { startFixture, resultValues, sleep, textTable, type QueueFixture } from "../helpers/queue-fixture.js";
import type { SuiteBackend } from "./backend-suite.js";

const run = promisify(execFile);
const CLIENT = fileURLToPath(new URL("./spawn-client.js", import.meta.url));

/** A handler that holds every batch until `release()`, and remembers which rows it was given. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const seen: string[] = [];
  return {
    seen,
    release: () => open(),
    handler: async (text: string[]) => {
      seen.push(...text);
      await opened;
      return text.map((t) => `<${t}>`);
    },
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

/** Spawned calls (issue 12 item 1) on one backend: `backendSuite` runs this on memory, Redis and Redis Cluster. */
export function spawnSuite(backend: SuiteBackend): void {
  const withFixture = async (extra: QueueOptions, test: (fixture: QueueFixture) => Promise<void>) => {
    const options = backend.options(extra);
    const fixture = await startFixture(options);
    try {
      await test(fixture);
    } finally {
      await fixture.close();
      await backend.cleanup?.(options);
    }
  };

  describe(`${backend.label} backend: spawned calls (issue 12)`, { skip: backend.skip }, () => {
    it("a call spawned by a process that exits runs on; another process attaches and gets every row in input order", () => withFixture({}, async (fixture) => {
      const held = gate();
      await fixture.worker({ name: "echo", maxBatchingSize: 5, maxBufferDuration: 1 }, held.handler, { concurrency: 2 });
      const { stdout } = await run(process.execPath, [CLIENT, "--spawn", fixture.queue.url, "echo", "60", "5", "3"]);
      const id = stdout.trim();
      assert.match(id, /^[0-9a-f-]{36}$/);
      // The client is gone; the queue holds the call, and its first chunks are on the worker.
      await until("the worker holds the first rows", () => held.seen.length > 0);
      held.release();
      const other = new Remote({ url: fixture.queue.url });
      try {
        const result = await other.call(id).get(60);
        assert.deepEqual(resultValues(result), Array.from({ length: 60 }, (_, i) => `<row ${i}>`));
        const status = await other.call(id).status();
        assert.deepEqual([status.state, status.rowsDone, status.totalRows, status.chunks], ["done", 60, 60, { total: 12, queued: 0, running: 0, done: 12, failed: 0, cancelled: 0 }]);
      } finally {
        other.close();
      }
    }));

    it("the queue keeps at most concurrentChunks chunks of a spawned call in flight", () => withFixture({}, async (fixture) => {
      let running = new Set<number>();
      let most = 0;
      await fixture.worker({ name: "slow", maxBatchingSize: 2, maxBufferDuration: 1 }, async (text: string[]) => {
        const chunks = text.map((t) => Math.floor(Number(t.split(" ")[1]) / 2));
        for (const c of chunks) running.add(c);
        most = Math.max(most, running.size);
        await sleep(15);
        running = new Set([...running].filter((c) => !chunks.includes(c)));
        return text;
      }, { concurrency: 8 });
      const inFlight: number[] = [];
      const onSubmitted = (event: { inFlight: number }) => inFlight.push(event.inFlight);
      fixture.queue.calls.on("chunk-submitted", onSubmitted);
      try {
        const handle = await fixture.remote.function("slow").spawn(textTable(24), { chunkSize: 2, concurrentChunks: 3 });
        const result = await handle.get();
        assert.deepEqual(resultValues(result), Array.from({ length: 24 }, (_, i) => `row ${i}`));
        assert.equal(inFlight.length, 12, "every chunk submitted once");
        assert.equal(Math.max(...inFlight), 3, "the queue had 3 chunks in flight, never more");
        // 8 worker slots were free: had the queue submitted more chunks, the workers would have held rows of more.
        assert.ok(most >= 1 && most <= 3, `the workers held rows of ${most} chunks at once`);
      } finally {
        fixture.queue.calls.off("chunk-submitted", onSubmitted);
      }
    }));

    it("results expire after resultTtlMs with CHALKNB_RESULT_EXPIRED naming the TTL", () => {
      const clock = new ManualClock();
      return withFixture({ clock, resultTtlMs: 60_000 }, async (fixture) => {
        await fixture.worker({ name: "echo", maxBatchingSize: 4, maxBufferDuration: 1 }, (text: string[]) => text);
        const handle = await fixture.remote.function("echo").spawn(textTable(8), { chunkSize: 4 });
        assert.deepEqual(resultValues(await handle.get()), Array.from({ length: 8 }, (_, i) => `row ${i}`));
        const status = await handle.status();
        assert.equal(status.expiresAt, status.finishedAt! + 60_000);
        clock.advance(59_999);
        assert.deepEqual(resultValues(await fixture.remote.call(handle.id).get()), Array.from({ length: 8 }, (_, i) => `row ${i}`));
        clock.advance(1);
        const finished = new Date(status.finishedAt!).toISOString();
        await assert.rejects(fixture.remote.call(handle.id).get(), {
          code: ErrorCode.ResultExpired,
          message: `the results of call ${handle.id} to "echo" expired (it finished at ${finished}): results are kept for --result-ttl 1 min (resultTtlMs) ` +
            "after a call finishes; run the call again, or start the queue with a longer --result-ttl",
        });
        assert.equal((await handle.status()).state, "expired");
      });
    });

    it("cancel() stops a spawned call: nothing more is submitted and get() says it was cancelled", () => withFixture({}, async (fixture) => {
      const held = gate();
      await fixture.worker({ name: "held", maxBatchingSize: 2, maxBufferDuration: 1 }, held.handler);
      const submitted: number[] = [];
      const onSubmitted = (event: { chunk: number }) => submitted.push(event.chunk);
      fixture.queue.calls.on("chunk-submitted", onSubmitted);
      try {
        const handle = await fixture.remote.function("held").spawn(textTable(12), { chunkSize: 2, concurrentChunks: 1 });
        await until("the worker holds chunk 0", () => held.seen.length === 2);
        const status = await handle.cancel();
        assert.deepEqual([status.state, status.rowsDone, status.chunks], ["cancelled", 0, { total: 6, queued: 0, running: 0, done: 0, failed: 0, cancelled: 6 }]);
        await assert.rejects(handle.get(), { code: ErrorCode.Cancelled, message: `call ${handle.id} to "held" was cancelled (0/12 rows had finished)` });
        held.release();
        await sleep(50);
        assert.deepEqual(submitted, [0]);
        assert.deepEqual(held.seen, ["row 0", "row 1"]);
      } finally {
        fixture.queue.calls.off("chunk-submitted", onSubmitted);
      }
    }));

    it("status() counts rows, chunks by state and row errors; get() gives result and error columns with returnErrors", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "parse", maxBatchingSize: 4, maxBufferDuration: 1, retries: 0 }, (text: string[]) => {
        if (text.includes("row 5")) throw new Error("cannot parse row 5");
        return text.map((t) => t.length);
      });
      const handle = await fixture.remote.function("parse").spawn(textTable(8), { chunkSize: 4, returnErrors: true });
      const table = await handle.get();
      assert.deepEqual(resultValues(table), [5, 5, 5, 5, 5, null, 5, 5]);
      assert.deepEqual(Array.from(table.getChild("error")!), [null, null, null, null, null, "cannot parse row 5", null, null]);
      const { id, function: fn, state, totalRows, rowsDone, chunks, rowErrors, returnErrors, concurrentChunks, priority } = await handle.status();
      assert.deepEqual({ id, fn, state, totalRows, rowsDone, chunks, rowErrors, returnErrors, concurrentChunks, priority }, {
        id: handle.id, fn: "parse", state: "done", totalRows: 8, rowsDone: 8, chunks: { total: 2, queued: 0, running: 0, done: 2, failed: 0, cancelled: 0 },
        rowErrors: 1, returnErrors: true, concurrentChunks: 4, priority: "batch",
      });
      const listed = (await fixture.remote.calls()).find((c) => c.id === handle.id);
      assert.deepEqual([listed?.state, listed?.rowsDone, listed?.totalRows], ["done", 8, 8]);
    }));

    it("a failed chunk fails the spawned call with the chunk's error", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "broken", maxBatchingSize: 4, maxBufferDuration: 1, retries: 0 }, (text: string[]) => {
        if (text.includes("row 6")) throw new Error("cannot embed row 6");
        return text;
      });
      const handle = await fixture.remote.function("broken").spawn(textTable(8), { chunkSize: 4, concurrentChunks: 1 });
      await assert.rejects(handle.get(), {
        code: ErrorCode.HandlerFailed,
        message: 'chunk 1 (rows 4–7 (4 rows)) of function "broken" failed at row 6 after 1 attempt (retries: 0): cannot embed row 6',
      });
      const status = await handle.status();
      assert.deepEqual([status.state, status.error?.chunk, status.chunks.done, status.chunks.failed], ["failed", 1, 1, 1]);
    }));

    it("an unknown call id fails clearly", () => withFixture({}, async (fixture) => {
      const message = 'no spawned call "no-such-call" on this queue: check the id (handle.id), and that this Remote uses the queue that ran it ' +
        "(a call lives on the queue it was spawned on; with Redis, on every gateway of that Redis)";
      await assert.rejects(fixture.remote.call("no-such-call").get(), { code: ErrorCode.UnknownCall, message });
      await assert.rejects(fixture.remote.call("no-such-call").status(), { code: ErrorCode.UnknownCall, message });
      await assert.rejects(fixture.remote.call("no-such-call").cancel(), { code: ErrorCode.UnknownCall, message });
    }));

    it("a deferBatch handle has an id that another client re-attaches to", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "len", maxBatchingSize: 10, maxBufferDuration: 1 }, (text: string[]) => text.map((t) => t.length));
      const handle = fixture.remote.function("len").deferBatch(tableFromArrays({ text: ["hello world", "another sentence"] }).batches[0]);
      assert.match(handle.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(resultValues(await handle.get(60)), [11, 16]);
      const other = new Remote({ url: fixture.queue.url });
      try {
        assert.deepEqual(resultValues(await other.call(handle.id).get()), [11, 16]);
        assert.deepEqual((await other.call(handle.id).status()).chunks, { total: 1, queued: 0, running: 0, done: 1, failed: 0, cancelled: 0 });
      } finally {
        other.close();
      }
    }));

    it("get() receives every chunk when the call's last event overtakes its chunks' events (as on a Redis Cluster)", () => withFixture({}, async (fixture) => {
      const held = gate();
      await fixture.worker({ name: "echo", maxBatchingSize: 2, maxBufferDuration: 1 }, held.handler, { concurrency: 3 });
      // Pub/sub gives no order across channels and nodes: hold each chunk's "done" until the next call event went out.
      const store = fixture.queue.calls.store;
      const publish = store.publish.bind(store);
      const late: Parameters<typeof publish>[0][] = [];
      store.publish = (event) => {
        if (event.kind === "chunk" && event.state === "done") return void late.push(event);
        publish(event);
        if (event.kind === "call") for (const chunk of late.splice(0)) publish(chunk);
      };
      const handle = await fixture.remote.function("echo").spawn(textTable(5), { chunkSize: 2 });
      let attached!: () => void;
      const attachedOnce = new Promise<void>((resolve) => (attached = resolve));
      const result = handle.get(null, { onProgress: () => attached() });
      await attachedOnce;
      await until("the worker holds every row", () => held.seen.length === 5);
      held.release();
      assert.deepEqual(resultValues(await result), Array.from({ length: 5 }, (_, i) => `<row ${i}>`));
    }));

    it("handle.stream() yields finished chunks, those done before it attached first", () => withFixture({}, async (fixture) => {
      await fixture.worker({ name: "echo", maxBatchingSize: 3, maxBufferDuration: 1 }, (text: string[]) => text);
      const handle = await fixture.remote.function("echo").spawn(textTable(9), { chunkSize: 3 });
      await handle.get();
      const seen: Array<[number, number[], unknown[]]> = [];
      for await (const { chunk, rows, result } of handle.stream({ ordered: true })) seen.push([chunk, rows, resultValues(result)]);
      assert.deepEqual(seen, [0, 1, 2].map((c) => [c, [c * 3, c * 3 + 3], [0, 1, 2].map((i) => `row ${c * 3 + i}`)]));
    }));
  });

  describe(`${backend.label} backend: priority (issue 12 item 5)`, { skip: backend.skip }, () => {
    it("serves an interactive call while batch work is queued, and batch rows still lead every 4th batch", () => withFixture({}, async (fixture) => {
      let release!: () => void;
      const first = new Promise<void>((resolve) => (release = resolve));
      let batches = 0;
      const ran: string[][] = [];
      await fixture.worker({ name: "echo", maxBatchingSize: 4, maxBufferDuration: 1 }, async (text: string[]) => {
        ran.push([...text]);
        if (batches++ === 0) await first; // the first batch holds the only slot while the rest queues
        return text;
      }, { concurrency: 1 });
      // Memory counts queued rows; Redis counts rows submitted and not finished (the held batch's 4 too).
      const held = backend.label === "memory" ? 0 : 4;
      const buffered = async () => (await fixture.remote.functions()).find((f) => f.name === "echo")?.bufferedRows;
      const spawned = await fixture.remote.function("echo").spawn(textTable(16, "batch"), { chunkSize: 4, concurrentChunks: 4 });
      await until("the first batch is on the worker and the other 12 batch rows wait", async () => ran.length === 1 && (await buffered()) === 12 + held);
      const interactive = fixture.remote.function("echo").chunkedCall(textTable(20, "int"), { chunkSize: 4, concurrentChunks: 5 });
      await until("the interactive rows wait too", async () => (await buffered()) === 32 + held);
      release();
      assert.deepEqual(resultValues(await interactive), Array.from({ length: 20 }, (_, i) => `int ${i}`));
      await spawned.get();
      // The first batch was already running; then interactive rows lead, except every 4th batch formed while both wait.
      assert.deepEqual(ran.map((rows) => rows[0].split(" ")[0]), ["batch", "int", "int", "int", "batch", "int", "int", "batch", "batch"]);
      assert.deepEqual(fixture.batches.map((b) => b.rows), [4, 4, 4, 4, 4, 4, 4, 4, 4], "priority changes the order, not the batch size");
    }));
  });
}
