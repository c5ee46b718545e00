import { tmpdir } from "node:os";
import { KernelClient } from "../kernel/client.js";

/**
 * Kernel benchmark: start time and trivial-cell round trips through the real kernel process (KernelClient → IPC →
 * compile → vm → IPC). Run: `node dist/bench/kernel.js [--cells N] [--starts N]`.
 * Goals (issue 4): p50 ≤ 0.8 ms, p99 ≤ 3 ms, start ≤ 250 ms. Anchors measured on the machine:
 * tslab 1.0.22 7.8 ms p50 / start 0.8 s; deno jupyter 0.96 ms p50 / start 0.23 s; floor ≈ 0.45 ms.
 */

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summary(label: string, samples: number[], goal?: { p50?: number; p99?: number }): void {
  const s = [...samples].sort((a, b) => a - b);
  const p50 = percentile(s, 50);
  const p99 = percentile(s, 99);
  const verdict = goal ? `  (goal p50 ≤ ${goal.p50} ms ${p50 <= goal.p50! ? "met" : "MISSED"}, p99 ≤ ${goal.p99} ms ${p99 <= goal.p99! ? "met" : "MISSED"})` : "";
  console.log(`${label.padEnd(44)} n=${String(s.length).padEnd(5)} p50 ${p50.toFixed(3)} ms  p99 ${p99.toFixed(3)} ms  max ${s[s.length - 1]!.toFixed(3)} ms${verdict}`);
}

async function roundTrips(kernel: KernelClient, code: (i: number) => string, n: number): Promise<number[]> {
  // Steady state: a cell naming the cell globals waits until apache-arrow and the SDK are loaded in the background.
  await kernel.execute("typeof arrow + typeof Remote");
  for (let i = 0; i < 200; i++) await kernel.execute(code(i));
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const result = await kernel.execute(code(i));
    samples.push(performance.now() - t);
    if (result.status !== "ok") throw new Error(`bench cell failed: ${JSON.stringify(result.error)}`);
  }
  return samples;
}

async function main(): Promise<void> {
  const cells = arg("cells", 2000);
  const starts = arg("starts", 10);
  const cwd = tmpdir();
  console.log(`chalknb kernel bench — Node ${process.version}, ${cells} cells per case, ${starts} starts`);

  const ready: number[] = [];
  const firstCell: number[] = [];
  for (let i = 0; i < starts; i++) {
    const t = performance.now();
    const kernel = await KernelClient.start({ cwd });
    ready.push(performance.now() - t);
    await kernel.execute("1 + 1");
    firstCell.push(performance.now() - t);
    await kernel.shutdown();
  }
  summary("start: spawn → kernel ready", ready, { p50: 250, p99: 250 });
  summary("start: spawn → first trivial cell's result", firstCell, { p50: 250, p99: 250 });

  const kernel = await KernelClient.start({ cwd });
  summary("trivial JS cell `1 + 1` round trip", await roundTrips(kernel, (i) => `${i} + 1`, cells), { p50: 0.8, p99: 3 });
  summary("trivial TS cell `const x: number = i; x`", await roundTrips(kernel, (i) => `const x: number = ${i}; x`, cells), { p50: 0.8, p99: 3 });
  summary("re-run of one TS cell (compile cache)", await roundTrips(kernel, () => "const z: number = 1; z", cells), { p50: 0.8, p99: 3 });
  summary("console.log cell (one stream + reply)", await roundTrips(kernel, (i) => `console.log(${i})`, cells));
  await kernel.shutdown();

  const checked = await KernelClient.start({ cwd, typeCheck: true });
  // Steady state: the checker worker has loaded typescript and checked a first cell.
  const firstCheck = new Promise<void>((resolve) => checked.on("diagnostics", () => resolve()));
  await checked.execute("const warm: number = 1");
  await firstCheck;
  summary("trivial TS cell, type checking on", await roundTrips(checked, (i) => `const y: number = ${i}; y`, Math.min(cells, 500)), { p50: 0.8, p99: 3 });
  await checked.shutdown();
}

await main();
