// Cost batching (issue 12, item 4): the sample's real model (Universal Sentence Encoder lite, samples/functions/embed.ts)
// on texts of mixed length (10–500 words), batched by count (the sample's 25 rows), by cost (UTF-8 bytes ÷ 4 ≈ tokens,
// maxBatchingCost) and by cost with length bucketing (sortByCost). One queue, one worker process serving the three
// specs, rounds alternating in the same run. Prints rows/s, tokens/s and batch shapes; asserts nothing.
// About 3 minutes on 2 cores: COST_BENCH_ROWS (default 200 per round), COST_BENCH_ROUNDS (default 2),
// COST_BENCH_MAX_COST (default 4096 tokens).
import { join } from "node:path";
import { Field, Float32, List, tableFromArrays } from "apache-arrow";
import { startQueue, type BatchEvent } from "../queue/index.js";
import { Remote } from "../sdk/index.js";
import { fmt, repoRoot, spawnWorker } from "./support.js";

const rows = Number(process.env.COST_BENCH_ROWS ?? 200);
const rounds = Number(process.env.COST_BENCH_ROUNDS ?? 2);
const maxCost = Number(process.env.COST_BENCH_MAX_COST ?? 4096);
const variants = [
  { name: "embed_by_count", label: "by count (25 rows)" },
  { name: "embed_by_cost", label: `by cost (${maxCost} tokens)` },
  { name: "embed_by_cost_sorted", label: `by cost + sortByCost` },
];

/** Seeded texts of 10–500 words (uniform), from a small vocabulary. */
function mixedTexts(n: number, seed: number): string[] {
  const words = ["model", "queue", "batch", "token", "vector", "river", "market", "garden", "physics", "music", "travel", "cooking", "weather", "notebook", "kernel", "row"];
  let state = seed >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: n }, () => {
    const length = 10 + Math.floor(random() * 491);
    return Array.from({ length }, () => words[Math.floor(random() * words.length)]).join(" ");
  });
}

const queue = await startQueue({ maxBufferedRows: 1_000_000 });
const worker = await spawnWorker(queue, join(repoRoot, "test/fixtures/functions/embed-by-cost.ts"), { COST_BENCH_MAX_COST: String(maxCost) });
const remote = new Remote({ url: queue.url });
const outputType = new List(new Field("item", new Float32()));
const batches: BatchEvent[] = [];
queue.core.on("batch", (event: BatchEvent) => batches.push(event));
try {
  // Load the model once (the three specs share the worker's module).
  await remote.function("embed_by_count", { outputType }).chunkedCall(tableFromArrays({ text: mixedTexts(25, 1) }), { chunkSize: 25 });
  const totals = new Map<string, { rows: number; tokens: number; ms: number; batches: number[]; maxTokens: number }>();
  for (let round = 0; round < rounds; round++) {
    const texts = mixedTexts(rows, 100 + round);
    const tokens = texts.reduce((n, t) => n + Buffer.byteLength(t) / 4, 0);
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      batches.length = 0;
      const fn = remote.function(variant.name, { outputType });
      const start = performance.now();
      const result = await fn.chunkedCall(tableFromArrays({ text: texts }), { chunkSize: 50, concurrentChunks: 4, timeout: 600 });
      const ms = performance.now() - start;
      if (result.numRows !== rows) throw new Error(`${variant.name}: ${result.numRows} rows for ${rows}`);
      const total = totals.get(variant.name) ?? { rows: 0, tokens: 0, ms: 0, batches: [], maxTokens: 0 };
      for (const b of batches) total.maxTokens = Math.max(total.maxTokens, b.cost ?? 0);
      total.rows += rows;
      total.tokens += tokens;
      total.ms += ms;
      total.batches.push(...batches.map((b) => b.rows));
      totals.set(variant.name, total);
    }
  }
  const words = mixedTexts(rows, 100).map((t) => t.split(" ").length);
  console.log(`${rounds} rounds × ${rows} rows of ${Math.min(...words)}–${Math.max(...words)} words (mean ${fmt(words.reduce((a, b) => a + b, 0) / words.length)}), one worker process, chunkSize 50 × 4 in flight`);
  const base = totals.get("embed_by_count")!;
  for (const variant of variants) {
    const t = totals.get(variant.name)!;
    const rate = t.rows / (t.ms / 1000);
    const sizes = t.batches.sort((a, b) => a - b);
    console.log(
      `${variant.label.padEnd(26)} ${fmt(rate, 1).padStart(7)} rows/s  ${fmt(t.tokens / (t.ms / 1000)).padStart(7)} tokens/s  ` +
      `ratio ${fmt(rate / (base.rows / (base.ms / 1000)), 2)}  batches ${sizes.length} (rows min ${sizes[0]}, median ${sizes[Math.floor(sizes.length / 2)]}, max ${sizes.at(-1)})` +
      (t.maxTokens > 0 ? `, largest ${fmt(t.maxTokens)} tokens` : ""),
    );
  }
} finally {
  remote.close();
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  worker.kill();
  await exited;
  await queue.close();
}
