import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import type { QueueOptions } from "../../queue/index.js";

/** Set by `.ci/start-redis.sh` (the CI runs it around `npm test`); without it the Redis tests are skipped. */
export const REDIS_URL = process.env.CHALKNB_TEST_REDIS_URL;

export const SKIP_WITHOUT_REDIS: string | false = REDIS_URL
  ? false
  : 'CHALKNB_TEST_REDIS_URL is not set; start a test Redis with: eval "$(.ci/start-redis.sh)"';

/** A key prefix of its own per test, so tests sharing one Redis never see each other's functions or gateways. */
export function testPrefix(label: string): string {
  return `chalknb-test:${label}:${randomUUID().slice(0, 8)}`;
}

/** Queue options for a gateway on the test Redis. A short claimIdleMs makes reclaiming quick enough for tests. */
export function redisOptions(prefix: string, extra: QueueOptions = {}): QueueOptions {
  return { ...extra, backend: { redis: REDIS_URL!, keyPrefix: prefix, claimIdleMs: 1000 } };
}

/** Deletes every key under `prefix`. */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<void> {
  if (!url) return;
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}
