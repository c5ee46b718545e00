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
