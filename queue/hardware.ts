import { execFileSync } from "node:child_process";
import { availableParallelism, totalmem } from "node:os";
import { ChalknbError, ErrorCode } from "../protocol/errors.js";
import type { GpuInfo, WorkerHardware } from "../protocol/messages.js";

/**
 * What a worker runs on: its GPUs (from nvidia-smi, narrowed by CUDA_VISIBLE_DEVICES as CUDA would narrow them),
 * cores and memory. No nvidia-smi, or one that fails or lists nothing, is a normal CPU worker.
 */

export const NVIDIA_SMI_ARGS = ["--query-gpu=name,memory.total,uuid", "--format=csv,noheader,nounits"] as const;

export interface DetectOptions {
  /** The environment (PATH finds nvidia-smi; CUDA_VISIBLE_DEVICES narrows the GPUs). @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Longest nvidia-smi may take; a hung driver must not hang the worker. @default 10_000 */
  timeoutMs?: number;
}

export function detectHardware(options: DetectOptions = {}): WorkerHardware {
  const env = options.env ?? process.env;
  return { gpus: visibleGpus(listGpus(env, options.timeoutMs ?? 10_000), env.CUDA_VISIBLE_DEVICES), cpus: availableParallelism(), memoryBytes: totalmem() };
}

/** Every GPU nvidia-smi lists on this machine (CUDA_VISIBLE_DEVICES does not narrow nvidia-smi's own list). */
export function listGpus(env: NodeJS.ProcessEnv = process.env, timeoutMs = 10_000): GpuInfo[] {
  let output: string;
  try {
    output = execFileSync("nvidia-smi", NVIDIA_SMI_ARGS, { env, encoding: "utf8", timeout: timeoutMs, stdio: ["ignore", "pipe", "ignore"] });
  } catch {
    return []; // not installed, no driver, or no device: a CPU machine
  }
  return parseNvidiaSmi(output);
}

/** Lines of `NVIDIA H100 80GB HBM3, 81559, GPU-5e1c...`; the name may hold commas, so the two last fields are split off. */
export function parseNvidiaSmi(output: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of output.split(/\r?\n/)) {
    const fields = line.split(",").map((f) => f.trim());
    if (fields.length < 3) continue;
    const uuid = fields.pop()!;
    const memoryMiB = Number(fields.pop());
    const name = fields.join(", ");
    if (!name || !uuid || !Number.isFinite(memoryMiB)) continue;
    gpus.push({ index: gpus.length, name, memoryMiB, uuid });
  }
  return gpus;
}

/**
 * The GPUs CUDA would show a process under CUDA_VISIBLE_DEVICES: unset = all; "" or "-1" = none; otherwise indices or
 * UUIDs (or UUID prefixes), in that order. CUDA stops at the first entry that names no device, and so does this.
 */
export function visibleGpus(gpus: GpuInfo[], cudaVisibleDevices: string | undefined): GpuInfo[] {
  if (cudaVisibleDevices === undefined) return gpus;
  const visible: GpuInfo[] = [];
  for (const entry of cudaVisibleDevices.split(",").map((e) => e.trim())) {
    const gpu = /^\d+$/.test(entry) ? gpus.find((g) => g.index === Number(entry)) : entry.length > 0 ? gpus.find((g) => g.uuid.startsWith(entry)) : undefined;
    if (!gpu || visible.includes(gpu)) break;
    visible.push(gpu);
  }
  return visible;
}

/** Checks `hardware` as it arrives in a worker's hello; absent is a CPU worker of unknown size (an older worker). */
export function validateHardware(value: unknown): WorkerHardware | undefined {
  if (value === undefined) return undefined;
  const fail = (detail: string) => new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: hello.hardware.${detail}`);
  if (typeof value !== "object" || value === null) throw new ChalknbError(ErrorCode.MalformedFrame, "malformed frame: hello.hardware must be an object");
  const hardware = value as Partial<WorkerHardware>;
  if (!Array.isArray(hardware.gpus) || hardware.gpus.length > 1024) throw fail("gpus must be a list (at most 1024)");
  const gpus = hardware.gpus.map((gpu: Partial<GpuInfo>, i) => {
    if (typeof gpu !== "object" || gpu === null) throw fail(`gpus[${i}] must be an object`);
    if (!Number.isInteger(gpu.index) || gpu.index! < 0) throw fail(`gpus[${i}].index must be an integer >= 0`);
    if (typeof gpu.name !== "string" || gpu.name.length === 0 || gpu.name.length > 200) throw fail(`gpus[${i}].name must be a non-empty string of at most 200 characters`);
    if (typeof gpu.memoryMiB !== "number" || !(gpu.memoryMiB >= 0)) throw fail(`gpus[${i}].memoryMiB must be a number >= 0`);
    if (typeof gpu.uuid !== "string" || gpu.uuid.length > 200) throw fail(`gpus[${i}].uuid must be a string of at most 200 characters`);
    return { index: gpu.index!, name: gpu.name, memoryMiB: gpu.memoryMiB, uuid: gpu.uuid };
  });
  if (!(typeof hardware.cpus === "number" && hardware.cpus > 0)) throw fail("cpus must be a number > 0");
  if (!(typeof hardware.memoryBytes === "number" && hardware.memoryBytes > 0)) throw fail("memoryBytes must be a number > 0");
  return { gpus, cpus: hardware.cpus, memoryBytes: hardware.memoryBytes };
}
