import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:net";
import type { Cluster } from "ioredis";
import { ErrorCode } from "../../protocol/errors.js";
import { Remote } from "../../sdk/index.js";
import { defineFunction, startQueue, startWorker, type QueueServer, type Worker } from "../../queue/index.js";
import { createRedisBackend, type RedisBackend } from "../../queue/backends/redis-backend.js";
import { parseClusterUrl } from "../../queue/backends/redis-connection.js";
import { systemClock } from "../../queue/clock.js";
import { resultValues, sleep, textTable } from "../helpers/queue-fixture.js";
import { backendSuite } from "./backend-suite.js";
import { CLUSTER_URL, SKIP_WITHOUT_CLUSTER, clusterClient, clusterOptions, deleteClusterKeys, masterOf } from "./cluster-env.js";
import { ChalknbProcess } from "./processes.js";
import { testPrefix } from "./redis-env.js";

// The shared behaviour suite on a gateway connected to a 3-master Redis Cluster (.ci/start-redis-cluster.sh): its
// functions' keys spread over the masters, the registry and the gateway's result stream on their own slots.
backendSuite({
  label: "redis cluster",
  skip: SKIP_WITHOUT_CLUSTER,
  options: (extra = {}) => clusterOptions(testPrefix("csuite"), extra),
  cleanup: async (options) => {
    if (typeof options.backend === "object") await deleteClusterKeys(options.backend.keyPrefix!);
  },
});

/** With 3 masters (slots split in thirds by `redis-cli --cluster create`) these tags land on 3 different masters. */
const FUNCTIONS = ["embed", "tokenize", "classify"] as const;

