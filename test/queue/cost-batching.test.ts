import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Field, Float64, List, tableFromArrays, vectorFromArray, Table, Utf8 } from "apache-arrow";
import { MemoryBackend } from "../../queue/backends/memory-backend.js";
import type { ClientPeer, WorkerPeer } from "../../queue/entities.js";
import { bodyParts, decodeFrame } from "../../protocol/frame-codec.js";
import { decodeRows, encodeRows } from "../../protocol/arrow-ipc.js";
import { ErrorCode, InvalidArgumentError } from "../../protocol/errors.js";
import type { BatchMessage, FunctionSpec, Message } from "../../protocol/messages.js";
import { costFull, costOptionsProblem, rowCosts } from "../../queue/policy/cost.js";
import { takeBatch } from "../../queue/policy/isolation.js";
import { takeBucket } from "../../queue/policy/cost-buckets.js";
import { defineFunction } from "../../queue/define-function.js";
import { ManualClock } from "../helpers/manual-clock.js";

const whole = (frame: Uint8Array | readonly Uint8Array[]) => (frame instanceof Uint8Array ? frame : Buffer.concat(frame));

/** A fake client and worker; the worker keeps each batch's rows (the `text` column) as it received them. */
function peers() {
  const sent: Message[] = [];
  const client: ClientPeer = { id: "client", chunks: new Map(), send: (f) => void sent.push(decodeFrame(whole(f)).header) };
  const batches: Array<{ header: BatchMessage; text: string[] }> = [];
  const worker: WorkerPeer = {
    id: "worker", name: "worker", functions: new Set(["f"]), credits: 0, inFlight: new Set(),
    send: (f) => {
      const frame = decodeFrame(whole(f));
      const header = frame.header as BatchMessage;
      const text = bodyParts(frame, header.segments.map((s) => s.bytes)).flatMap((part) => Array.from(decodeRows(part).getChild("text")!, String));
      batches.push({ header, text });
    },
  };
  return { client, worker, sent, batches };
}

const byBytes: FunctionSpec = { name: "f", maxBatchingSize: 10, maxBufferDuration: 100, retries: 0, inputs: ["text"], maxBatchingCost: 10, cost: { column: "text", per: "bytes" } };

function submit(core: MemoryBackend, client: ClientPeer, chunk: number, texts: string[]) {
  core.submit(client, { type: "submit", callId: "c", chunk, function: "f", rows: [chunk * 100, chunk * 100 + texts.length], timeoutMs: null }, encodeRows(tableFromArrays({ text: texts })));
}

describe("row costs (policy/cost.ts)", () => {
  it("reads string bytes from the offsets (÷ 4 by default), list lengths and numeric values; nulls cost 0", () => {
    const table = new Table({
      text: vectorFromArray(["abcd", "", null, "é" /* 2 bytes */, "x".repeat(10)], new Utf8()),
      tokens: vectorFromArray([[1, 2, 3], [], null, [4], [5, 6]], new List(new Field("item", new Float64(), true))),
      cost: vectorFromArray([1.5, 0, null, 7, 2], new Float64()),
    });
    assert.deepEqual(Array.from(rowCosts(table, { column: "text" })), [1, 0, 0, 0.5, 2.5]);
    assert.deepEqual(Array.from(rowCosts(table, { column: "text", per: "bytes" })), [4, 0, 0, 2, 10]);
    assert.deepEqual(Array.from(rowCosts(table, { column: "tokens" })), [3, 0, 0, 1, 2]);
    assert.deepEqual(Array.from(rowCosts(table, { column: "cost" })), [1.5, 0, 0, 7, 2]);
    // A slice (a chunk of a bigger table, re-encoded or not) prices its own rows.
    assert.deepEqual(Array.from(rowCosts(table.slice(3, 5), { column: "text", per: "bytes" })), [2, 10]);
    assert.deepEqual(Array.from(rowCosts(decodeRows(encodeRows(table.slice(3, 5))), { column: "text", per: "bytes" })), [2, 10]);
  });

  it("refuses a cost function, naming why and what to do instead", () => {
    assert.throws(() => defineFunction({ name: "embed", maxBatchingCost: 100, cost: ((row: unknown) => String(row).length) as never }, (text: string[]) => text), (error: Error) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.match(error.message, /^defineFunction\("embed"\): cost must be a column-based cost such as \{ column: "text", per: "bytes\/4" \}, not a function: the queue forms batches before any worker sees the rows/);
      return true;
    });
    assert.equal(costOptionsProblem({ maxBatchingCost: 100 }), 'maxBatchingCost is set without cost: say how a row\'s cost is read, e.g. cost: { column: "text", per: "bytes/4" }');
    assert.equal(costOptionsProblem({ cost: { column: "text", per: "tokens" } }), 'cost.per must be one of "bytes/4", "bytes", "items", "value", got "tokens"');
    assert.equal(costOptionsProblem({ cost: { column: "text" }, maxBatchingCost: 0 }), "maxBatchingCost must be a positive number, got 0");
    assert.equal(costOptionsProblem({ sortByCost: true }), "sortByCost needs a cost (and maxBatchingCost)");
  });
});

