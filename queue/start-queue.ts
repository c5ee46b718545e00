import type { QueueOptions, QueueServer } from "./queue-server.js";

/**
 * `startQueue` as the `chalknb` entry exports it: the queue server (ws server, HTTP API, the Redis backend and ioredis)
 * is imported on the first call, so `import { Remote } from "chalknb"` never loads it. `chalknb/queue` exports the
 * server's own `startQueue`; both start the same server.
 * @example
 * const queue = await startQueue({ port: 0 });
 */
export async function startQueue(options?: QueueOptions): Promise<QueueServer> {
  const server = await import("./queue-server.js");
  return server.startQueue(options);
}
