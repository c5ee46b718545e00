import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { QueueServer } from "../queue/index.js";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/chalknb.js", import.meta.url));

/** Starts `chalknb worker <file>` as its own process and waits until the queue has it. */
export async function spawnWorker(queue: QueueServer, file: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const joined = once(queue.core, "worker-joined");
  const child = spawn(process.execPath, [bin, "worker", file, "--queue", queue.url], { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  await joined;
  return child;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
