import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Remote } from "../../sdk/index.js";
import { startFixture, textTable, resultValues, sleep } from "../helpers/queue-fixture.js";
import { startGatewayProcess } from "./processes.js";
import { REDIS_URL, SKIP_WITHOUT_REDIS, deleteKeys, redisOptions, testPrefix } from "./redis-env.js";

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

describe("redis backend: a spawned call outlives its gateway", { skip: SKIP_WITHOUT_REDIS }, () => {
  it("a call spawned through a gateway that is killed (SIGKILL) and restarted is finished by the gateways left and read from the new one", async () => {
    const prefix = testPrefix("spawn-restart");
    // The worker's gateway stays up; the call is spawned through a gateway process that dies mid-call.
    const fixture = await startFixture(redisOptions(prefix));
    let first = await startGatewayProcess(REDIS_URL!, prefix);
    const clients: Remote[] = [];
    try {
      await fixture.worker({ name: "slowish", maxBatchingSize: 5, maxBufferDuration: 1 }, async (text: string[]) => {
        await sleep(20);
        return text.map((t) => `${t}!`);
      }, { concurrency: 2 });
      const spawner = new Remote({ url: first.url });
      clients.push(spawner);
      const handle = await spawner.function("slowish").spawn(textTable(80), { chunkSize: 5, concurrentChunks: 2 });
      await until("a few chunks are done", async () => (await fixture.remote.call(handle.id).status()).rowsDone >= 10);
      await first.process.kill("SIGKILL");
      const restarted = await startGatewayProcess(REDIS_URL!, prefix);
      first = restarted;
      const reader = new Remote({ url: restarted.url });
      clients.push(reader);
      const result = await reader.call(handle.id).get(60);
      assert.deepEqual(resultValues(result), Array.from({ length: 80 }, (_, i) => `row ${i}!`));
      const status = await reader.call(handle.id).status();
      assert.deepEqual([status.state, status.rowsDone, status.chunks.done], ["done", 80, 16]);
    } finally {
      for (const client of clients) client.close();
      await first.process.kill("SIGKILL");
      await fixture.close();
      await deleteKeys(prefix);
    }
  });

  it("a gateway that closes hands its spawned calls over at once; another gateway finishes them", async () => {
    const prefix = testPrefix("spawn-handover");
    const worker = await startFixture(redisOptions(prefix));
    const leaving = await startFixture(redisOptions(prefix));
    let leavingClosed = false;
    try {
      await worker.worker({ name: "slowish", maxBatchingSize: 4, maxBufferDuration: 1 }, async (text: string[]) => {
        await sleep(20);
        return text.map((t) => `${t}!`);
      }, { concurrency: 1 });
      const taken: string[] = [];
      worker.queue.calls.on("chunk-submitted", (event: { callId: string }) => taken.push(event.callId));
      const handle = await leaving.remote.function("slowish").spawn(textTable(40), { chunkSize: 4, concurrentChunks: 1 });
      await until("a chunk is done", async () => (await worker.remote.call(handle.id).status()).rowsDone >= 4);
      await leaving.close();
      leavingClosed = true;
      const result = await worker.remote.call(handle.id).get(60);
      assert.deepEqual(resultValues(result), Array.from({ length: 40 }, (_, i) => `row ${i}!`));
      assert.ok(taken.includes(handle.id), "the gateway left took the call over");
    } finally {
      if (!leavingClosed) await leaving.close();
      await worker.close();
      await deleteKeys(prefix);
    }
  });
});
