import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode } from "../../protocol/errors.js";
import { Remote } from "../../sdk/index.js";
import { textTable, resultValues, sleep } from "../helpers/queue-fixture.js";
import { REDIS_URL, SKIP_WITHOUT_REDIS, deleteKeys, testPrefix } from "./redis-env.js";
import { startGatewayProcess, startWorkerProcess, type ChalknbProcess } from "./processes.js";

const FUNCTIONS = ["test/fixtures/functions/redis-tagged.ts"];

interface Cluster {
  prefix: string;
  gateways: Array<{ process: ChalknbProcess; url: string }>;
  workers: ChalknbProcess[];
  remotes: Remote[];
  remote(gateway: number): Remote;
  close(): Promise<void>;
}

/** Two `chalknb queue --backend redis` processes on one Redis, one worker process on each. */
async function startCluster(delayMs: number): Promise<Cluster> {
  const prefix = testPrefix("cluster");
  const gateways = await Promise.all([startGatewayProcess(REDIS_URL!, prefix), startGatewayProcess(REDIS_URL!, prefix)]);
  const env = { TAGGED_DELAY_MS: String(delayMs) };
  const workers = await Promise.all(gateways.map((g) => startWorkerProcess(g.url, FUNCTIONS, env)));
  const remotes: Remote[] = [];
  const cluster: Cluster = {
    prefix, gateways, workers, remotes,
    remote(gateway) {
      const remote = new Remote({ url: gateways[gateway].url });
      remotes.push(remote);
      return remote;
    },
    async close() {
      for (const remote of remotes) remote.close();
      await Promise.all([...workers, ...gateways.map((g) => g.process)].map((p) => p.kill("SIGTERM")));
      await deleteKeys(prefix);
    },
  };
  // Both gateways see both workers once their heartbeats have crossed (and each knows the function).
  for (const gateway of [0, 1]) {
    const remote = cluster.remote(gateway);
    for (let i = 0; i < 200; i++) {
      const [info] = await remote.functions();
      if (info?.workers === 2) break;
      await sleep(25);
    }
    assert.equal((await remote.functions())[0]?.workers, 2, `gateway ${gateway} sees both workers`);
  }
  return cluster;
}

const expected = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix} ${i}!`);
const batchLines = (worker: ChalknbProcess) => worker.lines.filter((line) => line.startsWith("batch "));

describe("redis backend: two gateways and two workers as separate processes", { skip: SKIP_WITHOUT_REDIS }, () => {
  let cluster: Cluster;
  before(async () => {
    if (!SKIP_WITHOUT_REDIS) cluster = await startCluster(20);
  });
  after(async () => cluster?.close());

  it("serves clients on both gateways with both workers, every row once and in order", async () => {
    const [a, b] = await Promise.all([
      cluster.remote(0).function("tagged").chunkedCall(textTable(120, "a"), { chunkSize: 8, concurrentChunks: 4, timeout: 30 }),
      cluster.remote(1).function("tagged").chunkedCall(textTable(120, "b"), { chunkSize: 8, concurrentChunks: 4, timeout: 30 }),
    ]);
    assert.deepEqual(resultValues(a), expected("a", 120));
    assert.deepEqual(resultValues(b), expected("b", 120));
    assert.ok(batchLines(cluster.workers[0]).length > 0 && batchLines(cluster.workers[1]).length > 0, "both workers ran batches");
  });

  it("cancel through one gateway drops the call's rows queued in Redis or held by the other gateway", async () => {
    const controller = new AbortController();
    const call = cluster.remote(0).function("tagged").chunkedCall(textTable(400, "x"), { chunkSize: 8, concurrentChunks: 50, signal: controller.signal });
    call.catch(() => {});
    await cluster.workers[1].waitFor(/^batch \d+ x \d/); // gateway B holds rows of this call
    controller.abort("stop");
    await assert.rejects(call, { code: ErrorCode.Cancelled, message: 'call to "tagged" (400 rows, 50 chunks) was cancelled: stop' });
    const xBatches = () => [...batchLines(cluster.workers[0]), ...batchLines(cluster.workers[1])].filter((l) => / x \d/.test(l)).length;
    // Batches already on a worker finish (their results are discarded); everything else goes away.
    for (const gateway of [0, 1]) {
      const remote = cluster.remote(gateway);
      for (let i = 0; i < 200 && (await remote.functions())[0].bufferedRows !== 0; i++) await sleep(25);
      assert.equal((await remote.functions())[0].bufferedRows, 0, `gateway ${gateway} sees no rows left`);
    }
    const ran = xBatches();
    await sleep(300);
    assert.equal(xBatches(), ran, "no row of the cancelled call ran after the queue settled");
    assert.ok(ran < 25, `only batches already under way ran (${ran} of 50)`);
  });

  it("serves a client on a gateway with no workers of its own (its rows run on the other gateways' workers)", async () => {
    const bare = await startGatewayProcess(REDIS_URL!, cluster.prefix);
    try {
      const remote = new Remote({ url: bare.url });
      cluster.remotes.push(remote);
      for (let i = 0; i < 200 && (await remote.functions())[0]?.workers !== 2; i++) await sleep(25);
      const result = await remote.function("tagged").chunkedCall(textTable(40, "c"), { chunkSize: 8, concurrentChunks: 4, timeout: 30 });
      assert.deepEqual(resultValues(result), expected("c", 40));
      const ran = [...batchLines(cluster.workers[0]), ...batchLines(cluster.workers[1])].filter((l) => / c \d/.test(l));
      assert.ok(ran.length >= 5, `the bare gateway's rows ran on the workers of the others (${ran.length} batches)`);
    } finally {
      await bare.process.kill("SIGTERM");
    }
  });
});

