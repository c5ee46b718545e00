// Issue 13 item 1: chunkedCall({ into }) vs the same call held in memory, same run, same queue and worker.
// Each call runs in a client process of its own so its peak RSS (getrusage maxrss) is the client's alone; the queue
// and the no-op worker (test/fixtures/functions/noop512.ts: one fixed 512-d float32 vector per row) run elsewhere.
// INTO_ROWS (default 1,000,000), INTO_CHUNK (8,192), INTO_CONCURRENCY (4). Prints figures and ratios; asserts nothing.
import { spawn } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromArrays } from "apache-arrow";
import { startQueue } from "../queue/index.js";
import { Remote } from "../sdk/index.js";
import { fmt, repoRoot, spawnWorker } from "./support.js";

interface ClientFigures {
  mode: "into" | "memory";
  rows: number;
  seconds: number;
  peakRssBytes: number;
  resultBytes: number;
  fileBytes?: number;
}

const rows = Number(process.env.INTO_ROWS ?? 1_000_000);
const chunkSize = Number(process.env.INTO_CHUNK ?? 8192);
const concurrentChunks = Number(process.env.INTO_CONCURRENCY ?? 4);
const MiB = 1024 * 1024;

async function client(url: string, mode: "into" | "memory", path: string): Promise<ClientFigures> {
  const remote = new Remote({ url });
  const fn = remote.function("noop512");
  const args = tableFromArrays({ text: Array.from({ length: rows }, (_, i) => `r${i}`) });
  const start = performance.now();
  let resultRows: number;
  let fileBytes: number | undefined;
  if (mode === "into") {
    const file = await fn.chunkedCall(args, { chunkSize, concurrentChunks, into: path });
    resultRows = file.numRows;
    fileBytes = (await stat(path)).size;
  } else {
    resultRows = (await fn.chunkedCall(args, { chunkSize, concurrentChunks })).numRows;
  }
  const seconds = (performance.now() - start) / 1000;
  remote.close();
  if (resultRows !== rows) throw new Error(`${mode}: ${resultRows} rows back for ${rows}`);
  return { mode, rows, seconds, peakRssBytes: process.resourceUsage().maxRSS * 1024, resultBytes: rows * 512 * 4, fileBytes };
}

function runClient(url: string, mode: "into" | "memory", path: string): Promise<ClientFigures> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, "--client", url, mode, path], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (data: Buffer) => (out += data));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as ClientFigures) : reject(new Error(`${mode} client exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const queue = await startQueue({ maxBufferedRows: 1_000_000 });
  const worker = await spawnWorker(queue, join(repoRoot, "test/fixtures/functions/noop512.ts"), { NOOP_BATCH: String(chunkSize) });
  const folder = await mkdtemp(join(tmpdir(), "chalknb-bench-into-"));
  try {
    console.log(`${fmt(rows)} rows × 512-d float32 (result ${fmt((rows * 512 * 4) / MiB)} MiB), chunks of ${fmt(chunkSize)}, ${concurrentChunks} at once`);
    const into = await runClient(queue.url, "into", join(folder, "embeddings.parquet"));
    const memory = await runClient(queue.url, "memory", "");
    for (const f of [into, memory]) {
      const label = f.mode === "into" ? "chunkedCall({ into: parquet })" : "chunkedCall() in memory     ";
      const file = f.fileBytes === undefined ? "" : `, file ${fmt(f.fileBytes / MiB)} MiB`;
      console.log(`${label}: ${fmt(f.rows / f.seconds)} rows/s, peak client RSS ${fmt(f.peakRssBytes / MiB)} MiB` +
        ` (${fmt(f.peakRssBytes / f.resultBytes, 2)}× the result)${file}`);
    }
    console.log(`into ÷ in memory, same run: rows/s ${fmt(memory.seconds / into.seconds, 2)}, peak RSS ${fmt(into.peakRssBytes / memory.peakRssBytes, 2)}` +
      " (goal: RSS under ~1.5 GB at 1M rows)");
  } finally {
    worker.kill();
    await queue.close();
    await rm(folder, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--client") {
  const [url, mode, path] = process.argv.slice(3);
  client(url, mode as "into" | "memory", path).then((figures) => process.stdout.write(JSON.stringify(figures)), (error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  await main();
}
