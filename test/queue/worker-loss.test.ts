import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { BatchEvent } from "../../queue/index.js";
import { startFixture, textTable, resultValues, sleep } from "../helpers/queue-fixture.js";
import { chalknbBin, fixtureFunctions } from "../helpers/paths.js";

describe("worker loss", () => {
  it("redelivers a killed worker's batch to another worker: nothing lost or duplicated", async () => {
    const fixture = await startFixture();
    const child = spawn(process.execPath, [chalknbBin, "worker", fixtureFunctions("slow-echo.ts"), "--queue", fixture.queue.url], {
      env: { ...process.env, SLOW_ECHO_MS: "60000" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let childLog = "";
    child.stderr.on("data", (d: Buffer) => (childLog += d.toString()));
    try {
      await once(fixture.queue.core, "worker-joined");
      const call = fixture.remote.function("slowecho").chunkedCall(textTable(10), { chunkSize: 5, concurrentChunks: 2 });
      const firstBatch = (await once(fixture.queue.core, "batch")) as [BatchEvent];
      while (!childLog.includes("batch ")) await sleep(5);
      child.kill("SIGKILL");
      await once(fixture.queue.core, "worker-left");
      const rowsSeen: string[] = [];
      await fixture.worker({ name: "slowecho", maxBatchingSize: 5, maxBufferDuration: 1 }, (text: string[]) => {
        rowsSeen.push(...text);
        return text.map((t) => `${t}!`);
      });
      const result = await call;
      assert.equal(firstBatch[0].attempt, 1);
      assert.deepEqual(resultValues(result), Array.from({ length: 10 }, (_, i) => `row ${i}!`));
      assert.deepEqual([...rowsSeen].sort(), Array.from({ length: 10 }, (_, i) => `row ${i}`).sort(), "every row was handled once by the survivor");
      assert.ok(fixture.batches.some((b) => b.attempt === 2), "the lost batch was redelivered as attempt 2");
      assert.match(await fixture.remote.stats(), /chalknb_worker_losses_total\{function="slowecho"\} [12]/);
    } finally {
      child.kill("SIGKILL");
      await fixture.close();
    }
  });
});
