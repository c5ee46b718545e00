// `node dist/bench/jupyter.js [cells] [rounds]`: the chalknb Jupyter kernel vs tslab vs `deno jupyter`, measured by
// one client (bench/jupyter_roundtrip.py: jupyter_client's KernelManager to start, a plain pyzmq DEALER/SUB for the
// round trip), beside a floor: bench/jupyter-floor-kernel.ts answers with the same five messages and runs nothing, so
// what separates chalknb from it is the kernel's own work. The kernels take turns, `rounds` times (default 3); each
// figure is the median of its rounds and each ratio the median of the rounds' own ratios, so load on a shared machine
// moves both sides of a ratio together. CHALKNB_BENCH_COMPARE=<another checkout's bin/chalknb.js> adds that build as
// "chalknb-cmp" (before/after in one run). tslab and deno are npm-installed into a folder outside the repository
// (never a dependency of chalknb); a kernel whose tool cannot be installed here is skipped with the reason.
// Issue 15's goals: chalknb p50 ≤ 0.5× Deno's, p99 ≤ 3 ms, start ≤ 300 ms. Nothing is asserted.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fmt } from "./support.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const bin = path.join(repoRoot, "bin", "chalknb.js");
const floorKernel = fileURLToPath(new URL("./jupyter-floor-kernel.js", import.meta.url));
const script = path.join(repoRoot, "bench", "jupyter_roundtrip.py");
const cells = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);
/** Where tslab and deno are installed. @default $TMPDIR/chalknb-jupyter-bench */
const toolsDir = process.env.CHALKNB_BENCH_TOOLS ?? path.join(tmpdir(), "chalknb-jupyter-bench");
const VERSIONS = { tslab: "1.0.22", deno: "2.9.6" };

interface Figures {
  p50_ms: number;
  p99_ms: number;
  client_cpu_ms: number;
  /** The kernel's CPU time per round trip (Linux only). */
  kernel_cpu_ms: number | null;
  start_ms: number;
  /** The kernel's CPU time until its first kernel_info_reply (Linux only). */
  start_cpu_ms: number | null;
  ready_ms: number;
  lost: number;
}

function findPython(): string | undefined {
  for (const candidate of ["python3", "/usr/bin/python3"]) {
    if (spawnSync(candidate, ["-c", "import jupyter_client, zmq"], { stdio: "ignore" }).status === 0) return candidate;
  }
  return undefined;
}

function ensureTools(): string | undefined {
  const binDir = path.join(toolsDir, "node_modules", ".bin");
  if (existsSync(path.join(binDir, "tslab")) && existsSync(path.join(binDir, "deno"))) return undefined;
  mkdirSync(toolsDir, { recursive: true });
  if (!existsSync(path.join(toolsDir, "package.json"))) writeFileSync(path.join(toolsDir, "package.json"), '{ "private": true }\n');
  const npm = spawnSync("npm", ["install", "--no-audit", "--no-fund", `tslab@${VERSIONS.tslab}`, `deno@${VERSIONS.deno}`], { cwd: toolsDir, stdio: "ignore" });
  return npm.status === 0 ? undefined : `npm install tslab deno in ${toolsDir} failed (exit ${npm.status})`;
}

function writeSpec(prefix: string, name: string, argv: string[], language: string): void {
  const dir = path.join(prefix, "share", "jupyter", "kernels", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "kernel.json"), JSON.stringify({ argv, display_name: name, language }));
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const python = findPython();
if (!python) {
  console.log("skipped: no python3 with jupyter_client (apt-get install python3-jupyter-client)");
  process.exit(0);
}
const prefix = mkdtempSync(path.join(tmpdir(), "chalknb-jupyter-bench-spec-"));
execFileSync(process.execPath, [bin, "jupyter", "install", "--prefix", prefix], { stdio: "ignore" });
const kernels: Array<{ name: string; skip?: string }> = [{ name: "chalknb" }];
const compare = process.env.CHALKNB_BENCH_COMPARE;
if (compare) {
  writeSpec(prefix, "chalknb-cmp", [process.execPath, path.resolve(compare), "jupyter", "kernel", "--connection-file", "{connection_file}"], "typescript");
  kernels.push({ name: "chalknb-cmp" });
}
writeSpec(prefix, "floor", [process.execPath, floorKernel, "{connection_file}"], "typescript");
kernels.push({ name: "floor" });
const toolsMissing = ensureTools();
for (const tool of ["deno", "tslab"] as const) {
  const exe = path.join(toolsDir, "node_modules", ".bin", tool);
  if (toolsMissing || !existsSync(exe)) {
    kernels.push({ name: tool, skip: toolsMissing ?? `${exe} is missing` });
    continue;
  }
  if (tool === "tslab") writeSpec(prefix, "tslab", [exe, "kernel", "--config-path", "{connection_file}"], "typescript");
  else writeSpec(prefix, "deno", [exe, "jupyter", "--kernel", "--conn", "{connection_file}"], "typescript");
  kernels.push({ name: tool });
}

