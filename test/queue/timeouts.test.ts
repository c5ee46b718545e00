import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../protocol/errors.js";
import { cancelAllCalls } from "../../sdk/index.js";
import { startFixture, textTable } from "../helpers/queue-fixture.js";
import { MemoryBackend } from "../../queue/backends/memory-backend.js";
import type { ClientPeer, WorkerPeer } from "../../queue/entities.js";
import { decodeFrame } from "../../protocol/frame-codec.js";
import { encodeRows } from "../../protocol/arrow-ipc.js";
import type { BatchMessage, Message } from "../../protocol/messages.js";
import { ManualClock } from "../helpers/manual-clock.js";

describe("timeouts, cancel and queue_full", () => {
  it("cancelAllCalls() (kernel interrupt) cancels every call in flight", async () => {
    const fixture = await startFixture();
    try {
      // In flight for sure once the worker runs one of its batches (the handler then never answers).
      let running!: () => void;
      const handlerRan = new Promise<void>((resolve) => (running = resolve));
      await fixture.worker({ name: "never", maxBatchingSize: 2, maxBufferDuration: 1 }, (text: string[]) => {
        running();
        return new Promise(() => void text);
      });
      const call = fixture.remote.function("never").chunkedCall(textTable(4), { chunkSize: 2 });
      call.catch(() => undefined);
      await handlerRan;
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

describe("batch deadline and abandoned batches (injected clock)", () => {
  const whole = (frame: Uint8Array | readonly Uint8Array[]) => (frame instanceof Uint8Array ? frame : Buffer.concat(frame));
  const spec = { name: "f", maxBatchingSize: 10, maxBufferDuration: 100, retries: 0, inputs: ["text"] };
  const setup = () => {
    const clock = new ManualClock();
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3, batchDeadlineMs: 1000 });
    const sent: Message[] = [];
    const client: ClientPeer = { id: "client", chunks: new Map(), send: (f) => void sent.push(decodeFrame(whole(f)).header) };
    const batches: BatchMessage[] = [];
    const worker: WorkerPeer = {
      id: "worker", name: "gpu-1", functions: new Set(["f"]), credits: 0, inFlight: new Set(),
      send: (f) => void batches.push(decodeFrame(whole(f)).header as BatchMessage),
    };
    core.addWorker(worker, [spec]);
    core.addCredits(worker, 1);
    const reply = (batch: BatchMessage) => {
      const part = encodeRows(textTable(batch.segments[0].rows));
      core.complete(worker, { type: "done", batchId: batch.batchId, segments: [{ rows: batch.segments[0].rows, bytes: part.byteLength }] }, [part]);
    };
    return { clock, core, client, worker, sent, batches, reply };
  };

  it("frees the slot at the deadline, delivers the rows again, marks the worker hung until its late reply, and counts the slot once", () => {
    const { clock, core, client, worker, sent, batches, reply } = setup();
    core.submit(client, { type: "submit", callId: "c", chunk: 0, function: "f", rows: [0, 10], timeoutMs: null }, encodeRows(textTable(10)));
    assert.equal(batches.length, 1);
    assert.equal(worker.credits, 0);
    clock.advance(999);
    assert.equal(batches.length, 1, "nothing happens before the deadline");
    clock.advance(1);
    assert.deepEqual(batches.map((b) => b.attempt), [1, 2], "the rows went out again (the freed slot took them), counted like a loss");
    assert.equal(worker.credits, 0);
    assert.deepEqual(core.functions()[0].hung, ["gpu-1"]);
    assert.equal(core.metrics().get("f")!.counters.batchDeadlines, 1);
    reply(batches[0]); // the hung batch answers at last: discarded, and it frees no second slot
    assert.equal(worker.credits, 0);
    assert.deepEqual(core.functions()[0].hung, []);
    assert.ok(!sent.some((m) => m.type === "result"), "the late result was not used");
    reply(batches[1]);
    assert.equal(worker.credits, 1);
    assert.deepEqual(sent.filter((m) => m.type === "result").length, 1);
  });

  it("frees the slot as soon as every chunk of the running batch timed out, and not again on the late reply", () => {
    const { clock, core, client, worker, sent, batches, reply } = setup();
    core.submit(client, { type: "submit", callId: "c", chunk: 0, function: "f", rows: [0, 10], timeoutMs: 500 }, encodeRows(textTable(10)));
    assert.equal(worker.credits, 0);
    clock.advance(500);
    assert.equal(sent.at(-1)?.type, "error");
    assert.equal(worker.credits, 1, "the abandoned batch's slot is free");
    assert.equal(core.functions()[0].inFlightBatches, 0);
    reply(batches[0]);
    assert.equal(worker.credits, 1);
    clock.advance(10_000);
    assert.deepEqual(core.functions()[0].hung, [], "an abandoned batch is not a hung one");
  });
});
