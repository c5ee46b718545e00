import { parseArgs } from "node:util";
import { startQueue, type QueueOptions } from "./queue-server.js";
import { redactUrl } from "./backends/redis-connection.js";
import { guardQueueProcess } from "./process-guard.js";

/**
 * `chalknb queue [--host 127.0.0.1] [--port N] [--token t] [--max-buffered-rows N] [--max-buffered-bytes N]
 *   [--batch-deadline-ms ms] [--result-ttl 1h] [--result-max-bytes N]
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
      "result-ttl": { type: "string" }, "result-max-bytes": { type: "string" },
    },
  });
  const positive = (flag: "max-buffered-bytes" | "batch-deadline-ms" | "result-max-bytes"): number | undefined | null => {
    const text = values[flag];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (Number.isSafeInteger(value) && value > 0) return value;
    process.stderr.write(`--${flag} must be a positive whole number, got ${text}\n`);
    return null;
  };
  const resultMaxBytes = positive("result-max-bytes");
  const resultTtlMs = values["result-ttl"] === undefined ? undefined : parseDuration(values["result-ttl"]);
  if (resultTtlMs === null) {
    process.stderr.write(`--result-ttl must be a duration such as 1h, 30m, 90s or 500ms (a bare number is seconds), got ${values["result-ttl"]}\n`);
    return 2;
  }
  if (resultMaxBytes === null) return 2;
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
    resultTtlMs,
    resultMaxBytes,
  });
  process.stdout.write(`${queue.url}\n`);
  const where = typeof selection === "object" ? `, rows in Redis${selection.cluster ? " Cluster" : ""} at ${redactUrl(selection.redis)}` : "";
  process.stderr.write(`chalknb queue listening on ${queue.url} (HTTP: ${queue.httpUrl}/v1/functions, ${queue.httpUrl}/metrics${where})\n`);
  const shutdown = () => void queue.close().then(() => process.exit(0));
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);
  return new Promise<number>(() => {});
}

/** `1h`, `30m`, `90s`, `500ms`, or a bare number of seconds → milliseconds; null when it is none of those. */
export function parseDuration(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) return null;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"];
  const ms = Math.round(Number(match[1]) * unit);
  return ms > 0 ? ms : null;
}
