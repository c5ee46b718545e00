import { once } from "node:events";
import { tableFromArrays, type Table } from "apache-arrow";
import { startQueue, startWorker, defineFunction, type QueueOptions, type QueueServer, type Worker, type FunctionOptions, type BatchEvent } from "../../queue/index.js";
import { Remote } from "../../sdk/index.js";
import type { ColumnHandler } from "../../queue/define-function.js";

/** A real queue on a free loopback port, real workers, and a Remote pointed at it; closed by `close()`. */
export interface QueueFixture {
  queue: QueueServer;
  remote: Remote;
  batches: BatchEvent[];
  worker(options: FunctionOptions, handler: ColumnHandler, workerOptions?: { concurrency?: number }): Promise<Worker>;
  close(): Promise<void>;
}

export async function startFixture(options: QueueOptions = {}): Promise<QueueFixture> {
  const queue = await startQueue(options);
  const workers: Worker[] = [];
  const remotes: Remote[] = [];
  const batches: BatchEvent[] = [];
  queue.core.on("batch", (event: BatchEvent) => batches.push(event));
  const remote = new Remote({ url: queue.url, token: options.token });
  remotes.push(remote);
  return {
    queue,
    remote,
    batches,
    async worker(fnOptions, handler, workerOptions = {}) {
      const joined = once(queue.core, "worker-joined");
      const worker = await startWorker({ url: queue.url, token: options.token, functions: [defineFunction(fnOptions, handler)], ...workerOptions });
      await worker.ready;
      await joined;
      workers.push(worker);
      return worker;
    },
    async close() {
      for (const r of remotes) r.close();
      await Promise.all(workers.map((w) => w.close()));
      await queue.close();
    },
  };
}

export function textTable(count: number, prefix = "row"): Table {
  return tableFromArrays({ text: Array.from({ length: count }, (_, i) => `${prefix} ${i}`) });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `result` column as plain JS values. */
export function resultValues(table: Table): unknown[] {
  return Array.from(table.getChild("result") ?? [], (v) => (v && typeof v === "object" && "toArray" in v ? Array.from((v as { toArray(): ArrayLike<number> }).toArray()) : v));
}
