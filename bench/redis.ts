// Redis backend benchmark (issue 6): rows/s and p50/p99 chunk latency, memory backend vs Redis backend with 1 and 2
// gateways, printed side by side. Every gateway and worker is a process of its own (as deployed). Asserts nothing.
//   node dist/bench/redis.js [--redis-url redis://...]   (default: a throw-away redis-server with AOF everysec)
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { tableFromArrays } from "apache-arrow";
import { Remote } from "../sdk/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const bin = join(root, "bin/chalknb.js");
const functionsFile = join(root, "test/fixtures/functions/redis-bench.ts");
const { values } = parseArgs({ options: { "redis-url": { type: "string" }, rows: { type: "string" }, chunks: { type: "string" }, repeat: { type: "string" } } });
const ROWS = Number(values.rows ?? 40_000);
const LATENCY_CHUNKS = Number(values.chunks ?? 400);
/** Rounds over all setups, interleaved; each figure is the best round (the machine is shared: slow rounds are noise). */
const REPEAT = Number(values.repeat ?? 2);
const children: ChildProcess[] = [];

interface Setup {
  label: string;
  gateways: number;
  args(port: number): string[];
}

interface Figures {
  rowsPerSecond: number;
  p50: number;
  p99: number;
}

function start(args: string[], wait: RegExp, env: Record<string, string> = {}): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        if (wait.test(line)) resolve({ child, line });
      });
    }
    child.once("exit", (code) => reject(new Error(`chalknb ${args[0]} exited (${code}):\n${lines.join("\n")}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(setup: Setup): Promise<Figures> {
  const urls: string[] = [];
  for (let i = 0; i < setup.gateways; i++) {
    const { line } = await start(setup.args(await freePort()), /^ws:\/\//);
    urls.push(line.trim());
  }
  // Two workers in every setup, spread over the gateways, so only the queue differs.
  for (let i = 0; i < 2; i++) await start(["worker", functionsFile, "--queue", urls[i % urls.length]], /^worker serving/);
  const remotes = urls.map((url) => new Remote({ url }));
  try {
    for (const remote of remotes) {
      for (let i = 0; i < 100 && (await remote.functions()).find((f) => f.name === "bench_noop")?.workers !== 2; i++) await new Promise((r) => setTimeout(r, 50));
    }
    const text = Array.from({ length: ROWS }, (_, i) => `r${i}`);
    // Warm-up, then throughput: the rows split over one client per gateway, all at once.
    await Promise.all(remotes.map((r) => r.function("bench_noop").chunkedCall(tableFromArrays({ text: text.slice(0, 4096) }), { chunkSize: 256, concurrentChunks: 8 })));
    const share = Math.ceil(ROWS / remotes.length);
    const begin = performance.now();
    const results = await Promise.all(remotes.map((r, i) =>
      r.function("bench_noop").chunkedCall(tableFromArrays({ text: text.slice(i * share, (i + 1) * share) }), { chunkSize: 256, concurrentChunks: 8 })));
    const seconds = (performance.now() - begin) / 1000;
    const rowsBack = results.reduce((n, t) => n + t.numRows, 0);
    if (rowsBack !== ROWS) throw new Error(`${setup.label}: ${rowsBack} rows came back for ${ROWS}`);
    // Latency: one 8-row chunk at a time per client (a batch fills at once), timed from the client.
    const latencies: number[] = [];
    const small = tableFromArrays({ text: Array.from({ length: 8 }, (_, i) => `s${i}`) });
    await Promise.all(remotes.map(async (remote) => {
      const fn = remote.function("bench_small");
      for (let i = 0; i < 20; i++) await fn.chunkedCall(small, { chunkSize: 8 });
      for (let i = 0; i < Math.ceil(LATENCY_CHUNKS / remotes.length); i++) {
        const t0 = performance.now();
        await fn.chunkedCall(small, { chunkSize: 8 });
        latencies.push(performance.now() - t0);
      }
    }));
    latencies.sort((a, b) => a - b);
    return { rowsPerSecond: ROWS / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    for (const remote of remotes) remote.close();
    for (const child of children.splice(0)) child.kill();
  }
}

async function ownRedis(): Promise<{ url: string; stop(): void }> {
  if (spawnSync("redis-server", ["--version"]).status !== 0) throw new Error("redis-server is not installed: apt-get install redis-server, or pass --redis-url");
  const dir = mkdtempSync(join(tmpdir(), "chalknb-bench-redis-"));
  const port = await freePort();
  const child = spawn("redis-server", ["--bind", "127.0.0.1", "--port", String(port), "--dir", dir, "--save", "",
    "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"], { stdio: "ignore" });
  await new Promise((r) => setTimeout(r, 300));
  return { url: `redis://127.0.0.1:${port}`, stop: () => { child.kill(); setTimeout(() => rmSync(dir, { recursive: true, force: true }), 200); } };
}

async function main(): Promise<void> {
  const redis = values["redis-url"] ? { url: values["redis-url"], stop() {} } : await ownRedis();
  const prefix = `chalknb-bench:${Date.now()}`;
  const setups: Setup[] = [
    { label: "memory", gateways: 1, args: (port) => ["queue", "--port", String(port), "--max-buffered-rows", "1000000"] },
    ...[1, 2].map((gateways) => ({
      label: `redis, ${gateways} gateway${gateways > 1 ? "s" : ""}`, gateways,
      args: (port: number) => ["queue", "--port", String(port), "--backend", "redis", "--redis-url", redis.url,
        "--redis-prefix", `${prefix}:${gateways}`, "--max-buffered-rows", "1000000"],
    })),
  ];
  console.log(`bench/redis: ${ROWS} rows (512-d float32 results, chunks of 256, 8 in flight per client), ` +
    `${LATENCY_CHUNKS} 8-row chunks one at a time for latency; 2 worker processes in every setup; best of ${REPEAT} rounds`);
  const figures: Array<[Setup, Figures]> = setups.map((setup) => [setup, { rowsPerSecond: 0, p50: Infinity, p99: Infinity }]);
  try {
    for (let round = 0; round < REPEAT; round++) {
      for (const entry of figures) {
        const run = await measure(entry[0]);
        entry[1].rowsPerSecond = Math.max(entry[1].rowsPerSecond, run.rowsPerSecond);
        if (run.p50 < entry[1].p50) Object.assign(entry[1], { p50: run.p50, p99: run.p99 });
      }
    }
  } finally {
    redis.stop();
  }
  const base = figures[0][1];
  console.log(`${"backend".padEnd(20)}${"rows/s".padStart(10)}${"vs memory".padStart(11)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}`);
  for (const [setup, f] of figures) {
    console.log(`${setup.label.padEnd(20)}${Math.round(f.rowsPerSecond).toLocaleString("en-US").padStart(10)}` +
      `${(f.rowsPerSecond / base.rowsPerSecond).toFixed(2).padStart(11)}${f.p50.toFixed(2).padStart(9)}${f.p99.toFixed(2).padStart(9)}`);
  }
}

main().then(() => process.exit(0), (error) => {
  for (const child of children) child.kill();
  console.error(error);
  process.exit(1);
});
