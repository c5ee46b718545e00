import type { FunctionNeeds, FunctionSpec, GpuInfo, WorkerHardware } from "../../protocol/messages.js";
import type { WorkerSummary } from "../../protocol/queue-api.js";
import { describeNeeds, formatBytes, normalizeGpuType } from "../resources.js";

/**
 * Placement (issue 14): which workers may be given a function's batches. One policy for both backends: the memory
 * queue and the Redis dispatcher ask `meetsNeeds` when they pick a worker, and `unplacedReason` when a chunk times out.
 * A worker without `hardware` in its hello (an older worker) has no GPU and unknown cores and memory: it may serve
 * CPU functions, whatever cores or memory they ask for (it cannot be judged, so it is not starved).
 */

// Words that name a vendor or a product line rather than the model: "Tesla T4" is "nvidia-t4".
const VENDOR_WORDS = new Set(["nvidia", "tesla"]);

function modelWords(type: string): string[] {
  return normalizeGpuType(type).split("-").filter((w) => w.length > 0 && !VENDOR_WORDS.has(w));
}

/**
 * Whether a GPU as nvidia-smi names it is of a function's GPU type: the type's model words start the GPU's
 * ("nvidia-h100" ↔ "NVIDIA H100 80GB HBM3", "nvidia-l4" ↔ "NVIDIA L4" but not "NVIDIA L40S"); "any" is any GPU.
 */
export function gpuIsOfType(gpuName: string, type: string): boolean {
  if (type === "any") return true;
  const want = modelWords(type);
  const have = modelWords(gpuName);
  return want.length > 0 && want.length <= have.length && want.every((w, i) => have[i] === w);
}

function matchingGpus(gpus: readonly GpuInfo[], needs: FunctionNeeds): number {
  return needs.gpuType === null ? 0 : gpus.filter((g) => gpuIsOfType(g.name, needs.gpuType!)).length;
}

/** Why this worker cannot serve a function with these needs ("it has no GPU"), or undefined when it can. */
export function unmetNeed(hardware: WorkerHardware | undefined, needs: FunctionNeeds | undefined): string | undefined {
  if (!needs) return undefined;
  const gpus = hardware?.gpus ?? [];
  if (needs.gpuType !== null) {
    const matching = matchingGpus(gpus, needs);
    if (matching < needs.gpuCount) {
      if (gpus.length === 0) return "it has no GPU";
      const names = [...new Set(gpus.map((g) => g.name))].join(", ");
      return matching === 0 ? `it has no ${needs.gpuType} GPU (it has ${names})` : `it has ${matching} ${needs.gpuType} GPU${matching === 1 ? "" : "s"}, not ${needs.gpuCount}`;
    }
  }
  if (!hardware) return undefined;
  if (needs.cpu !== null && hardware.cpus < needs.cpu) return `it has ${hardware.cpus} cores, not ${needs.cpu}`;
  if (needs.memoryBytes !== null && hardware.memoryBytes < needs.memoryBytes) {
    return `it has ${formatBytes(hardware.memoryBytes)} memory, not ${formatBytes(needs.memoryBytes)}`;
  }
  return undefined;
}

export function meetsNeeds(hardware: WorkerHardware | undefined, needs: FunctionNeeds | undefined): boolean {
  return unmetNeed(hardware, needs) === undefined;
}

/**
 * Why a function's rows wait, when none of the workers that declare it can serve it:
 * `embed needs gpu nvidia-l4; 2 workers connected, none with that GPU`. Undefined when one can (or none declares it:
 * then the queue's own "0 workers" figures say it).
 */
export function unplacedReason(
  functionName: string,
  needs: FunctionNeeds | undefined,
  declaring: readonly (WorkerHardware | undefined)[],
  connected: number,
): string | undefined {
  if (!needs || declaring.length === 0 || declaring.some((h) => meetsNeeds(h, needs))) return undefined;
  const lead = `${functionName} needs ${describeNeeds(needs)}; ${connected} worker${connected === 1 ? "" : "s"} connected`;
  const gpuShort = needs.gpuType !== null && declaring.every((h) => matchingGpus(h?.gpus ?? [], needs) < needs.gpuCount);
  if (gpuShort) return `${lead}, none with ${needs.gpuCount === 1 ? "that GPU" : `${needs.gpuCount} such GPUs`}`;
  if (needs.cpu !== null && declaring.every((h) => h && h.cpus < needs.cpu!)) return `${lead}, none with ${needs.cpu} cores`;
  if (needs.memoryBytes !== null && declaring.every((h) => h && h.memoryBytes < needs.memoryBytes!)) {
    return `${lead}, none with ${formatBytes(needs.memoryBytes)} memory`;
  }
  return `${lead}, none that has all of it`;
}

export function describeWorkers(
  workers: readonly { name: string; hardware?: WorkerHardware; functions: ReadonlySet<string> }[],
  spec: (functionName: string) => FunctionSpec | undefined,
): WorkerSummary[] {
  return workers.map((w) => {
    const unmet: Record<string, string> = {};
    for (const name of w.functions) {
      const reason = unmetNeed(w.hardware, spec(name)?.needs);
      if (reason) unmet[name] = reason;
    }
    const hardware = w.hardware;
    return { name: w.name, gpus: (hardware?.gpus ?? []).map((g) => g.name), cpus: hardware?.cpus ?? null, memoryBytes: hardware?.memoryBytes ?? null, functions: [...w.functions], unmet };
  });
}