describe("redis cluster: two gateways, functions on different masters", { skip: SKIP_WITHOUT_CLUSTER }, () => {
  const prefix = testPrefix("cluster2gw");
  const gateways: QueueServer[] = [];
  const workers: Worker[] = [];
  const remotes: Remote[] = [];
  /** Rows each gateway's worker ran, by function. */
  const ran: Array<Record<string, string[]>> = [{}, {}];
  let admin: Cluster;

  const worker = async (gateway: number, functions: ReturnType<typeof defineFunction>[]) => {
    const joined = once(gateways[gateway].core, "worker-joined");
    const started = await startWorker({ url: gateways[gateway].url, functions, concurrency: 2 });
    await started.ready;
    await joined;
    workers.push(started);
  };
  const define = (gateway: number, name: string, options: { maxBatchingSize?: number; maxBufferDuration?: number } = {}) =>
    defineFunction({ name, maxBatchingSize: options.maxBatchingSize ?? 8, maxBufferDuration: options.maxBufferDuration ?? 5 }, async (text: string[]) => {
      (ran[gateway][name] ??= []).push(...text);
      await sleep(2);
      return text.map((t) => `${name}(${t})`);
    });
  const rowsKey = (fn: string) => `${prefix}:{${fn}}:rows`;
  const masterNode = (hostPort: string) => admin.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === hostPort)!;
  /** Waits until nothing is buffered for `fn` and its rows stream is empty (every entry acked and deleted). */
  const settled = async (fn: string) => {
    let buffered: string | null = null;
    let length = -1;
    for (let i = 0; i < 200; i++) {
      [buffered, length] = await Promise.all([admin.get(`${prefix}:{${fn}}:buffered`), admin.xlen(rowsKey(fn))]);
      if (Number(buffered ?? 0) === 0 && length === 0) return;
      await sleep(25);
    }
    assert.fail(`"${fn}" did not settle: buffered ${buffered}, rows stream length ${length}`);
  };

  before(async () => {
    if (SKIP_WITHOUT_CLUSTER) return;
    admin = clusterClient();
    gateways.push(await startQueue(clusterOptions(prefix)), await startQueue(clusterOptions(prefix)));
    // embed runs only on gateway 0's worker, classify only on gateway 1's, tokenize on both.
    await worker(0, [define(0, "embed"), define(0, "tokenize")]);
    await worker(1, [define(1, "tokenize"), define(1, "classify")]);
    for (const gateway of gateways) remotes.push(new Remote({ url: gateway.url }));
    for (const [g, remote] of remotes.entries()) {
      const workersOf = async () => Object.fromEntries((await remote.functions()).map((f) => [f.name, f.workers]));
      for (let i = 0; i < 200; i++) {
        const seen = await workersOf();
        if (seen.embed === 1 && seen.tokenize === 2 && seen.classify === 1) break;
        await sleep(25);
      }
      assert.deepEqual(await workersOf(), { embed: 1, tokenize: 2, classify: 1 }, `gateway ${g} sees every worker of both gateways`);
    }
  });

  after(async () => {
    for (const remote of remotes) remote.close();
    await Promise.all(workers.map((w) => w.close()));
    await Promise.all(gateways.map((g) => g.close()));
    admin?.disconnect();
    await deleteClusterKeys(prefix);
  });

  it("keeps each function's keys on its own master", async () => {
    const masters = await Promise.all(FUNCTIONS.map((fn) => masterOf(admin, rowsKey(fn))));
    assert.equal(new Set(masters).size, 3, `the rows streams of ${FUNCTIONS.join(", ")} are on 3 masters: ${masters.join(", ")}`);
    for (const [i, fn] of FUNCTIONS.entries()) {
      // The stream (created with its consumer group when the workers registered) is really on that node.
      assert.equal(await masterNode(masters[i]).exists(rowsKey(fn)), 1, `${rowsKey(fn)} lives on ${masters[i]}`);
      assert.equal(await masterOf(admin, `${prefix}:{${fn}}:buffered`), masters[i], `the counter of "${fn}" shares its stream's slot`);
    }
  });

  it("serves clients on both gateways calling every function: every row back exactly once, in order", async () => {
    const rows = 48;
    const calls = remotes.flatMap((remote, g) => FUNCTIONS.map(async (fn) => {
      const result = await remote.function(fn).chunkedCall(textTable(rows, `g${g}-${fn}`), { chunkSize: 8, concurrentChunks: 3, timeout: 30 });
      return { g, fn, values: resultValues(result) };
    }));
    for (const { g, fn, values } of await Promise.all(calls)) {
      assert.deepEqual(values, Array.from({ length: rows }, (_, i) => `${fn}(g${g}-${fn} ${i})`), `gateway ${g}, "${fn}"`);
    }
    // Rows crossed gateways both ways: gateway 1's client's embed rows ran on gateway 0's worker, and back.
    assert.ok(ran[0].embed?.some((t) => t.startsWith("g1-embed")), "gateway 1's embed rows ran on gateway 0's worker");
    assert.ok(ran[1].classify?.some((t) => t.startsWith("g0-classify")), "gateway 0's classify rows ran on gateway 1's worker");
    assert.ok(!ran[1].embed && !ran[0].classify, "no function ran where no worker serves it");
    // Results crossing gateways went through each gateway's result stream, on the master of its own {gw:id} tag.
    for (const gateway of gateways) {
      const key = `${prefix}:{gw:${(gateway.core as RedisBackend).gatewayId}}:results`;
      assert.equal(await masterNode(await masterOf(admin, key)).exists(key), 1, `${key} is on its master`);
    }
    // Acked entries are deleted on every master and the counters are back to 0.
    for (const fn of FUNCTIONS) await settled(fn);
  });

  // todo: MONITOR on every master shows no CLIENT UNBLOCK at all here (nor when a batch is retried): the rows wait out
  // the 1 s blocking read. The elapsed-time check this test replaces passed anyway (retries no longer wait on that read).
  it("rows of a lost worker interrupt the blocked read on the function's master (CLIENT UNBLOCK goes to the right node)", { todo: "no CLIENT UNBLOCK reaches any master (queue/backends: blockingReads, RedisBatcher.requeue)" }, async () => {
    // While the "stray" stream is drained, the gateway's read of it blocks for up to 1 s waiting for new rows. Rows that
    // come back from a lost worker must interrupt it there (a wrong connection id or node would leave them waiting out
    // the block). What that master executed says so: MONITOR shows which connections block reading the rows and which
    // ids CLIENT UNBLOCK names.
    const master = masterNode(await masterOf(admin, rowsKey("stray")));
    const monitor = await master.monitor();
    const blockers = new Set<string>();
    const unblocked: string[] = [];
    const marker = `end of stray ${randomUUID()}`;
    let sawMarker!: () => void;
    const seenAll = new Promise<void>((resolve) => (sawMarker = resolve));
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      const [command = "", ...rest] = args.map(String);
      if (command.toLowerCase() === "xreadgroup" && rest.some((a) => a.toUpperCase() === "BLOCK") && rest.includes(rowsKey("stray"))) blockers.add(source);
      if (command.toLowerCase() === "client" && rest[0]?.toLowerCase() === "unblock") unblocked.push(rest[1]!);
      if (command.toLowerCase() === "echo" && rest[0] === marker) sawMarker();
    });
    let taken!: () => void;
    const holding = new Promise<void>((resolve) => (taken = resolve));
    const spec = { name: "stray", maxBatchingSize: 4, maxBufferDuration: 1 };
    // The first worker takes the batch and never answers; closing it loses the batch, whose rows come back.
    const lost = await startWorker({ url: gateways[0].url, functions: [defineFunction(spec, (text: string[]) => {
      taken();
      return new Promise<string[]>(() => void text);
    })] });
    await lost.ready;
    try {
      const call = remotes[0].function("stray").chunkedCall(textTable(4), { chunkSize: 4, timeout: 30 });
      await holding;
      await worker(0, [defineFunction(spec, (text: string[]) => text.map((t) => `again ${t}`))]);
      await lost.close();
      assert.deepEqual(resultValues(await call), ["again row 0", "again row 1", "again row 2", "again row 3"]);
      // MONITOR reports commands in the order the node ran them: once the marker shows, everything before it has.
      await master.echo(marker);
      await seenAll;
      const addressOf = new Map(
        String(await master.client("LIST"))
          .trim()
          .split("\n")
          .map((line) => [/\bid=(\d+)/.exec(line)?.[1], /\baddr=(\S+)/.exec(line)?.[1]] as const),
      );
      assert.ok(unblocked.length >= 1, "the returned rows unblocked the read on the function's master");
      for (const id of unblocked) assert.ok(blockers.has(addressOf.get(id) ?? `(no connection ${id})`), `CLIENT UNBLOCK ${id} names a connection blocked reading ${rowsKey("stray")}`);
    } finally {
      monitor.disconnect();
      await lost.close().catch(() => undefined);
    }
    await settled("stray");
  });

  it("cancel through one gateway drops rows another gateway holds (pub/sub across the cluster)", async () => {
    // Served on gateway 1 only, with batches that never fill and a long deadline: gateway 1 reads the rows and holds
    // them. The owner (gateway 0) cannot delete entries pending on gateway 1; only its announcement frees them.
    await worker(1, [define(1, "caption", { maxBatchingSize: 1000, maxBufferDuration: 60_000 })]);
    const remote = remotes[0];
    for (let i = 0; i < 200 && !(await remote.functions()).some((f) => f.name === "caption" && f.workers === 1); i++) await sleep(25);
    const controller = new AbortController();
    const call = remote.function("caption").chunkedCall(textTable(40, "c"), { chunkSize: 8, concurrentChunks: 5, signal: controller.signal });
    call.catch(() => {});
    let pending = 0;
    for (let i = 0; i < 200 && pending < 5; i++) {
      pending = Number(((await admin.xpending(rowsKey("caption"), "gateways")) as [number])[0]);
      if (pending < 5) await sleep(25);
    }
    assert.equal(pending, 5, "gateway 1 holds the 5 entries of the call");
    controller.abort("stop");
    await assert.rejects(call, { code: ErrorCode.Cancelled });
    await settled("caption");
    assert.equal(ran[1].caption, undefined, "no row of the cancelled call ran");
  });
});

