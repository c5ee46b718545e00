import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryBackend } from "../../queue/backends/memory-backend.js";
import type { ClientPeer, WorkerPeer } from "../../queue/entities.js";
import { decodeFrame } from "../../protocol/frame-codec.js";
import { encodeRows } from "../../protocol/arrow-ipc.js";
import type { BatchMessage, Message } from "../../protocol/messages.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { textTable } from "../helpers/queue-fixture.js";

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
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
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
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
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
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const { client, worker, batches } = peers();
    core.addWorker(worker, [spec]);
    core.submit(client, { type: "submit", callId: "c", chunk: 0, function: "f", rows: [0, 10], timeoutMs: null }, encodeRows(textTable(10)));
    clock.advance(1000);
    assert.equal(batches.length, 0);
    core.addCredits(worker, 1);
    assert.equal(batches.length, 1);
  });
});

describe("failure isolation (injected clock)", () => {
  it("runs each chunk of a failed merged batch alone, charging nothing to them, and fails only the chunk that fails alone", () => {
    const clock = new ManualClock();
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const a = peers();
    const b = peers();
    const { worker, batches } = a;
    core.addWorker(worker, [{ ...spec, maxBatchingSize: 4 }]);
    core.addCredits(worker, 1);
    core.submit(a.client, { type: "submit", callId: "a", chunk: 0, function: "f", rows: [0, 1], timeoutMs: null }, encodeRows(textTable(1, "a")));
    core.submit(b.client, { type: "submit", callId: "b", chunk: 0, function: "f", rows: [0, 3], timeoutMs: null }, encodeRows(textTable(3, "b")));
    assert.deepEqual(batches.map((m) => m.segments.map((s) => s.rows)), [[1, 3]], "one merged batch");
    core.fail(worker, { type: "failed", batchId: batches[0].batchId, message: "cannot handle value a 0" });
    assert.deepEqual(batches.slice(1).map((m) => m.segments.map((s) => s.rows)), [[1]], "chunk a alone, at once, without backoff");
    assert.equal(batches[1].attempt, 1, "the isolation run is not an attempt");
    core.fail(worker, { type: "failed", batchId: batches[1].batchId, message: "cannot handle value a 0" });
    const aError = a.sent.find((m) => m.type === "error") as { message: string; attempts: number } | undefined;
    assert.equal(aError?.message, 'chunk 0 (row 0) of function "f" failed after 1 attempt (retries: 0): cannot handle value a 0');
    assert.equal(aError?.attempts, 1);
    assert.deepEqual(batches.slice(2).map((m) => m.segments.map((s) => s.rows)), [[3]], "then chunk b alone");
    const part = encodeRows(textTable(3));
    core.complete(worker, { type: "done", batchId: batches[2].batchId, segments: [{ rows: 3, bytes: part.byteLength }] }, [part]);
    assert.deepEqual(b.sent.map((m) => m.type), ["accepted", "progress", "result"], "client b saw no error, no retry");
    assert.equal(core.metrics().get("f")!.counters.isolations, 1);
  });

  it("keeps isolated rows out of merged batches while their chunk lives", () => {
    const clock = new ManualClock();
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const { client, worker, batches } = peers();
    core.addWorker(worker, [{ ...spec, maxBatchingSize: 4, retries: 2 }]);
    core.addCredits(worker, 1);
    core.submit(client, { type: "submit", callId: "c", chunk: 0, function: "f", rows: [0, 2], timeoutMs: null }, encodeRows(textTable(2)));
    core.submit(client, { type: "submit", callId: "c", chunk: 1, function: "f", rows: [2, 4], timeoutMs: null }, encodeRows(textTable(2)));
    core.fail(worker, { type: "failed", batchId: batches[0].batchId, message: "boom" }); // merged: isolate
    core.fail(worker, { type: "failed", batchId: batches[1].batchId, message: "boom" }); // chunk 0 alone: a retry, with backoff
    core.complete(worker, { type: "done", batchId: batches[2].batchId, segments: [{ rows: 2, bytes: 1 }] }, [encodeRows(textTable(2))]);
    core.submit(client, { type: "submit", callId: "c", chunk: 2, function: "f", rows: [4, 6], timeoutMs: null }, encodeRows(textTable(2)));
    clock.advance(10); // chunk 0's retry is due: with chunk 2 the buffer holds a full batch of 4 rows, yet it goes alone
    assert.deepEqual(batches[3].segments.map((s) => s.rows), [2]);
    core.complete(worker, { type: "done", batchId: batches[3].batchId, segments: [{ rows: 2, bytes: 1 }] }, [encodeRows(textTable(2))]);
    clock.advance(100);
    const shapes = batches.map((m) => m.segments.map((s) => s.rows));
    assert.deepEqual(shapes, [[2, 2], [2], [2], [2], [2]], "chunk 0's retry never shares a batch with chunk 2");
  });
});
