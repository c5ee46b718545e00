import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { Redis, type Cluster } from "ioredis";
import { type ChalknbError, ErrorCode } from "../../protocol/errors.js";
import { Remote } from "../../sdk/index.js";
import { defineFunction, startQueue, startWorker, type QueueOptions, type QueueServer, type Worker } from "../../queue/index.js";
import { ManualClock } from "../helpers/manual-clock.js";
import { resultValues, sleep, textTable } from "../helpers/queue-fixture.js";
import { CLUSTER_URL, SKIP_WITHOUT_CLUSTER, clusterClient, clusterOptions, deleteClusterKeys } from "./cluster-env.js";
import { REDIS_URL, SKIP_WITHOUT_REDIS, deleteKeys, redisOptions, testPrefix } from "./redis-env.js";

/**
 * Issue 9 policies that only the Redis backend can get wrong: a function's spec lives in Redis, so a worker on
 * another gateway declaring a different spec is refused (also when it joins before the heartbeats crossed), and a
 * function every gateway's workers left drops out of every gateway's listing.
 */
interface Setup {
  label: string;
  skip: string | false;
  options(prefix: string, extra: QueueOptions, claimIdleMs: number): QueueOptions;
  admin(): Redis | Cluster;
  cleanup(prefix: string): Promise<void>;
}

const setups: Setup[] = [
  {
    label: "redis",
    skip: SKIP_WITHOUT_REDIS,
    options: (prefix, extra, claimIdleMs) => withClaimIdle(redisOptions(prefix, extra), claimIdleMs),
    admin: () => new Redis(REDIS_URL!),
    cleanup: (prefix) => deleteKeys(prefix),
  },
  {
    label: "redis cluster",
    skip: SKIP_WITHOUT_CLUSTER,
    options: (prefix, extra, claimIdleMs) => withClaimIdle(clusterOptions(prefix, extra), claimIdleMs),
    admin: () => clusterClient(),
    cleanup: (prefix) => (CLUSTER_URL ? deleteClusterKeys(prefix) : Promise.resolve()),
  },
];

function withClaimIdle(options: QueueOptions, claimIdleMs: number): QueueOptions {
  return { ...options, backend: { ...(options.backend as object), claimIdleMs } as QueueOptions["backend"] };
}

const embed = (maxBatchingSize: number) =>
  defineFunction({ name: "embed", maxBatchingSize, maxBufferDuration: 5 }, (text: string[]) => text.map((t) => t.length));

async function until(what: string, check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await sleep(10);
  }
  assert.fail(`timed out waiting until ${what}`);
}

for (const setup of setups) {
  describe(`${setup.label}: issue 9 policies across gateways`, { skip: setup.skip }, () => {
    const run = async (extra: QueueOptions, claimIdleMs: number, body: (ctx: {
      gateways: QueueServer[];
      remotes: Remote[];
      worker(gateway: number, name: string, functions: ReturnType<typeof defineFunction>[]): Promise<{ worker: Worker; log: string[] }>;
      prefix: string;
    }) => Promise<void>) => {
      const prefix = testPrefix("policy");
      const gateways = [await startQueue(setup.options(prefix, extra, claimIdleMs)), await startQueue(setup.options(prefix, extra, claimIdleMs))];
      const remotes = gateways.map((g) => new Remote({ url: g.url }));
      const workers: Worker[] = [];
      try {
        await body({
          gateways, remotes, prefix,
          async worker(gateway, name, functions) {
            const log: string[] = [];
            const joined = once(gateways[gateway].core, "worker-joined");
            joined.catch(() => {});
            const worker = await startWorker({ url: gateways[gateway].url, name, functions, reconnect: false, log: (line) => log.push(line) });
            workers.push(worker);
            await worker.ready;
            await joined;
            return { worker, log };
          },
        });
      } finally {
        for (const remote of remotes) remote.close();
        await Promise.all(workers.map((w) => w.close()));
        await Promise.all(gateways.map((g) => g.close()));
        await setup.cleanup(prefix);
      }
    };

    it("refuses a worker on another gateway that declares another spec for a served function", () => run({}, 1000, async ({ remotes, worker }) => {
      await worker(0, "gpu-1", [embed(10)]);
      await until("gateway 1 sees gateway 0's worker", async () => (await remotes[1].functions()).some((f) => f.name === "embed" && f.workers === 1));
      await assert.rejects(worker(1, "gpu-2", [embed(20)]), (error: ChalknbError) => {
        assert.equal(error.code, ErrorCode.InvalidArgument);
        assert.match(error.message, /^queue refused worker gpu-2: function "embed" is already served by worker gpu-1 with maxBatchingSize 10, .*differs in maxBatchingSize 10 vs 20/);
        return true;
      });
      // The same spec on the other gateway is a scale-out.
      await worker(1, "gpu-3", [embed(10)]);
      for (const remote of remotes) {
        await until("both gateways count gpu-1 and gpu-3", async () => (await remote.functions()).find((f) => f.name === "embed")?.workers === 2);
        assert.equal((await remote.functions()).find((f) => f.name === "embed")?.maxBatchingSize, 10);
      }
      assert.equal(resultValues(await remotes[1].function("embed").chunkedCall(textTable(30), { chunkSize: 10, timeout: 30 })).length, 30);
    }));

    it("refuses it too when it joins before the heartbeats crossed (Redis decides, then the worker is closed)", () => run({}, 60_000, async ({ gateways, remotes, worker }) => {
      // Heartbeats every 15 s: gateway 1 has not heard of gpu-1 when gpu-2 arrives, so only Redis's check can refuse it.
      await worker(0, "gpu-1", [embed(10)]);
      const left = once(gateways[1].core, "worker-left");
      const late = await worker(1, "gpu-2", [embed(20)]);
      await left;
      await until("gpu-2 was told why", () => late.log.some((line) => line.startsWith("queue refused worker gpu-2: function \"embed\" is already served by worker gpu-1")));
      for (const remote of remotes) {
        const info = (await remote.functions()).find((f) => f.name === "embed");
        assert.equal(info?.maxBatchingSize, 10, "the refused spec did not replace the registered one");
        assert.equal(info?.workers, 1);
      }
    }));

    it("drops a function whose workers all left from every gateway after the grace period", () => {
      const clock = new ManualClock();
      return run({ clock, functionGraceMs: 60_000 }, 1000, async ({ remotes, worker, prefix }) => {
        const { worker: gone } = await worker(0, "w0", [embed(10)]);
        await worker(1, "w1", [defineFunction({ name: "staying", maxBatchingSize: 1, maxBufferDuration: 1 }, (text: string[]) => text)]);
        for (const remote of remotes) await until("both gateways list embed", async () => (await remote.functions()).some((f) => f.name === "embed" && f.workers === 1));
        await gone.close();
        for (const remote of remotes) await until("both gateways see embed without workers", async () => (await remote.functions()).find((f) => f.name === "embed")?.workers === 0);
        clock.advance(60_000);
        for (const remote of remotes) {
          await until("embed is dropped", async () => !(await remote.functions()).some((f) => f.name === "embed"));
          assert.doesNotMatch(await remote.stats(), /function="embed"/);
          assert.ok((await remote.functions()).some((f) => f.name === "staying"), "a served function stays");
        }
        const admin = setup.admin();
        try {
          assert.equal(await admin.hexists(`${prefix}:{meta}:functions`, "embed"), 0, "the spec left Redis");
        } finally {
          admin.disconnect();
        }
        await assert.rejects(remotes[1].function("embed").chunkedCall(textTable(1), { chunkSize: 1 }), { code: ErrorCode.UnknownFunction });
      });
    });
  });
}
