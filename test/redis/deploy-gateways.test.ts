import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Remote } from "../../sdk/index.js";
import { defineFunction, startQueue, startWorker, type QueueOptions, type QueueServer, type Worker } from "../../queue/index.js";
import { resultValues, sleep, textTable } from "../helpers/queue-fixture.js";
import { CLUSTER_URL, SKIP_WITHOUT_CLUSTER, clusterOptions, deleteClusterKeys } from "./cluster-env.js";
import { SKIP_WITHOUT_REDIS, deleteKeys, redisOptions, testPrefix } from "./redis-env.js";

/** Issue 12 item 6 on Redis: a function deployed through one gateway is known to every gateway (its spec is in Redis). */
const setups = [
  { label: "redis", skip: SKIP_WITHOUT_REDIS, options: (prefix: string) => redisOptions(prefix), cleanup: (prefix: string) => deleteKeys(prefix) },
  {
    label: "redis cluster", skip: SKIP_WITHOUT_CLUSTER, options: (prefix: string): QueueOptions => clusterOptions(prefix, {}),
    cleanup: (prefix: string) => (CLUSTER_URL ? deleteClusterKeys(prefix) : Promise.resolve()),
  },
];

const shout = defineFunction({ name: "shout", maxBatchingSize: 2, maxBufferDuration: 5 }, (text: string[]) => text.map((t) => t.toUpperCase()));

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

for (const setup of setups) {
  describe(`${setup.label}: chalknb deploy across gateways`, { skip: setup.skip }, () => {
    it("a function deployed through gateway 0 takes calls on gateway 1 and runs them on a worker that joins gateway 0", async () => {
      const prefix = testPrefix("deploy");
      const gateways: QueueServer[] = [await startQueue(setup.options(prefix)), await startQueue(setup.options(prefix))];
      const remotes = gateways.map((g) => new Remote({ url: g.url }));
      const workers: Worker[] = [];
      try {
        const response = await fetch(`${gateways[0].httpUrl}/v1/functions`, { method: "POST", body: JSON.stringify({ functions: [shout.spec] }) });
        assert.equal(response.status, 200);
        const notes: string[] = [];
        const call = remotes[1].function("shout").chunkedCall(textTable(4), { chunkSize: 2, onProgress: (p) => { if (p.waiting) notes.push(p.waiting); } });
        await until("gateway 0 counts the rows gateway 1 took", async () => (await remotes[0].functions()).find((f) => f.name === "shout")?.bufferedRows === 4);
        const listed = (await remotes[1].functions()).find((f) => f.name === "shout");
        assert.equal(listed?.deployed, true);
        assert.equal(listed?.workers, 0);
        await until("the call's progress says it waits", () => notes.length > 0);
        assert.deepEqual([...new Set(notes)], ["waiting for a worker for shout (0 connected)"]);
        const joined = once(gateways[0].core, "worker-joined");
        const worker = await startWorker({ url: gateways[0].url, name: "late", functions: [shout], reconnect: false, log: () => {} });
        workers.push(worker);
        await worker.ready;
        await joined;
        assert.deepEqual(resultValues(await call), ["ROW 0", "ROW 1", "ROW 2", "ROW 3"]);
      } finally {
        for (const remote of remotes) remote.close();
        await Promise.all(workers.map((w) => w.close()));
        await Promise.all(gateways.map((g) => g.close()));
        await setup.cleanup(prefix);
      }
    });
  });
}
