import { Cluster } from "ioredis";
import type { QueueOptions } from "../../queue/index.js";
import { parseClusterUrl } from "../../queue/backends/redis-connection.js";

/**
 * Set by `.ci/start-redis-cluster.sh` (the CI runs it around `npm test`): comma-separated masters of a throw-away
 * Redis Cluster. Without it the cluster tests are skipped.
 */
export const CLUSTER_URL = process.env.CHALKNB_TEST_REDIS_CLUSTER_URL;

export const SKIP_WITHOUT_CLUSTER: string | false = CLUSTER_URL
  ? false
  : 'CHALKNB_TEST_REDIS_CLUSTER_URL is not set; start a test Redis Cluster with: eval "$(.ci/start-redis-cluster.sh)"';

/** Queue options for a gateway on the test cluster (short claimIdleMs, as the single-server tests use). */
export function clusterOptions(prefix: string, extra: QueueOptions = {}): QueueOptions {
  return { ...extra, backend: { redis: CLUSTER_URL!, cluster: true, keyPrefix: prefix, claimIdleMs: 1000 } };
}

/** A plain Cluster client for assertions; disconnect it when done. */
export function clusterClient(): Cluster {
  return new Cluster(parseClusterUrl(CLUSTER_URL!).nodes, { scaleReads: "master", redisOptions: { maxRetriesPerRequest: 3 } });
}

/** The master serving `key`, as host:port (from CLUSTER SLOTS, independent of the client's cache). */
export async function masterOf(cluster: Cluster, key: string): Promise<string> {
  const slot = Number(await cluster.cluster("KEYSLOT", key));
  const ranges = await cluster.cluster("SLOTS");
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  if (!range) throw new Error(`no master serves slot ${slot} of ${key}`);
  return `${range[2][0]}:${range[2][1]}`;
}

/** Deletes every key under `prefix` on every master. */
export async function deleteClusterKeys(prefix: string): Promise<void> {
  if (!CLUSTER_URL) return;
  const cluster = clusterClient();
  try {
    await new Promise<void>((resolve, reject) => {
      cluster.once("ready", resolve);
      cluster.once("error", reject);
    });
    for (const node of cluster.nodes("master")) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
        cursor = next;
        for (const key of keys) await node.del(key);
      } while (cursor !== "0");
    }
  } finally {
    cluster.disconnect();
  }
}
