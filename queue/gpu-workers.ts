import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { InvalidArgumentError } from "../protocol/errors.js";
import type { GpuInfo } from "../protocol/messages.js";
import { listGpus, visibleGpus } from "./hardware.js";

/**
 * `chalknb worker --gpus all|0,2`: one worker process per GPU, each with CUDA_VISIBLE_DEVICES set to its GPU (the
 * usual one-model-per-GPU layout: Triton instance groups, Ray `num_gpus: 1`). Each child detects its own hardware, so
 * its hello names only its GPU and the queue places GPU functions on it.
 */

/** The GPUs `--gpus` names: "all" (those this process may use), or nvidia-smi indices "0,2". */
export function selectGpus(spec: string, env: NodeJS.ProcessEnv = process.env): GpuInfo[] {
  const gpus = listGpus(env);
  const listed = gpus.length === 0 ? "nvidia-smi lists none" : `nvidia-smi lists ${gpus.map((g) => `${g.index} (${g.name})`).join(", ")}`;
  if (spec === "all") {
    const visible = visibleGpus(gpus, env.CUDA_VISIBLE_DEVICES);
    if (visible.length === 0) throw new InvalidArgumentError(`--gpus all: no GPU found (${listed}); drop --gpus to run a CPU worker`);
    return visible;
  }
  if (!/^\d+(,\d+)*$/.test(spec)) throw new InvalidArgumentError(`--gpus must be "all" or GPU indices such as 0,2; got ${JSON.stringify(spec)}`);
  const indices = [...new Set(spec.split(",").map(Number))];
  return indices.map((index) => {
    const gpu = gpus.find((g) => g.index === index);
    if (!gpu) throw new InvalidArgumentError(`--gpus ${spec}: there is no GPU ${index} (${listed})`);
    return gpu;
  });
}

export interface GpuWorkersOptions {
  /** Arguments for each child worker (without --gpus and --name). */
  argv: string[];
  gpus: GpuInfo[];
  /** Each child is named `<name>:gpu<index>`. */
  name: string;
  log: (line: string) => void;
}

/** Starts the children and resolves with the exit code once they all exit (SIGTERM / SIGINT stop them all). */
export function runGpuWorkers(options: GpuWorkersOptions): Promise<number> {
  const entry = fileURLToPath(new URL("./worker-process.js", import.meta.url));
  const children = new Set<ChildProcess>();
  let code = 0;
  return new Promise<number>((resolve) => {
    const stop = () => {
      for (const child of children) child.kill("SIGTERM");
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    for (const gpu of options.gpus) {
      const childName = `${options.name}:gpu${gpu.index}`;
      // PCI_BUS_ID makes CUDA number devices as nvidia-smi does (CUDA's own default order is fastest first).
      const env = { ...process.env, CUDA_DEVICE_ORDER: "PCI_BUS_ID", CUDA_VISIBLE_DEVICES: String(gpu.index) };
      const child = fork(entry, [...options.argv, "--name", childName], { env, stdio: ["ignore", "inherit", "inherit", "ipc"] });
      children.add(child);
      options.log(`worker ${childName}: started for GPU ${gpu.index} (${gpu.name}), pid ${child.pid}`);
      child.on("exit", (exitCode, signal) => {
        children.delete(child);
        if (exitCode !== 0 && signal !== "SIGTERM") {
          options.log(`worker ${childName} exited with ${signal ?? `code ${exitCode}`}`);
          code = exitCode || 1;
        }
        if (children.size > 0) return;
        process.off("SIGTERM", stop);
        process.off("SIGINT", stop);
        resolve(code);
      });
    }
  });
}