console.log(`trivial cell "1": ${cells} round trips after 50 warm-up ones; ${rounds} rounds, kernels taking turns; medians of the rounds`);
console.log("start = KernelManager.start_kernel → first kernel_info_reply; ready = start_kernel → wait_for_ready (as frontends; includes its 0.2 s iopub wait)");
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${cpus().length} CPUs`);
const runs = new Map<string, Figures[]>();
for (const kernel of kernels) if (kernel.skip) console.log(`${kernel.name.padEnd(11)} skipped: ${kernel.skip}`);
for (let round = 1; round <= rounds; round++) {
  for (const kernel of kernels) {
    if (kernel.skip) continue;
    const run = spawnSync(python, [script, kernel.name, String(cells), "3"], {
      env: { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter") },
      cwd: tmpdir(),
      encoding: "utf8",
      timeout: 600_000,
    });
    if (run.status !== 0) {
      console.log(`${kernel.name.padEnd(11)} round ${round} failed: ${(run.stderr || run.stdout || String(run.error)).trim().split("\n").slice(-3).join(" | ")}`);
      continue;
    }
    const r = JSON.parse(run.stdout) as Figures;
    runs.set(kernel.name, [...(runs.get(kernel.name) ?? []), r]);
    console.log(
      `  round ${round} ${kernel.name.padEnd(11)} p50 ${fmt(r.p50_ms, 2)} ms  p99 ${fmt(r.p99_ms, 2)} ms  client CPU ${fmt(r.client_cpu_ms, 2)} ms  kernel CPU ${r.kernel_cpu_ms === null ? "n/a" : fmt(r.kernel_cpu_ms, 2)} ms  start ${fmt(r.start_ms)} ms (CPU ${r.start_cpu_ms === null ? "n/a" : fmt(r.start_cpu_ms)} ms)  ready ${fmt(r.ready_ms)} ms${r.lost > 0 ? `  lost ${r.lost}` : ""}`,
    );
  }
}

type Figure = Exclude<keyof Figures, "lost">;
const value = (r: Figures, key: Figure): number => r[key] ?? Number.NaN;
const summary = (name: string, key: Figure): number | undefined => {
  const list = runs.get(name);
  return list && list.length > 0 ? median(list.map((r) => value(r, key))) : undefined;
};
console.log("");
console.log(`${"kernel".padEnd(11)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"client CPU".padStart(11)} ${"kernel CPU".padStart(11)} ${"start".padStart(9)} ${"start CPU".padStart(10)} ${"ready".padStart(9)}`);
for (const { name } of kernels) {
  if (!runs.has(name)) continue;
  const cell = (key: Figure, digits: number, width = 9) => `${fmt(summary(name, key)!, digits)} ms`.padStart(width);
  console.log(`${name.padEnd(11)} ${cell("p50_ms", 2)} ${cell("p99_ms", 2)} ${cell("client_cpu_ms", 2, 11)} ${cell("kernel_cpu_ms", 2, 11)} ${cell("start_ms", 0)} ${cell("start_cpu_ms", 0, 10)} ${cell("ready_ms", 0)}`);
}

/** The median over rounds of a ratio taken within each round (same run, same load). */
function ratio(a: string, b: string, key: Figure): number | undefined {
  const left = runs.get(a);
  const right = runs.get(b);
  if (!left || !right) return undefined;
  const n = Math.min(left.length, right.length);
  if (n === 0) return undefined;
  return median(Array.from({ length: n }, (_, i) => value(left[i]!, key) / value(right[i]!, key)));
}
const show = (label: string, value: number | undefined, goal = "") => value !== undefined && console.log(`${label} = ${fmt(value, 2)}${goal}`);
console.log("");
show("chalknb p50 ÷ deno p50", ratio("chalknb", "deno", "p50_ms"), " (goal ≤ 0.5)");
show("floor p50 ÷ deno p50 (the best any kernel can do under this client)", ratio("floor", "deno", "p50_ms"));
show("chalknb p50 ÷ chalknb-cmp p50", ratio("chalknb", "chalknb-cmp", "p50_ms"));
show("chalknb kernel CPU per cell ÷ chalknb-cmp's", ratio("chalknb", "chalknb-cmp", "kernel_cpu_ms"));
show("chalknb ready ÷ chalknb-cmp ready", ratio("chalknb", "chalknb-cmp", "ready_ms"));
show("chalknb start ÷ chalknb-cmp start", ratio("chalknb", "chalknb-cmp", "start_ms"));
show("chalknb start CPU ÷ chalknb-cmp start CPU", ratio("chalknb", "chalknb-cmp", "start_cpu_ms"));
show("chalknb p50 ÷ floor p50", ratio("chalknb", "floor", "p50_ms"));
show("chalknb p50 ÷ tslab p50", ratio("chalknb", "tslab", "p50_ms"));
const p99 = summary("chalknb", "p99_ms");
const start = summary("chalknb", "start_ms");
if (p99 !== undefined && start !== undefined) console.log(`chalknb p99 ${fmt(p99, 2)} ms (goal ≤ 3), start ${fmt(start)} ms (goal ≤ 300)`);
rmSync(prefix, { recursive: true, force: true });
