import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { startFixture, textTable, resultValues, sleep } from "../helpers/queue-fixture.js";
import { SKIP_WITHOUT_REDIS, testPrefix } from "./redis-env.js";

const hasRedisServer = spawnSync("redis-server", ["--version"]).status === 0;
const SKIP = SKIP_WITHOUT_REDIS || (hasRedisServer ? false : "redis-server is not installed (.ci/start-redis.sh installs it)");

/** A redis-server of this test's own (the shared test Redis is never restarted), killed and started at will. */
class OwnRedis {
  readonly dir = mkdtempSync(join(tmpdir(), "chalknb-restart-"));
  #child: ChildProcess | undefined;
  constructor(readonly port: number, readonly persistent: boolean) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    // appendfsync always: every acknowledged write is on disk before Redis answers, so SIGKILL loses nothing.
    const persistence = this.persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
    this.#child = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(this.port), "--dir", this.dir, "--save", "", ...persistence], { stdio: "ignore" });
    const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {}); // refused until it is up: expected
    for (let i = 0; i < 100; i++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch {
        await sleep(50);
      }
    }
    probe.disconnect();
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe("redis backend: Redis restarted during a call", { skip: SKIP }, () => {
  for (const persistent of [true, false]) {
    const how = persistent ? "with AOF (nothing lost)" : "without persistence (Redis comes back empty: gateways re-submit)";
    it(`every row comes back once, in order, when Redis is killed and restarted ${how}`, async () => {
      const redis = new OwnRedis(await freePort(), persistent);
      await redis.start();
      const fixture = await startFixture({ backend: { redis: redis.url, keyPrefix: testPrefix("restart"), claimIdleMs: 1000 } });
      try {
        // Until Redis is back, the worker holds the batches it gets: the call is certainly mid-way when Redis goes
        // (both of the worker's batches taken, the other rows still queued in Redis) and when it returns.
        let restarted = false;
        let reopen!: () => void;
        const back = new Promise<void>((resolve) => (reopen = resolve));
        let held = 0;
        let bothHeld!: () => void;
        const busy = new Promise<void>((resolve) => (bothHeld = resolve));
        await fixture.worker({ name: "slowish", maxBatchingSize: 5, maxBufferDuration: 1 }, async (text: string[]) => {
          if (!restarted) {
            if (++held === 2) bothHeld();
            await back;
          }
          return text.map((t) => `${t}!`);
        }, { concurrency: 2 });
        const call = fixture.remote.function("slowish").chunkedCall(textTable(150), { chunkSize: 5, concurrentChunks: 4, timeout: 60 });
        let settled = false;
        call.then(() => (settled = true), () => (settled = true));
        await busy;
        await redis.kill();
        await redis.start();
        assert.equal(settled, false, "the call spans the restart");
        restarted = true;
        reopen();
        const result = await call;
        assert.deepEqual(resultValues(result), Array.from({ length: 150 }, (_, i) => `row ${i}!`));
        const again = await fixture.remote.function("slowish").chunkedCall(textTable(10, "after"), { chunkSize: 5, timeout: 30 });
        assert.deepEqual(resultValues(again), Array.from({ length: 10 }, (_, i) => `after ${i}!`));
      } finally {
        await fixture.close();
        await redis.close();
      }
    });
  }
});
