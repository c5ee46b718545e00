import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { QueueCore } from "../../queue/queue-core.js";
import type { ClientPeer, WorkerPeer } from "../../queue/entities.js";
import { decodeFrame } from "../../protocol/frame-codec.js";
import { encodeRows } from "../../protocol/arrow-ipc.js";
import type { BatchMessage, Message } from "../../protocol/messages.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { startFixture, textTable, resultValues } from "../helpers/queue-fixture.js";
import { Remote } from "../../kernel/sdk/index.js";

/** The fake peers see frames as the socket would deliver them: one message, fragments joined. */
const whole = (frame: Uint8Array | readonly Uint8Array[]) => (frame instanceof Uint8Array ? frame : Buffer.concat(frame));

function peers() {
  const sent: Message[] = [];
  const client: ClientPeer = { id: "client", chunks: new Map(), send: (f) => void sent.push(decodeFrame(whole(f)).header) };
  const batches: BatchMessage[] = [];
  const worker: WorkerPeer = {
    id: "worker", name: "worker", functions: new Set(["f"]), credits: 0, inFlight: new Set(),
    send: (f) => void batches.push(decodeFrame(whole(f)).header as BatchMessage),
  };
  return { client, worker, sent, batches };
}

const spec = { name: "f", maxBatchingSize: 10, maxBufferDuration: 100, retries: 0, inputs: ["text"] };

describe("batch formation (injected clock)", () => {
  it("dispatches a partial batch exactly when the oldest row has waited maxBufferDuration", () => {
    const clock = new ManualClock();
    const core = new QueueCore({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const { client, worker, batches } = peers();
    core.addWorker(worker, [spec]);
    core.addCredits(worker, 1);
    core.submit(client, { type: "submit", callId: "c", chunk: 0, function: "f", rows: [0, 3], timeoutMs: null }, encodeRows(textTable(3)));
    clock.advance(40);
    core.submit(client, { type: "submit", callId: "c", chunk: 1, function: "f", rows: [3, 5], timeoutMs: null }, encodeRows(textTable(2)));
    clock.advance(59);
    assert.equal(batches.length, 0, "no batch before the oldest row's deadline");
    clock.advance(1);
    assert.deepEqual(batches.map((b) => b.segments.map((s) => s.rows)), [[3, 2]]);
  });

  it("dispatches full batches at once, splitting a chunk across batch boundaries", () => {
    const clock = new ManualClock();
    const core = new QueueCore({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const { client, worker, batches } = peers();
    core.addWorker(worker, [spec]);
    core.addCredits(worker, 5);
    core.submit(client, { type: "submit", callId: "c", chunk: 0, function: "f", rows: [0, 25], timeoutMs: null }, encodeRows(textTable(25)));
    assert.deepEqual(batches.map((b) => b.segments.map((s) => s.rows)), [[10], [10]]);
    clock.advance(100);
    assert.deepEqual(batches.map((b) => b.segments.map((s) => s.rows)), [[10], [10], [5]]);
  });

  it("holds a full batch until a worker has credit", () => {
    const clock = new ManualClock();
    const core = new QueueCore({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const { client, worker, batches } = peers();
    core.addWorker(worker, [spec]);
    core.submit(client, { type: "submit", callId: "c", chunk: 0, function: "f", rows: [0, 10], timeoutMs: null }, encodeRows(textTable(10)));
    clock.advance(1000);
    assert.equal(batches.length, 0);
    core.addCredits(worker, 1);
    assert.equal(batches.length, 1);
  });
});

describe("batch formation (real queue, real worker)", () => {
  it("sends full batches when rows arrive fast and a partial batch after maxBufferDuration", async () => {
    const fixture = await startFixture();
    try {
      const sizes: number[] = [];
      await fixture.worker({ name: "echo", maxBatchingSize: 10, maxBufferDuration: 30_000 }, (text: string[]) => {
        sizes.push(text.length);
        return text.map((t) => t.toUpperCase());
      });
      const fn = fixture.remote.function("echo");
      // 40 rows in 4 concurrent chunks: only full batches can form before the 30 s deadline.
      const result = await fn.chunkedCall(textTable(40), { chunkSize: 10, concurrentChunks: 4 });
      assert.deepEqual(sizes, [10, 10, 10, 10]);
      assert.equal(result.numRows, 40);
      assert.deepEqual(fixture.batches.map((b) => b.reason), ["full", "full", "full", "full"]);
    } finally {
      await fixture.close();
    }
  });

  it("sends what it has after maxBufferDuration when the buffer never fills", async () => {
    const fixture = await startFixture();
    try {
      const sizes: number[] = [];
      await fixture.worker({ name: "echo", maxBatchingSize: 100, maxBufferDuration: 20 }, (text: string[]) => {
        sizes.push(text.length);
        return text;
      });
      const result = await fixture.remote.function("echo").chunkedCall(textTable(7), { chunkSize: 7 });
      assert.deepEqual(sizes, [7]);
      assert.deepEqual(fixture.batches.map((b) => [b.rows, b.reason]), [[7, "deadline"]]);
      assert.deepEqual(resultValues(result), Array.from({ length: 7 }, (_, i) => `row ${i}`));
    } finally {
      await fixture.close();
    }
  });

  it("merges rows of several clients into one batch", async () => {
    const fixture = await startFixture();
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
      await fixture.close();
    }
  });
});