describe("batch formation by cost (policy/isolation.ts takeBatch, policy/cost-buckets.ts)", () => {
  type Item = { key: string; rowCount: number; failures: number; costs: Float64Array; from: number; isolated?: boolean };
  const item = (costs: number[], from = 0): Item => ({ key: "k", rowCount: costs.length, failures: 0, costs: Float64Array.from(costs), from });
  const split = (i: Item, n: number): [Item, Item] => [
    { ...i, rowCount: n, costs: i.costs.subarray(0, n) },
    { ...i, from: i.from + n, rowCount: i.rowCount - n, costs: i.costs.subarray(n) },
  ];
  const slice = (i: Item, from: number, to: number): Item => ({ ...i, from: i.from + from, rowCount: to - from, costs: i.costs.subarray(from, to) });
  const rowsOf = (items: Item[]) => items.flatMap((i) => Array.from({ length: i.rowCount }, (_, r) => i.from + r));

  it("never passes the cost limit: a batch ends before the row that would pass it; a row above it goes alone", () => {
    const costs = [3, 4, 2, 5, 12, 1, 1, 9, 3];
    const buffer = [item(costs.slice(0, 4)), item(costs.slice(4), 4)];
    const batches: number[][] = [];
    while (buffer.length > 0) batches.push(rowsOf(takeBatch(buffer, { maxRows: 10, maxCost: 10 }, (i) => i.key, split)));
    assert.deepEqual(batches, [[0, 1, 2], [3], [4], [5, 6], [7], [8]]);
    for (const batch of batches) {
      const cost = batch.reduce((n, r) => n + costs[r], 0);
      assert.ok(batch.length === 1 || cost <= 10, `batch ${batch} costs ${cost}`);
    }
  });

  it("calls the front of the buffer full once the next row would pass the limit, or at maxRows", () => {
    assert.equal(costFull([item([4, 4])], 10, 10), false);
    assert.equal(costFull([item([4, 4]), item([3])], 10, 10), true);
    assert.equal(costFull([item([20])], 10, 10), true, "a row above the limit is a batch of its own");
    assert.equal(costFull([item([0, 0, 0])], 3, 10), true);
  });

  it("with sortByCost, batches the oldest row with the rows closest to its cost and keeps the rest in order", () => {
    const buffer = [item([1, 9, 1, 9, 2, 8])];
    const first = rowsOf(takeBucket(buffer, { maxRows: 3 }, { slice })!);
    assert.deepEqual(first, [0, 2, 4]);
    assert.deepEqual(rowsOf(buffer), [1, 3, 5]);
    assert.deepEqual(rowsOf(takeBucket(buffer, { maxRows: 3 }, { slice })!), [1, 3, 5]);
    assert.equal(buffer.length, 0);
    const isolated = [{ ...item([1]), isolated: true }];
    assert.equal(takeBucket(isolated, { maxRows: 3 }, { slice }), undefined, "isolated rows are never bucketed");
  });
});

describe("cost batching in the queue (injected clock)", () => {
  it("dispatches a batch when the next row would pass maxBatchingCost, and the rest at the deadline", () => {
    const clock = new ManualClock();
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const { client, worker, batches } = peers();
    core.addWorker(worker, [byBytes]);
    core.addCredits(worker, 4);
    submit(core, client, 0, ["aaaa", "bbbb"]);
    assert.equal(batches.length, 0, "8 of 10: the batch may still grow");
    submit(core, client, 1, ["ccc"]);
    assert.deepEqual(batches.map((b) => b.text), [["aaaa", "bbbb"]], "ccc would pass 10: the batch goes without it");
    clock.advance(99);
    assert.equal(batches.length, 1, "ccc alone is not a full batch");
    clock.advance(1);
    assert.deepEqual(batches.map((b) => b.text).slice(1), [["ccc"]], "it goes at maxBufferDuration");
    submit(core, client, 2, ["x".repeat(50), "y"]);
    assert.deepEqual(batches.map((b) => b.text).slice(2), [["x".repeat(50)]], "a row above the limit goes alone, at once");
  });

  it("with sortByCost, forms batches of similar length within the buffer", () => {
    const clock = new ManualClock();
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const { client, worker, batches } = peers();
    core.addWorker(worker, [{ ...byBytes, maxBatchingSize: 3, maxBatchingCost: 1000, sortByCost: true }]);
    submit(core, client, 0, ["a", "bbbbbbbbb", "c", "ddddddddd", "ee", "ffffffff"]);
    core.addCredits(worker, 2);
    assert.deepEqual(batches.map((b) => b.text), [["a", "c", "ee"], ["bbbbbbbbb", "ddddddddd", "ffffffff"]]);
  });

  it("refuses rows that lack the cost column, naming it", () => {
    const clock = new ManualClock();
    const core = new MemoryBackend({ clock, maxBufferedRows: 1000, retryBackoffMs: 10, maxWorkerLosses: 3 });
    const { client, worker, sent } = peers();
    core.addWorker(worker, [{ ...byBytes, inputs: "table" }]);
    core.submit(client, { type: "submit", callId: "c", chunk: 0, function: "f", rows: [0, 1], timeoutMs: null }, encodeRows(tableFromArrays({ words: ["a"] })));
    const error = sent.find((m) => m.type === "error") as Extract<Message, { type: "error" }>;
    assert.equal(error.code, ErrorCode.SchemaMismatch);
    assert.equal(error.message, 'function "f" prices rows by the column "text" (maxBatchingCost 10) but the input table has "words"; add that column');
  });
});
