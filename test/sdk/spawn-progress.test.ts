import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../protocol/errors.js";
import type { CallProgress } from "../../protocol/progress.js";
import { Remote, cancelAllCalls, setCallObserver } from "../../sdk/index.js";
import { startFixture, textTable, resultValues, sleep } from "../helpers/queue-fixture.js";

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (await check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

// A notebook cell draws progress from the SDK's call observer (the kernel installs it): a spawned call's get() feeds
// it as chunkedCall does, in the cell that awaits it, and again after a restart through remote.call(id).
describe("spawned calls in a notebook", () => {
  it("get() publishes chunk progress to the call observer; remote.call(id).get() in a new process-like Remote opens a fresh tile", async () => {
    const fixture = await startFixture();
    const seen: CallProgress[] = [];
    const previous = setCallObserver((p) => seen.push(p));
    const other = new Remote({ url: fixture.queue.url });
    try {
      await fixture.worker({ name: "echo", maxBatchingSize: 4, maxBufferDuration: 1 }, async (text: string[]) => {
        await sleep(5);
        return text;
      });
      const handle = await fixture.remote.function("echo").spawn(textTable(12), { chunkSize: 4, concurrentChunks: 1 });
      assert.deepEqual(resultValues(await handle.get()), Array.from({ length: 12 }, (_, i) => `row ${i}`));
      const firstTile = seen.filter((p) => p.callId.startsWith(handle.id));
      const last = firstTile.at(-1)!;
      assert.deepEqual([last.functionName, last.state, last.totalRows, last.rowsDone, last.chunks.map((c) => c.state)], ["echo", "done", 12, 12, ["done", "done", "done"]]);
      assert.equal(firstTile[0].state, "running");
      seen.length = 0;
      assert.deepEqual(resultValues(await other.call(handle.id).get()), Array.from({ length: 12 }, (_, i) => `row ${i}`));
      const secondTile = seen.filter((p) => p.callId.startsWith(handle.id));
      assert.notEqual(secondTile[0].callId, last.callId, "a fresh progress display per cell that follows the call");
      assert.deepEqual([secondTile.at(-1)!.state, secondTile.at(-1)!.rowsDone], ["done", 12]);
    } finally {
      setCallObserver(previous);
      other.close();
      await fixture.close();
    }
  });

  it("an interrupt stops waiting for a spawned call; the call goes on and is read later", async () => {
    const fixture = await startFixture();
    try {
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      let started = false;
      await fixture.worker({ name: "held", maxBatchingSize: 4, maxBufferDuration: 1 }, async (text: string[]) => {
        started = true;
        await gate;
        return text;
      });
      const handle = await fixture.remote.function("held").spawn(textTable(4), { chunkSize: 4 });
      const waiting = handle.get();
      await until("the batch runs", () => started);
      assert.equal(cancelAllCalls("interrupted"), 1);
      await assert.rejects(waiting, {
        code: ErrorCode.Cancelled,
        message: `stopped waiting for call ${handle.id} (interrupted); it keeps running on the queue: remote.call("${handle.id}").get() attaches again`,
      });
      open();
      assert.deepEqual(resultValues(await fixture.remote.call(handle.id).get()), ["row 0", "row 1", "row 2", "row 3"]);
    } finally {
      await fixture.close();
    }
  });
});
