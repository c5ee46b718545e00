import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Remote } from "../../sdk/index.js";
import { ChalknbProcess, startWorkerProcess } from "./processes.js";
import { resultValues, textTable } from "../helpers/queue-fixture.js";

const SHOUT = "test/fixtures/functions/shout.ts";

/** Runs one `chalknb` command to its end. */
async function run(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = new ChalknbProcess(args, { CHALKNB_REDIS_URL: "", CHALKNB_TOKEN: "" });
  const code = await new Promise<number | null>((resolve) => child.child.once("exit", (c) => resolve(c)));
  await new Promise((resolve) => setImmediate(resolve));
  return { code, output: child.lines.join("\n") };
}

describe("chalknb deploy", () => {
  it("registers a function on a real queue: its call waits for a worker, then completes", async () => {
    const queue = new ChalknbProcess(["queue", "--port", "0", "--token", "s3cret"], { CHALKNB_REDIS_URL: "" });
    const workers: ChalknbProcess[] = [];
    const remote = { current: undefined as Remote | undefined };
    try {
      const url = await queue.waitFor(/^ws:\/\//);
      const refused = await run(["deploy", SHOUT, "--queue", url]);
      assert.equal(refused.code, 1);
      assert.match(refused.output, /^chalknb deploy: the queue refused \(401\): unauthorized: .* \(pass the queue's token with --token or CHALKNB_TOKEN\)$/m);

      const deployed = await run(["deploy", SHOUT, "--queue", url, "--token", "s3cret"]);
      assert.equal(deployed.code, 0, deployed.output);
      assert.equal(deployed.output, `deployed shout on ${url}: calls wait for a worker (up to the queue's --max-buffered-rows)`);

      remote.current = new Remote({ url, token: "s3cret" });
      const listed = (await remote.current.functions()).find((f) => f.name === "shout");
      assert.equal(listed?.workers, 0);
      assert.equal(listed?.deployed, true);
      let resolveWaiting: (note: string) => void = () => {};
      const waiting = new Promise<string>((resolve) => (resolveWaiting = resolve));
      const call = remote.current.function("shout").chunkedCall(textTable(3), { chunkSize: 3, onProgress: (p) => p.waiting && resolveWaiting(p.waiting) });
      assert.equal(await waiting, "waiting for a worker for shout (0 connected)");
      workers.push(await startWorkerProcess(url, [SHOUT], { CHALKNB_TOKEN: "s3cret" }));
      assert.deepEqual(resultValues(await call), ["ROW 0", "ROW 1", "ROW 2"]);
    } finally {
      remote.current?.close();
      for (const worker of workers) await worker.kill("SIGTERM");
      await queue.kill("SIGTERM");
    }
  });

  it("says how to call it without files, and fails clearly when no queue listens", async () => {
    const usage = await run(["deploy"]);
    assert.equal(usage.code, 2);
    assert.equal(usage.output, "usage: chalknb deploy <functions.ts...> [--queue ws://127.0.0.1:7777] [--token t]");
    const unreachable = await run(["deploy", SHOUT, "--queue", "ws://127.0.0.1:1"]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.output, /^chalknb deploy: cannot reach the queue at http:\/\/127\.0\.0\.1:1\/v1\/functions \(.*\); is `chalknb queue` running there \(--queue\)\?$/m);
  });
});
