// Priority (issue 12 item 5): latency of a small interactive call while a 100k-row batch spawn runs, with the
// interactive call's rows leading batches (priority "interactive") and without (both calls "batch": first come, first
// served), in the same run. A handler that sleeps 5 ms per batch stands in for a GPU model.
import { tableFromArrays } from "apache-arrow";
import { defineFunction, startQueue, startWorker } from "../queue/index.js";
import { Remote } from "../sdk/index.js";
import { fmt, percentile } from "./support.js";

const ROWS = 100_000;
const PROBES = 40;

async function measure(priority: "interactive" | "batch"): Promise<{ p50: number; p99: number; batchSeconds: number; calls: number }> {
  const queue = await startQueue({ maxBufferedRows: 200_000 });
  const worker = await startWorker({
    url: queue.url, concurrency: 2, reconnect: false, log: () => {},
    functions: [defineFunction({ name: "embed", maxBatchingSize: 256, maxBufferDuration: 2 }, async (text: string[]) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return text.map((t) => t.length);
    })],
  });
  await worker.ready;
  const remote = new Remote({ url: queue.url });
  try {
    const fn = remote.function("embed");
    const started = performance.now();
    const spawned = await fn.spawn(tableFromArrays({ text: Array.from({ length: ROWS }, (_, i) => `document ${i}`) }), { chunkSize: 2000, concurrentChunks: 16 });
    let running = true;
    const done = spawned.get().then(() => {
      running = false;
      return (performance.now() - started) / 1000;
    });
    const latencies: number[] = [];
    const probe = tableFromArrays({ text: Array.from({ length: 8 }, (_, i) => `question ${i}`) });
    // Only calls that start and end while the spawn runs count.
    while (running && latencies.length < PROBES) {
      const t0 = performance.now();
      await fn.chunkedCall(probe, { chunkSize: 8, priority });
      if (running) latencies.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const batchSeconds = await done;
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), batchSeconds, calls: latencies.length };
  } finally {
    remote.close();
    await worker.close();
    await queue.close();
  }
}

const withPriority = await measure("interactive");
const without = await measure("batch");
console.log(`interactive 8-row call while a ${fmt(ROWS)}-row batch spawn runs (5 ms per 256-row batch, 2 worker slots):`);
console.log(`  with priority:    p50 ${fmt(withPriority.p50, 1)} ms, p99 ${fmt(withPriority.p99, 1)} ms (${withPriority.calls} calls); the spawn took ${fmt(withPriority.batchSeconds, 1)} s`);
console.log(`  without priority: p50 ${fmt(without.p50, 1)} ms, p99 ${fmt(without.p99, 1)} ms (${without.calls} calls); the spawn took ${fmt(without.batchSeconds, 1)} s`);
console.log(`  ratio (with ÷ without): p50 ${fmt(withPriority.p50 / without.p50, 3)}, p99 ${fmt(withPriority.p99 / without.p99, 3)}; spawn time ${fmt(withPriority.batchSeconds / without.batchSeconds, 2)}`);
process.exit(0);
