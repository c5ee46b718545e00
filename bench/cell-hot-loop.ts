import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { KernelClient } from "../kernel/client.js";

/**
 * A hot loop over a cell's own top-level `let`, in the real kernel, against the same loop in a plain Node module
 * (issue 13 item 5: ≤ 1.1×). Both time only the loop, inside the code: the process's CPU time (`process.cpuUsage`),
 * which time spent waiting for a core on a shared machine does not inflate, and wall time. Runs alternate (plain,
 * cell, plain, cell, ...) so that load falls on both alike; the ratio is of the best runs, medians are printed too.
 * Run: `node dist/bench/cell-hot-loop.js [--iterations N] [--runs N]`.
 */

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function best(samples: number[]): number {
  return Math.min(...samples);
}

/**
 * `body` updates `x` from `i`; the code evaluates to `[x, CPU ms, wall ms]`. Without `declare`, `x` is an earlier
 * cell's.
 */
function loop(body: string, n: number, declare: boolean): string {
  return `const c0 = process.cpuUsage(), t0 = performance.now();\n${declare ? "let " : ""}x = 0;\nfor (let i = 0; i < ${n}; i++) ${body};\n`
    + "[x, process.cpuUsage(c0).user / 1000, performance.now() - t0]";
}

const LOOPS = [
  // x leaves the small-integer range at once: a binding that is not a plain local boxes a double on every store.
  { label: "sum of i (doubles)", body: "x += i", earlier: false },
  { label: "count (small integers)", body: "x++", earlier: false },
  { label: "sum into an earlier cell's let", body: "x += i", earlier: true },
] as const;

async function main(): Promise<void> {
  const n = arg("iterations", 1e8);
  const runs = arg("runs", 11);
  const dir = await mkdtemp(path.join(tmpdir(), "chalknb-hot-loop-"));
  const kernel = await KernelClient.start({ cwd: dir });
  console.log(`hot loop: cell in the kernel ÷ plain Node module — Node ${process.version}, ${n.toExponential()} iterations, best of ${runs} alternating runs, CPU time (wall time)`);
  try {
    for (const { label, body, earlier } of LOOPS) {
      const code = loop(body, n, !earlier);
      if (earlier) await kernel.execute("let x = 0");
      const file = path.join(dir, "plain.mjs");
      const plainCode = loop(body, n, true);
      await writeFile(file, `${plainCode.replace(/\n\[x, (.*)\]$/, "\nconsole.log(JSON.stringify([x, $1]))")}\n`);
      const plain = { cpu: [] as number[], wall: [] as number[] };
      const cell = { cpu: [] as number[], wall: [] as number[] };
      for (let r = 0; r < runs; r++) {
        const child = spawnSync(process.execPath, [file], { encoding: "utf8" });
        if (child.status !== 0) throw new Error(`plain Node run failed: ${child.stderr}`);
        const [plainX, plainCpu, plainWall] = JSON.parse(child.stdout) as [number, number, number];
        plain.cpu.push(plainCpu);
        plain.wall.push(plainWall);
        const result = await kernel.execute(code);
        const output = result.outputs.find((o) => o.output_type === "execute_result") as { data: Record<string, unknown> } | undefined;
        if (result.status !== "ok" || !output) throw new Error(`bench cell failed: ${JSON.stringify(result.error)}`);
        const [cellX, cellCpu, cellWall] = JSON.parse(String(output.data["text/plain"])) as [number, number, number];
        if (cellX !== plainX) throw new Error(`the cell computed ${cellX}, plain Node ${plainX}`);
        cell.cpu.push(cellCpu);
        cell.wall.push(cellWall);
      }
      const ratio = best(cell.cpu) / best(plain.cpu);
      const figures = (k: "cpu" | "wall") => `${best(cell[k]).toFixed(0)} / ${best(plain[k]).toFixed(0)} ms (medians ${median(cell[k]).toFixed(0)} / ${median(plain[k]).toFixed(0)})`;
      console.log(
        `${label.padEnd(31)} ratio ${ratio.toFixed(2)} (wall ${(best(cell.wall) / best(plain.wall)).toFixed(2)}; goal ≤ 1.1 ${ratio <= 1.1 ? "met" : "MISSED"}): cell / plain CPU ${figures("cpu")}, wall ${figures("wall")}`,
      );
    }
  } finally {
    await kernel.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