describe("chalknb queue --redis-cluster", () => {
  const run = async (args: string[]) => {
    const child = new ChalknbProcess(args, { CHALKNB_REDIS_URL: "", CHALKNB_REDIS_CLUSTER: "" });
    const code = await new Promise<number | null>((resolve) => child.child.once("exit", (c) => resolve(c)));
    await new Promise((resolve) => setImmediate(resolve));
    return { code, output: child.lines.join("\n") };
  };

  it("refuses several Redis URLs without --redis-cluster", async () => {
    const { code, output } = await run(["queue", "--redis-url", "redis://:pw@10.0.0.1:6379,redis://:pw@10.0.0.2:6379", "--port", "0"]);
    assert.equal(code, 2);
    assert.equal(output, "--redis-url lists several Redis servers (redis://:***@10.0.0.1:6379,redis://:***@10.0.0.2:6379); add --redis-cluster to connect to a Redis Cluster through them");
  });

  it("parses seed URLs: credentials once for all, database 0 only", () => {
    assert.deepEqual(parseClusterUrl("redis://:pw@a:7000,redis://b:7001"), {
      nodes: [{ host: "a", port: 7000 }, { host: "b", port: 7001 }], username: undefined, password: "pw", tls: false,
    });
    assert.throws(() => parseClusterUrl("redis://a:7000/2"), { message: "Redis Cluster node redis://a:7000/2 names database 2; a Redis Cluster has database 0 only" });
    assert.throws(() => parseClusterUrl("redis://a:7000,rediss://b:7001"), /mix redis:\/\/ and rediss:\/\//);
    assert.throws(() => parseClusterUrl("redis://:x@a:7000,redis://:y@b:7001"), /different credentials/);
  });

  it("fails with a clear error when no cluster answers", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    await assert.rejects(createRedisBackend({
      url: `redis://:secret@127.0.0.1:${port}`, cluster: true, connectTimeoutMs: 300, clock: systemClock,
      maxBufferedRows: 100, retryBackoffMs: 10, maxWorkerLosses: 3, log: () => {},
    }), (error: Error) => {
      assert.match(error.message, new RegExp(`^cannot reach a Redis Cluster at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} within 300 ms.*; are those nodes of a cluster with cluster_state:ok \\(--redis-url, --redis-cluster\\)\\?$`));
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
  });

  it("a gateway process on the cluster serves a call", { skip: SKIP_WITHOUT_CLUSTER }, async () => {
    const prefix = testPrefix("cluster-cli");
    const gateway = new ChalknbProcess(["queue", "--redis-cluster", "--redis-url", CLUSTER_URL!, "--redis-prefix", prefix, "--claim-idle-ms", "1000", "--port", "0"]);
    let started: Worker | undefined;
    let remote: Remote | undefined;
    try {
      const url = await gateway.waitFor(/^ws:\/\//);
      assert.match(await gateway.waitFor(/listening on/), /rows in Redis Cluster at redis:\/\/127\.0\.0\.1:\d+,redis:\/\/127\.0\.0\.1:\d+/);
      started = await startWorker({
        url, functions: [defineFunction({ name: "shout", maxBatchingSize: 8, maxBufferDuration: 5 }, (text: string[]) => text.map((t) => t.toUpperCase()))],
      });
      await started.ready;
      remote = new Remote({ url });
      const result = await remote.function("shout").chunkedCall(textTable(20), { chunkSize: 8, timeout: 30 });
      assert.deepEqual(resultValues(result), Array.from({ length: 20 }, (_, i) => `ROW ${i}`));
    } finally {
      remote?.close();
      await started?.close();
      await gateway.kill("SIGTERM");
      await deleteClusterKeys(prefix);
    }
  });
});
