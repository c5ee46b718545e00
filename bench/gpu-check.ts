/**
 * GPU check (issue 14), for a machine with an NVIDIA GPU; not part of `npm test` or `npm run bench`.
 *   npm run build && node dist/bench/gpu-check.js
 * Detects the GPUs, starts a queue and `chalknb worker --gpus all`, and checks that each worker process reports
 * exactly its own GPU, that a GPU function runs on the GPU workers (each row answers the CUDA_VISIBLE_DEVICES of the
 * process that ran it), and that a function needing a GPU type nobody has waits and times out saying why.
 * Exits 0 when every check passed; prints one line per check.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromArrays } from "apache-arrow";
import { Remote } from "../sdk/index.js";
import { startQueue } from "../queue/index.js";
import { detectHardware } from "../queue/hardware.js";
import type { WorkerSummary } from "../protocol/queue-api.js";

const FUNCTIONS = `import { defineFunction } from "chalknb";
export const onGpu = defineFunction({ name: "on-gpu", gpu: "any", maxBatchingSize: 4, maxBufferDuration: 1 }, (text: string[]) =>
  text.map(() => process.env.CUDA_VISIBLE_DEVICES ?? "unset"));
export const onMissing = defineFunction({ name: "on-missing", gpu: "nvidia-no-such-gpu", maxBatchingSize: 4, maxBufferDuration: 1 }, (text: string[]) =>
  text.map(() => "should not run"));
`;

let failures = 0;
const check = (ok: boolean, what: string) => {
  process.stdout.write(`${ok ? "ok  " : "FAIL"} ${what}\n`);
  if (!ok) failures += 1;
};

const hardware = detectHardware();
process.stdout.write(`detected: ${JSON.stringify(hardware.gpus)} (${hardware.cpus} cores)\n`);
check(hardware.gpus.length > 0, `nvidia-smi reports ${hardware.gpus.length} GPU(s)`);
if (hardware.gpus.length === 0) process.exit(1);

const dir = await mkdtemp(join(tmpdir(), "chalknb-gpu-check-"));
const file = join(dir, "gpu-functions.ts");
await writeFile(file, FUNCTIONS);
const queue = await startQueue({ port: 0 });
const bin = fileURLToPath(new URL("../../bin/chalknb.js", import.meta.url));
const workers = spawn(process.execPath, [bin, "worker", file, "--queue", queue.url, "--name", "check", "--gpus", "all"], { stdio: ["ignore", "inherit", "inherit"] });
const remote = new Remote({ url: queue.url });
try {
  let list: WorkerSummary[] = [];
  for (let i = 0; i < 600 && list.length < hardware.gpus.length && workers.exitCode === null; i++) {
    list = ((await (await fetch(`${queue.httpUrl}/v1/functions`)).json()) as { workerList: WorkerSummary[] }).workerList;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  check(list.length === hardware.gpus.length, `--gpus all started ${list.length} worker(s) for ${hardware.gpus.length} GPU(s)`);
  for (const gpu of hardware.gpus) {
    const w = list.find((x) => x.name === `check:gpu${gpu.index}`);
    check(w !== undefined && w.gpus.length === 1 && w.gpus[0] === gpu.name, `worker check:gpu${gpu.index} reports only GPU ${gpu.index} (${gpu.name}): ${JSON.stringify(w?.gpus)}`);
  }
  const rows = 64 * hardware.gpus.length;
  const result = await remote.function("on-gpu").chunkedCall(tableFromArrays({ text: Array.from({ length: rows }, (_, i) => `row ${i}`) }), { chunkSize: 16, concurrentChunks: 8, timeout: 120 });
  const seen = new Set(Array.from(result.getChild("result") ?? [], String));
  const indices = new Set(hardware.gpus.map((g) => String(g.index)));
  check([...seen].every((v) => indices.has(v)), `on-gpu ran only on GPU workers: CUDA_VISIBLE_DEVICES seen ${[...seen].sort().join(", ")}`);
  try {
    await remote.function("on-missing").chunkedCall(tableFromArrays({ text: ["x"] }), { chunkSize: 1, timeout: 2 });
    check(false, "on-missing should have timed out");
  } catch (error) {
    const message = (error as Error).message;
    check(/on-missing needs gpu nvidia-no-such-gpu; \d+ workers? connected, none with that GPU/.test(message), `on-missing waits and its timeout says why: ${message}`);
  }
} finally {
  remote.close();
  workers.kill("SIGTERM");
  await new Promise((resolve) => (workers.exitCode !== null ? resolve(null) : workers.once("exit", resolve)));
  await queue.close();
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(failures === 0 ? "gpu-check: all checks passed\n" : `gpu-check: ${failures} check(s) failed\n`);
process.exit(failures === 0 ? 0 : 1);
