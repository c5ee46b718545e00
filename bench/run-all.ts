// `npm run bench`: every benchmark, one process each, printing figures and ratios (nothing is asserted).
// Benchmarks whose tools are missing here (redis-server, Chromium) are skipped with the reason.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const has = (command: string, args: string[]) => spawnSync(command, args, { stdio: "ignore" }).status === 0;

const benches: Array<{ title: string; file: string; skip?: string }> = [
  { title: "function queue (issue 3: P1 model, P2 no-op throughput, P3 latency)", file: "queue.js" },
  { title: "kernel (cell round trip, start time)", file: "kernel.js" },
  { title: "IPC body validation (issue 9: cost of the check, time to refuse a corrupt body)", file: "ipc-validation.js" },
  { title: "results streamed to Parquet (issue 13: chunkedCall into vs in memory, 1M × 512-d)", file: "stream-into-parquet.js" },
  { title: "hot-loop cell ÷ plain Node (issue 13 item 5)", file: "cell-hot-loop.js" },
  { title: "cost batching vs count batching, real model, mixed lengths (issue 12 item 4)", file: "cost-batching.js" },
  { title: "priority: interactive call latency while a 100k-row batch spawn runs, with and without (issue 12 item 5)", file: "priority.js" },
  { title: "memory vs Redis backend", file: "redis.js", skip: has("redis-server", ["--version"]) ? undefined : "redis-server is not installed" },
  {
    title: "renderers in headless Chromium",
    file: "webview-bench.js",
    skip: !existsSync("/usr/bin/chromium") ? "Chromium is not installed (.ci/setup-vscode-e2e.sh installs it)"
      : !existsSync(here("../../out/webview")) ? "the renderer bundles are not built (npm run build:bundles)" : undefined,
  },
  {
    title: "lazy tables: a 1M × 512-d table in the kernel, browsed from the renderer in headless Chromium; saved notebook size (issue 13 items 2, 3)",
    file: "lazy-table-bench.js",
    skip: !existsSync("/usr/bin/chromium") ? "Chromium is not installed (.ci/setup-vscode-e2e.sh installs it)"
      : !existsSync(here("../../out/webview")) ? "the renderer bundles are not built (npm run build:bundles)" : undefined,
  },
];

for (const bench of benches) {
  console.log(`\n== ${bench.title}`);
  if (bench.skip) {
    console.log(`skipped: ${bench.skip}`);
    continue;
  }
  const run = spawnSync(process.execPath, [here(`./${bench.file}`)], { stdio: "inherit" });
  if (run.status !== 0) console.log(`(exited with ${run.status ?? run.signal})`);
}
