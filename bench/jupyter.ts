// `node dist/bench/jupyter.js [cells]`: the chalknb Jupyter kernel vs tslab vs `deno jupyter`, measured by one client
// (bench/jupyter_roundtrip.py: jupyter_client's KernelManager to start, a plain pyzmq DEALER/SUB for the round trip).
// tslab and deno are npm-installed into a folder outside the repository (never a dependency of chalknb); a kernel
// whose tool cannot be installed here is skipped with the reason. Issue 15's goals: chalknb p50 ≤ 0.5× Deno's,
// p99 ≤ 3 ms, start ≤ 300 ms. Nothing is asserted; the figures depend on the machine's load (print it too).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fmt } from "./support.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const bin = path.join(repoRoot, "bin", "chalknb.js");
const script = path.join(repoRoot, "bench", "jupyter_roundtrip.py");
const cells = Number(process.argv[2] ?? 1000);
/** Where tslab and deno are installed. @default $TMPDIR/chalknb-jupyter-bench */
const toolsDir = process.env.CHALKNB_BENCH_TOOLS ?? path.join(tmpdir(), "chalknb-jupyter-bench");
const VERSIONS = { tslab: "1.0.22", deno: "2.9.6" };

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

const python = findPython();
if (!python) {
  console.log("skipped: no python3 with jupyter_client (apt-get install python3-jupyter-client)");
  process.exit(0);
}
const prefix = mkdtempSync(path.join(tmpdir(), "chalknb-jupyter-bench-spec-"));
execFileSync(process.execPath, [bin, "jupyter", "install", "--prefix", prefix], { stdio: "ignore" });
const kernels: Array<{ name: string; skip?: string }> = [{ name: "chalknb" }];
const toolsMissing = ensureTools();
for (const tool of ["tslab", "deno"] as const) {
  const exe = path.join(toolsDir, "node_modules", ".bin", tool);
  if (toolsMissing || !existsSync(exe)) {
    kernels.push({ name: tool, skip: toolsMissing ?? `${exe} is missing` });
    continue;
  }
  if (tool === "tslab") writeSpec(prefix, "tslab", [exe, "kernel", "--config-path", "{connection_file}"], "typescript");
  else writeSpec(prefix, "deno", [exe, "jupyter", "--kernel", "--conn", "{connection_file}"], "typescript");
  kernels.push({ name: tool });
}

console.log(`trivial cell "1", ${cells} round trips after 50 warm-up ones; start = median of 3 (KernelManager.start_kernel → kernel_info_reply)`);
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${(await import("node:os")).cpus().length} CPUs`);
const results = new Map<string, { p50_ms: number; p99_ms: number; start_ms: number }>();
for (const kernel of kernels) {
  if (kernel.skip) {
    console.log(`${kernel.name.padEnd(8)} skipped: ${kernel.skip}`);
    continue;
  }
  const run = spawnSync(python, [script, kernel.name, String(cells), "3"], {
    env: { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter") },
    cwd: tmpdir(),
    encoding: "utf8",
    timeout: 600_000,
  });
  if (run.status !== 0) {
    console.log(`${kernel.name.padEnd(8)} failed: ${(run.stderr || run.stdout || String(run.error)).trim().split("\n").slice(-3).join(" | ")}`);
    continue;
  }
  const r = JSON.parse(run.stdout) as { p50_ms: number; p99_ms: number; start_ms: number; lost: number };
  results.set(kernel.name, r);
  console.log(`${kernel.name.padEnd(8)} p50 ${fmt(r.p50_ms, 2)} ms   p99 ${fmt(r.p99_ms, 2)} ms   start ${fmt(r.start_ms)} ms${r.lost > 0 ? `   lost ${r.lost} of ${cells} (no reply or idle within 10 s)` : ""}`);
}
const ours = results.get("chalknb");
const deno = results.get("deno");
const tslab = results.get("tslab");
if (ours && deno) console.log(`chalknb p50 ÷ deno p50 = ${fmt(ours.p50_ms / deno.p50_ms, 2)} (goal ≤ 0.5)`);
if (ours && tslab) console.log(`chalknb p50 ÷ tslab p50 = ${fmt(ours.p50_ms / tslab.p50_ms, 2)}`);
if (ours) console.log(`chalknb p99 ${fmt(ours.p99_ms, 2)} ms (goal ≤ 3), start ${fmt(ours.start_ms)} ms (goal ≤ 300)`);
rmSync(prefix, { recursive: true, force: true });