describe("redis backend: failures across processes", { skip: SKIP_WITHOUT_REDIS }, () => {
  it("a worker killed mid-batch: its rows run elsewhere and every row comes back once, in order", async () => {
    const cluster = await startCluster(150);
    try {
      const calls = Promise.all([
        cluster.remote(0).function("tagged").chunkedCall(textTable(96, "a"), { chunkSize: 8, concurrentChunks: 4, timeout: 60 }),
        cluster.remote(1).function("tagged").chunkedCall(textTable(96, "b"), { chunkSize: 8, concurrentChunks: 4, timeout: 60 }),
      ]);
      const victim = cluster.workers[1];
      const line = await victim.waitFor(/^batch /);
      await victim.kill();
      const [a, b] = await calls;
      assert.deepEqual(resultValues(a), expected("a", 96));
      assert.deepEqual(resultValues(b), expected("b", 96));
      // The rows the dead worker held ran again on the surviving worker.
      const held = line.split(" ").slice(2).join(" ").split("|");
      const survivor = batchLines(cluster.workers[0]).join("\n");
      for (const row of held) assert.ok(survivor.includes(row), `${row} ran again on the surviving worker`);
    } finally {
      await cluster.close();
    }
  });

  it("a gateway killed mid-call: its clients get a clear retryable error, the other gateway's calls finish exactly once, a retry succeeds", async () => {
    const cluster = await startCluster(100);
    try {
      const callA = cluster.remote(0).function("tagged").chunkedCall(textTable(160, "a"), { chunkSize: 8, concurrentChunks: 4, timeout: 60 });
      const callB = cluster.remote(1).function("tagged").chunkedCall(textTable(160, "b"), { chunkSize: 8, concurrentChunks: 4, timeout: 60 });
      for (const call of [callA, callB]) call.catch(() => {}); // asserted below; never an unhandled rejection
      // Wait until gateway B's worker runs rows of gateway A's client: B then holds rows A is waiting for.
      await cluster.workers[1].waitFor(/^batch \d+ a \d/);
      await cluster.gateways[1].process.kill();
      await assert.rejects(callB, (error: Error & { code: string; retryable: boolean }) => {
        assert.equal(error.code, ErrorCode.ConnectionLost);
        assert.match(error.message, /^chunk \d+ \(rows \d+–\d+ \(8 rows\)\) of function "tagged": the connection to the function queue at ws:\/\/127\.0\.0\.1:\d+ closed \(1006\) with chunks pending$/);
        assert.equal(error.retryable, true);
        return true;
      });
      assert.deepEqual(resultValues(await callA), expected("a", 160), "rows B held were reclaimed by A and came back once");
      assert.ok(cluster.gateways[0].process.lines.some((l) => /reclaimed \d+ entries of "tagged"/.test(l)), "gateway A reclaimed B's pending rows");
      const retry = await cluster.remote(0).function("tagged").chunkedCall(textTable(160, "b"), { chunkSize: 8, concurrentChunks: 4, timeout: 60 });
      assert.deepEqual(resultValues(retry), expected("b", 160));
    } finally {
      await cluster.close();
    }
  });
});
