import { parseArgs } from "node:util";
import { startQueue, type QueueOptions } from "./queue-server.js";
import { redactUrl } from "./backends/redis-connection.js";
import { guardQueueProcess } from "./process-guard.js";

/**
 * `chalknb queue [--host 127.0.0.1] [--port N] [--token t] [--max-buffered-rows N] [--max-buffered-bytes N]
 *   [--batch-deadline-ms ms]
 *   [--backend memory|redis] [--redis-url redis://host:6379] [--redis-cluster] [--redis-prefix chalknb] [--claim-idle-ms 10000]`
 *
 * `--redis-cluster` (or CHALKNB_REDIS_CLUSTER=1) connects to a Redis Cluster; `--redis-url` then names one or more
 * of its nodes, comma-separated (the others are discovered).
 */
export async function main(argv: string[]): Promise<number> {
  guardQueueProcess("chalknb queue");
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: "string" }, port: { type: "string" }, token: { type: "string" },
      backend: { type: "string" }, "redis-url": { type: "string" }, "max-buffered-rows": { type: "string" },
      "max-buffered-bytes": { type: "string" }, "batch-deadline-ms": { type: "string" },
      "redis-prefix": { type: "string" }, "claim-idle-ms": { type: "string" }, "redis-cluster": { type: "boolean" },
    },
  });
  const positive = (flag: "max-buffered-bytes" | "batch-deadline-ms"): number | undefined | null => {
    const text = values[flag];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (Number.isSafeInteger(value) && value > 0) return value;
    process.stderr.write(`--${flag} must be a positive whole number, got ${text}\n`);
    return null;
  };
  const maxBufferedBytes = positive("max-buffered-bytes");
  const batchDeadlineMs = positive("batch-deadline-ms");
  if (maxBufferedBytes === null || batchDeadlineMs === null) return 2;
  const cluster = values["redis-cluster"] ?? /^(1|true|yes)$/i.test(process.env.CHALKNB_REDIS_CLUSTER ?? "");
  const backend = values.backend ?? (values["redis-url"] || values["redis-cluster"] ? "redis" : "memory");
  let selection: QueueOptions["backend"] = "memory";
  if (backend === "redis") {
    const url = values["redis-url"] ?? process.env.CHALKNB_REDIS_URL;
    if (!url) {
      process.stderr.write("--backend redis needs --redis-url redis://host:6379 (or CHALKNB_REDIS_URL)\n");
      return 2;
    }
    if (!cluster && url.includes(",")) {
      process.stderr.write(`--redis-url lists several Redis servers (${redactUrl(url)}); add --redis-cluster to connect to a Redis Cluster through them\n`);
      return 2;
    }
    const claimIdleMs = values["claim-idle-ms"] ? Number(values["claim-idle-ms"]) : undefined;
    if (claimIdleMs !== undefined && !(claimIdleMs > 0)) {
      process.stderr.write(`--claim-idle-ms must be a positive number of milliseconds, got ${values["claim-idle-ms"]}\n`);
      return 2;
    }
    selection = { redis: url, ...(cluster ? { cluster: true } : {}), keyPrefix: values["redis-prefix"], claimIdleMs };
  } else if (backend !== "memory") {
    process.stderr.write(`--backend must be memory or redis, got ${backend}\n`);
    return 2;
  }
  const queue = await startQueue({
    host: values.host ?? "127.0.0.1",
    port: values.port ? Number(values.port) : 7777,
    token: values.token ?? process.env.CHALKNB_TOKEN,
    maxBufferedRows: values["max-buffered-rows"] ? Number(values["max-buffered-rows"]) : undefined,
    maxBufferedBytes,
    batchDeadlineMs,
    backend: selection,
  });
  process.stdout.write(`${queue.url}\n`);
  const where = typeof selection === "object" ? `, rows in Redis${selection.cluster ? " Cluster" : ""} at ${redactUrl(selection.redis)}` : "";
  process.stderr.write(`chalknb queue listening on ${queue.url} (HTTP: ${queue.httpUrl}/v1/functions, ${queue.httpUrl}/metrics${where})\n`);
  const shutdown = () => void queue.close().then(() => process.exit(0));
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  return new Promise<number>(() => {});
}
