import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../protocol/errors.js";
import type { CallProgress } from "../../protocol/progress.js";
import type { StreamedChunk } from "../../sdk/index.js";
import { startFixture, textTable, resultValues, type QueueFixture } from "../helpers/queue-fixture.js";

/** A promise with its resolver, to hold a handler until the test says so. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Resolves when a progress update shows chunk `index` done (updates come at least every 50 ms, the last at once). */
function chunkDone(index: number): { onProgress: (p: CallProgress) => void; done: Promise<void> } {
  const { opened, open } = gate();
  return { onProgress: (p) => p.chunks[index].state === "done" && open(), done: opened };
}

const summary = (chunk: StreamedChunk) => ({ chunk: chunk.chunk, rows: chunk.rows, result: resultValues(chunk.result) });

async function withFixture(body: (fixture: QueueFixture) => Promise<void>): Promise<void> {
  const fixture = await startFixture();
  try {
    await body(fixture);
  } finally {
    await fixture.close();
  }
}

describe("fn.stream()", () => {
  it("yields chunks as they finish, each with its rows and result", () => withFixture(async (fixture) => {
    // Chunk 0 waits until the loop has seen chunk 1; chunk 2 until it has seen chunk 0: the order is 1, 0, 2.
    const gates = { "row 0": gate(), "row 4": gate() };
    await fixture.worker({ name: "shout", maxBatchingSize: 2, maxBufferDuration: 1 }, async (text: string[]) => {
      await gates[text[0] as keyof typeof gates]?.opened;
      return text.map((t) => `${t}!`);
    });
    const seen: Array<ReturnType<typeof summary>> = [];
    for await (const chunk of fixture.remote.function("shout").stream(textTable(6), { chunkSize: 2, concurrentChunks: 2 })) {
      seen.push(summary(chunk));
      if (chunk.chunk === 1) gates["row 0"].open();
      if (chunk.chunk === 0) gates["row 4"].open();
    }
    assert.deepEqual(seen, [
      { chunk: 1, rows: [2, 4], result: ["row 2!", "row 3!"] },
      { chunk: 0, rows: [0, 2], result: ["row 0!", "row 1!"] },
      { chunk: 2, rows: [4, 6], result: ["row 4!", "row 5!"] },
    ]);
  }));

  it("ordered: true yields input order when chunks finish out of order, holding at most concurrentChunks", () => withFixture(async (fixture) => {
    const log: string[] = [];
    const first = gate();
    await fixture.worker({ name: "shout", maxBatchingSize: 2, maxBufferDuration: 1 }, async (text: string[]) => {
      log.push(`run ${text[0]}`);
      if (text[0] === "row 0") await first.opened;
      return text.map((t) => `${t}!`);
    });
    const progress = chunkDone(1);
    progress.done.then(() => {
      log.push("chunk 1 done");
      first.open();
    });
    const seen: Array<ReturnType<typeof summary>> = [];
    for await (const chunk of fixture.remote.function("shout").stream(textTable(6), { chunkSize: 2, concurrentChunks: 2, ordered: true, onProgress: progress.onProgress })) {
      log.push(`yield ${chunk.chunk}`);
      seen.push(summary(chunk));
    }
    assert.deepEqual(seen, [
      { chunk: 0, rows: [0, 2], result: ["row 0!", "row 1!"] },
      { chunk: 1, rows: [2, 4], result: ["row 2!", "row 3!"] },
      { chunk: 2, rows: [4, 6], result: ["row 4!", "row 5!"] },
    ]);
    // Chunk 1 finished first and waited; chunk 2 was submitted only once chunk 0 was taken (two slots, both held).
    assert.deepEqual(log, ["run row 0", "run row 2", "chunk 1 done", "yield 0", "yield 1", "run row 4", "yield 2"]);
  }));

  it("breaking out of the loop cancels the rest: the queue drops the chunk in flight and never sees the others", () => withFixture(async (fixture) => {
    const ran: string[] = [];
    const held = gate();
    await fixture.worker({ name: "held", maxBatchingSize: 2, maxBufferDuration: 1 }, async (text: string[]) => {
      ran.push(text[0]);
      if (text[0] === "row 2") await held.opened;
      return text;
    });
    const updates: CallProgress[] = [];
    const fn = fixture.remote.function("held");
    const seen: Array<ReturnType<typeof summary>> = [];
    try {
      for await (const chunk of fn.stream(textTable(12), { chunkSize: 2, concurrentChunks: 2, onProgress: (p) => updates.push(p) })) {
        seen.push(summary(chunk));
        break;
      }
      // Same socket, so the queue has handled the cancel by the time this later call's result is back.
      assert.deepEqual(resultValues(await fn.chunkedCall(textTable(2, "after"), { chunkSize: 2 })), ["after 0", "after 1"]);
    } finally {
      held.open();
    }
    assert.deepEqual(seen, [{ chunk: 0, rows: [0, 2], result: ["row 0", "row 1"] }]);
    assert.deepEqual(ran, ["row 0", "row 2", "after 0"], "chunks 2–5 never ran");
    const metrics = await fixture.remote.stats();
    assert.match(metrics, /^chalknb_cancels_total\{function="held"\} 1$/m, "the queue dropped chunk 1");
    assert.match(metrics, /^chalknb_rows_in_total\{function="held"\} 6$/m, "chunks 2–5 were never submitted");
    const last = updates.filter((p) => p.functionName === "held" && p.totalRows === 12).at(-1)!;
    assert.equal(last.state, "cancelled");
    assert.deepEqual(last.chunks.map((c) => c.state), ["done", "cancelled", "cancelled", "cancelled", "cancelled", "cancelled"]);
  }));

  it("a failed chunk throws from the loop after the chunks that finished before it", () => withFixture(async (fixture) => {
    await fixture.worker({ name: "picky", maxBatchingSize: 2, maxBufferDuration: 1, retries: 0 }, (text: string[]) => {
      if (text.includes("row 3")) throw new Error("cannot take row 3");
      return text;
    });
    const seen: Array<ReturnType<typeof summary>> = [];
    await assert.rejects(async () => {
      for await (const chunk of fixture.remote.function("picky").stream(textTable(6), { chunkSize: 2, concurrentChunks: 1 })) seen.push(summary(chunk));
    }, {
      code: ErrorCode.HandlerFailed,
      message: 'chunk 1 (rows 2–3 (2 rows)) of function "picky" failed at row 3 after 1 attempt (retries: 0): cannot take row 3',
    });
    assert.deepEqual(seen, [{ chunk: 0, rows: [0, 2], result: ["row 0", "row 1"] }]);
  }));

  it("checks its options when called, before any chunk runs", () => withFixture(async (fixture) => {
    const fn = fixture.remote.function("nothing");
    assert.throws(() => fn.stream(textTable(3), {}), { code: ErrorCode.InvalidArgument, message: "chunkedCall needs chunkSize (rows per chunk) or numChunks (number of chunks)" });
    const none: StreamedChunk[] = [];
    for await (const chunk of fn.stream(textTable(0), { chunkSize: 2 })) none.push(chunk);
    assert.deepEqual(none, []);
  }));
});
