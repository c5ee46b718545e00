import { Redis } from "ioredis";
import { ChalknbError, ErrorCode } from "../../protocol/errors.js";

/**
 * Opens one ioredis connection. `maxRetriesPerRequest: null` makes commands wait through a Redis restart instead of
 * failing after 20 reconnects: a queue outlives a Redis failover; chunk timeouts bound what a client waits. Blocking
 * reads (XREADGROUP BLOCK) get connections of their own, since a blocked connection answers nothing else.
 */
export function openRedis(url: string, name: string, log: (line: string) => void, options: { pipeline?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: null,
    enableAutoPipelining: options.pipeline ?? false,
    retryStrategy: (times) => Math.min(50 * times, 1000),
  });
  let lastLogged = 0;
  redis.on("error", (error: Error) => {
    // A Redis outage makes every connection report each failed reconnect; one line a few seconds is enough.
    const now = Date.now();
    if (now - lastLogged < 5000) return;
    lastLogged = now;
    log(`redis ${name}: ${error.message}`);
  });
  return redis;
}

/** Fails fast with a clear error when Redis is not there at start-up (later outages are waited out). */
export async function checkReachable(redis: Redis, url: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChalknbError(ErrorCode.NotConnected,
      `cannot reach Redis at ${redactUrl(url)} within ${timeoutMs} ms; is redis-server running there (--redis-url)?`)), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(unparsable redis url)";
  }
}
