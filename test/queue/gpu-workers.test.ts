import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { tableFromArrays } from "apache-arrow";
import { startQueue, type QueueServer } from "../../queue/index.js";
import { Remote } from "../../sdk/index.js";
import { chalknbBin, fixtureFunctions } from "../helpers/paths.js";
import { fakeNvidiaSmi, TWO_GPUS } from "../helpers/fake-nvidia-smi.js";
import { resultValues } from "../helpers/queue-fixture.js";

interface Listing {
  workerList: { name: string; gpus: string[]; functions: string[]; unmet: Record<string, string> }[];
}

/** `chalknb worker --gpus` against a real queue, with a stand-in nvidia-smi that lists two GPUs (issue 14). */
describe("chalknb worker --gpus", () => {
  let dir = "";
  let queue: QueueServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "chalknb-gpus-"));
    await fakeNvidiaSmi(dir, TWO_GPUS);
    queue = await startQueue({ port: 0 });
  });
  after(async () => {
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  });
  const worker = (...args: string[]) => {
    const env = { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH}` };
    const child = spawn(process.execPath, [chalknbBin, "worker", fixtureFunctions("gpu-env.ts"), "--queue", queue.url, "--name", "box", ...args], { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    return { child, stderr: () => stderr };
  };
  const listing = async (): Promise<Listing> => (await (await fetch(`${queue.httpUrl}/v1/functions`)).json()) as Listing;
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null) return child.exitCode;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    return (await exited)[0];
  };

  it("--gpus all starts one worker per GPU, each with CUDA_VISIBLE_DEVICES set to its GPU", async () => {
    const { child, stderr } = worker("--gpus", "all");
    try {
      for (let i = 0; (await listing()).workerList.length < 2; i++) {
        assert.ok(i < 1000 && child.exitCode === null, `two workers joined (stderr: ${stderr()})`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const workers = (await listing()).workerList.sort((a, b) => a.name.localeCompare(b.name));
      // Each child detected only the GPU CUDA_VISIBLE_DEVICES left it.
      assert.deepEqual(workers.map((w) => [w.name, w.gpus, w.unmet]), [
        ["box:gpu0", ["NVIDIA L4"], { "on-h100": "it has no nvidia-h100 GPU (it has NVIDIA L4)" }],
        ["box:gpu1", ["NVIDIA H100 80GB HBM3"], {}],
      ]);
      const remote = new Remote({ url: queue.url });
      try {
        const texts = Array.from({ length: 6 }, (_, i) => `row ${i}`);
        const result = await remote.function("on-h100").chunkedCall(tableFromArrays({ text: texts }), { chunkSize: 2, concurrentChunks: 3 });
        assert.deepEqual(resultValues(result), ["1", "1", "1", "1", "1", "1"]);
      } finally {
        remote.close();
      }
    } finally {
      assert.equal(await stop(child), 0);
    }
  });

  it("--gpus naming a GPU the machine lacks is refused with the GPUs it has", async () => {
    const { child, stderr } = worker("--gpus", "0,5");
    const [code] = await once(child, "exit");
    assert.equal(code, 1);
    assert.equal(stderr(), "chalknb worker: --gpus 0,5: there is no GPU 5 (nvidia-smi lists 0 (NVIDIA L4), 1 (NVIDIA H100 80GB HBM3))\n");
  });
});
