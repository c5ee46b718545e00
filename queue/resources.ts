import { ChalknbError, ErrorCode, InvalidArgumentError } from "../protocol/errors.js";
import type { FunctionNeeds } from "../protocol/messages.js";

/**
 * defineFunction's resource options, as the seed writes them (`gpu="nvidia-l4"`, `cpu="2"`, `memory="4Gi"`), turned
 * into the `needs` a worker's hardware is matched against (policy/placement.ts). One parser for the function side and
 * one checker for what arrives over the wire, so both read the same rules.
 */

/** A GPU type (`"nvidia-l4"`, `"nvidia-h100"`, `"any"`) or a type and a count. */
export type GpuOption = string | { type: string; count?: number };

export interface ResourceOptions {
  /** The GPU the function needs: `"nvidia-l4"`, `"nvidia-h100"`, `"any"`, or `{ type, count }`. @default none */
  gpu?: GpuOption;
  /** Cores the function needs (a number or a numeric string, as the seed's `cpu="2"`). @default none */
  cpu?: number | string;
  /** Memory the function needs: `"4Gi"`, `"512Mi"`, `"8G"`, or bytes. @default none */
  memory?: string | number;
  /** A container image: accepted so the seed's options copy over, and ignored (chalknb builds no containers). */
  image?: string;
}

export interface ParsedResources {
  /** Undefined when no resource option was given (the spec then has no `needs`). */
  needs?: FunctionNeeds;
  /** One-line notices for the worker's log (an ignored `image`). */
  notices: string[];
}

const UNITS: Record<string, number> = {
  "": 1, B: 1,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
  k: 1000, K: 1000, M: 1000 ** 2, G: 1000 ** 3, T: 1000 ** 4,
  KB: 1000, MB: 1000 ** 2, GB: 1000 ** 3, TB: 1000 ** 4,
  KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4,
};

/** Reads `gpu`, `cpu`, `memory` and `image`; throws InvalidArgumentError naming the option, the value and a valid one. */
export function parseResources(options: ResourceOptions, where: string): ParsedResources {
  const notices: string[] = [];
  if (options.image !== undefined) {
    notices.push(`${where}: image ${JSON.stringify(options.image)} is ignored: chalknb runs functions in the worker's own environment (no container builds)`);
  }
  if (options.gpu === undefined && options.cpu === undefined && options.memory === undefined) return { notices };
  const gpu = options.gpu === undefined ? { type: null, count: 0 } : parseGpu(options.gpu, where);
  return {
    needs: { gpuType: gpu.type, gpuCount: gpu.count, cpu: options.cpu === undefined ? null : parseCpu(options.cpu, where), memoryBytes: options.memory === undefined ? null : parseMemory(options.memory, where) },
    notices,
  };
}

/** "NVIDIA L4" / "nvidia_l4" / "nvidia-l4" → "nvidia-l4": the form GPU types are compared in. */
export function normalizeGpuType(type: string): string {
  return type.trim().toLowerCase().replace(/[\s_]+/g, "-");
}

function parseGpu(value: GpuOption, where: string): { type: string; count: number } {
  const usage = `gpu must be a GPU type such as "nvidia-l4", "nvidia-h100" or "any", or { type: "nvidia-l4", count: 2 }`;
  const raw = typeof value === "string" ? value : typeof value === "object" && value !== null ? value.type : undefined;
  if (typeof raw !== "string" || !/^[a-z0-9][a-z0-9-]*$/.test(normalizeGpuType(raw))) {
    throw new InvalidArgumentError(`${where}: ${usage}; got ${describe(value)}`);
  }
  const count = typeof value === "object" ? (value.count ?? 1) : 1;
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError(`${where}: gpu.count must be a positive integer, got ${describe(count)}`);
  return { type: normalizeGpuType(raw), count };
}

function parseCpu(value: number | string, where: string): number {
  const cores = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof cores !== "number" || !Number.isFinite(cores) || cores <= 0) {
    throw new InvalidArgumentError(`${where}: cpu must be a number of cores > 0, such as 2 or "0.5"; got ${describe(value)}`);
  }
  return cores;
}

function parseMemory(value: string | number, where: string): number {
  const usage = `memory must be a size such as "4Gi", "512Mi" or "8G", or a number of bytes`;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value > 0) return value;
    throw new InvalidArgumentError(`${where}: ${usage}; got ${describe(value)}`);
  }
  const match = typeof value === "string" ? /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(value) : null;
  const unit = match ? UNITS[match[2]] : undefined;
  if (!match || unit === undefined || Number(match[1]) <= 0) {
    throw new InvalidArgumentError(`${where}: ${usage} (units Ki, Mi, Gi, Ti or K, M, G, T); got ${describe(value)}`);
  }
  return Math.ceil(Number(match[1]) * unit);
}

/** Checks `needs` as it arrives in a worker's hello (the network is not trusted); returns a clean copy. */
export function validateNeeds(value: unknown, where: string): FunctionNeeds {
  const fail = (detail: string) => new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: ${where}.needs.${detail}`);
  if (typeof value !== "object" || value === null) throw new ChalknbError(ErrorCode.MalformedFrame, `malformed frame: ${where}.needs must be an object`);
  const needs = value as Partial<FunctionNeeds>;
  if (needs.gpuType !== null && !(typeof needs.gpuType === "string" && /^[a-z0-9][a-z0-9-]*$/.test(needs.gpuType))) {
    throw fail('gpuType must be a normalized GPU type ("nvidia-l4"), "any" or null');
  }
  if (!Number.isInteger(needs.gpuCount) || needs.gpuCount! < 0 || (needs.gpuType === null) !== (needs.gpuCount === 0)) {
    throw fail("gpuCount must be an integer, 0 exactly when gpuType is null");
  }
  if (needs.cpu !== null && !(typeof needs.cpu === "number" && Number.isFinite(needs.cpu) && needs.cpu > 0)) throw fail("cpu must be a number > 0 or null");
  if (needs.memoryBytes !== null && !(Number.isInteger(needs.memoryBytes) && needs.memoryBytes! > 0)) throw fail("memoryBytes must be a positive integer or null");
  return { gpuType: needs.gpuType, gpuCount: needs.gpuCount!, cpu: needs.cpu, memoryBytes: needs.memoryBytes! } as FunctionNeeds;
}

/** "gpu nvidia-l4", "2 gpus nvidia-h100, 8 cores, 4 GiB": what a function needs, for messages. */
export function describeNeeds(needs: FunctionNeeds): string {
  const parts: string[] = [];
  if (needs.gpuType !== null) parts.push(`${needs.gpuCount === 1 ? "gpu" : `${needs.gpuCount} gpus`} ${needs.gpuType}`);
  if (needs.cpu !== null) parts.push(`${needs.cpu} ${needs.cpu === 1 ? "core" : "cores"}`);
  if (needs.memoryBytes !== null) parts.push(`${formatBytes(needs.memoryBytes)} memory`);
  return parts.join(", ");
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [["TiB", 1024 ** 4], ["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} B`;
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}
