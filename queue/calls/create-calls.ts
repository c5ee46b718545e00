import type { QueueBackend } from "../backend.js";
import { openRedis } from "../backends/redis-connection.js";
import type { Clock } from "../clock.js";
import { CallRunner } from "./call-runner.js";
import { CallSessions } from "./call-sessions.js";
import type { CallStore } from "./call-store.js";
import { MemoryCallStore } from "./memory-call-store.js";
import { RedisCallStore } from "./redis-call-store.js";

/** @default 1 hour */
export const DEFAULT_RESULT_TTL_MS = 3_600_000;
/** @default 1 GiB */
export const DEFAULT_RESULT_MAX_BYTES = 1024 * 1024 * 1024;

export interface SpawnedCalls {
  runner: CallRunner;
  sessions: CallSessions;
  close(): Promise<void>;
}

export interface SpawnedCallsOptions {
  backend: QueueBackend;
  clock: Clock;
  resultTtlMs?: number;
  resultMaxBytes?: number;
  /** The Redis the backend uses: spawned calls live there too, shared by every gateway. */
  redis?: { url: string; cluster: boolean; keyPrefix: string; claimIdleMs: number };
  log?: (line: string) => void;
}

/** The spawned-call runner and its sessions over the store that fits the backend (memory, or the backend's Redis). */
export async function createSpawnedCalls(options: SpawnedCallsOptions): Promise<SpawnedCalls> {
  const log = options.log ?? ((line: string) => process.stderr.write(`chalknb queue: ${line}\n`));
  const resultTtlMs = options.resultTtlMs ?? DEFAULT_RESULT_TTL_MS;
  const resultMaxBytes = options.resultMaxBytes ?? DEFAULT_RESULT_MAX_BYTES;
  let store: CallStore;
  if (options.redis) {
    const target = { url: options.redis.url, cluster: options.redis.cluster };
    const redisStore = new RedisCallStore({
      prefix: options.redis.keyPrefix, command: openRedis(target, "chalknb-calls", log, { pipeline: true }), subscriber: openRedis(target, "chalknb-calls-sub", log),
      keepMs: resultTtlMs + 24 * 3_600_000, log,
    });
    await redisStore.start();
    store = redisStore;
  } else {
    store = new MemoryCallStore();
  }
  const runner = new CallRunner({
    backend: options.backend, store, clock: options.clock, resultTtlMs, resultMaxBytes, shared: options.redis !== undefined,
    leaseMs: options.redis ? Math.max(1000, options.redis.claimIdleMs) : 10_000, log,
  });
  const sessions = new CallSessions(runner, options.clock);
  await runner.start();
  return {
    runner, sessions, close: () => {
      sessions.close();
      return runner.close();
    },
  };
}
