import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { ChalknbProcess } from "./processes.js";

async function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = new ChalknbProcess(args, { CHALKNB_REDIS_URL: "" });
  const code = await new Promise<number | null>((resolve) => child.child.once("exit", (c) => resolve(c)));
  await new Promise((resolve) => setImmediate(resolve));
  return { code, output: child.lines.join("\n") };
}

describe("chalknb queue --backend", () => {
  it("refuses --backend redis without a Redis URL", async () => {
    const { code, output } = await run(["queue", "--backend", "redis", "--port", "0"]);
    assert.equal(code, 2);
    assert.equal(output, "--backend redis needs --redis-url redis://host:6379 (or CHALKNB_REDIS_URL)");
  });

  it("refuses an unknown backend", async () => {
    const { code, output } = await run(["queue", "--backend", "kafka", "--port", "0"]);
    assert.equal(code, 2);
    assert.equal(output, "--backend must be memory or redis, got kafka");
  });

  it("fails with a clear error when Redis is not there", async () => {
    // A port nothing listens on: taken and released.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const { code, output } = await run(["queue", "--redis-url", `redis://:secret@127.0.0.1:${port}`, "--port", "0"]);
    assert.equal(code, 1);
    assert.match(output, new RegExp(`^chalknb queue: cannot reach Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port} within 5000 ms; is redis-server running there \\(--redis-url\\)\\?$`, "m"));
    assert.doesNotMatch(output, /secret/);
  });
});
