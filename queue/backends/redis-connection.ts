import { Cluster, Redis } from "ioredis";
import { ChalknbError, ErrorCode } from "../../protocol/errors.js";

/**
 * A connection of the Redis backend: one Redis server, or a Redis Cluster (one ioredis `Cluster` client, which holds
 * a connection per master and sends each command to the master of its key's slot). Every command, script and
 * pipeline of the backend touches keys of one hash tag, so the two are used the same way.
 */
export type RedisClient = Redis | Cluster;

/** Where the gateway's Redis is: `url` is one URL, or for a Cluster one or more comma-separated seed URLs. */
export interface RedisTarget {
  url: string;
  cluster?: boolean;
}

/**
 * Opens one connection (or one Cluster client). `maxRetriesPerRequest: null` makes commands wait through a Redis
 * restart instead of failing after 20 reconnects: a queue outlives a Redis failover; chunk timeouts bound what a
 * client waits. Blocking reads (XREADGROUP BLOCK) get clients of their own, since a blocked connection answers
 * nothing else.
 */
export function openRedis(target: RedisTarget, name: string, log: (line: string) => void, options: { pipeline?: boolean } = {}): RedisClient {
  const redis = target.cluster ? openCluster(target.url, name, options.pipeline ?? false) : new Redis(target.url, {
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

function openCluster(url: string, name: string, pipeline: boolean): Cluster {
  const seeds = parseClusterUrl(url);
  return new Cluster(seeds.nodes, {
    // Every command goes to the master of its slot: rows, pending lists and counters must be read where written.
    scaleReads: "master",
    enableAutoPipelining: pipeline,
    clusterRetryStrategy: (times) => Math.min(50 * times, 1000),
    // Failover, resharding or a cluster that is down: retry for ~20 s, as a single connection waits through a restart.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 200,
    maxRedirections: 100,
    redisOptions: {
      connectionName: name,
      maxRetriesPerRequest: null,
      ...(seeds.username ? { username: seeds.username } : {}),
      ...(seeds.password ? { password: seeds.password } : {}),
      ...(seeds.tls ? { tls: {} } : {}),
    },
  });
}

export interface ClusterSeeds {
  nodes: Array<{ host: string; port: number }>;
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * `redis://[[user]:password@]host:port[,redis://host:port...]`: one or more masters of a Redis Cluster, from which
 * the client learns the rest. All seeds share one scheme and one set of credentials; a Cluster has database 0 only.
 */
export function parseClusterUrl(url: string): ClusterSeeds {
  const parts = url.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (parts.length === 0) throw invalid(`--redis-url is empty; give one or more Redis Cluster nodes: redis://host:port,redis://host:port`);
  let seeds: ClusterSeeds | undefined;
  for (const part of parts) {
    let parsed: URL;
    try {
      parsed = new URL(part);
    } catch {
      throw invalid(`cannot parse Redis Cluster node "${redactUrl(part)}"; expected redis://[:password@]host:port`);
    }
    if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
      throw invalid(`Redis Cluster node ${redactUrl(part)} must be a redis:// or rediss:// URL`);
    }
    if (parsed.pathname !== "" && parsed.pathname !== "/" && parsed.pathname !== "/0") {
      throw invalid(`Redis Cluster node ${redactUrl(part)} names database ${parsed.pathname.slice(1)}; a Redis Cluster has database 0 only`);
    }
    const node = { host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"), port: Number(parsed.port || 6379) };
    const username = decodeURIComponent(parsed.username) || undefined;
    const password = decodeURIComponent(parsed.password) || undefined;
    const tls = parsed.protocol === "rediss:";
    if (!seeds) {
      seeds = { nodes: [node], username, password, tls };
    } else {
      if (tls !== seeds.tls) throw invalid("Redis Cluster nodes mix redis:// and rediss://; use one scheme for all");
      if ((username ?? seeds.username) !== seeds.username || (password ?? seeds.password) !== seeds.password) {
        throw invalid("Redis Cluster nodes carry different credentials; a Cluster has one (put it on every URL, or on the first only)");
      }
      seeds.nodes.push(node);
    }
  }
  return seeds!;
}

function invalid(message: string): ChalknbError {
  return new ChalknbError(ErrorCode.InvalidArgument, message);
}

/** Fails fast with a clear error when Redis is not there at start-up (later outages are waited out). */
export async function checkReachable(redis: RedisClient, target: RedisTarget | string, timeoutMs: number): Promise<void> {
  const { url, cluster } = typeof target === "string" ? { url: target, cluster: false } : target;
  let lastError: string | undefined;
  const onError = (error: Error) => (lastError = error.message);
  redis.on("error", onError);
  let timer: NodeJS.Timeout | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new ChalknbError(ErrorCode.NotConnected, cluster
        ? `cannot reach a Redis Cluster at ${redactUrl(url)} within ${timeoutMs} ms${lastError ? ` (${lastError})` : ""}; ` +
          "are those nodes of a cluster with cluster_state:ok (--redis-url, --redis-cluster)?"
        : `cannot reach Redis at ${redactUrl(url)} within ${timeoutMs} ms; is redis-server running there (--redis-url)?`));
    }, timeoutMs);
  });
  // A Cluster client rejects commands while it finds no node ("None of startup nodes is available") and keeps
  // trying in the background: ask again until the deadline, so nodes still starting up are waited for.
  const ping = async (): Promise<void> => {
    while (!timedOut) {
      try {
        await redis.ping();
        return;
      } catch (error) {
        if (!cluster) throw error;
        lastError = (error as Error).message;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  };
  try {
    await Promise.race([ping(), timeout]);
  } finally {
    clearTimeout(timer);
    redis.off("error", onError);
  }
}

/**
 * Calls `onReconnect` when a connection came back (Redis may have restarted and lost recent writes). A Cluster client
 * does not reconnect a lost node: it opens a new connection to whichever master now serves the slots ("+node").
 */
export function onReconnect(redis: RedisClient, onReconnect: () => void): void {
  redis.on("ready", onReconnect);
  if (redis instanceof Cluster) redis.on("+node", onReconnect);
}

/**
 * What a blocking read needs to be interrupted early (CLIENT UNBLOCK): the id of the connection it blocks on, asked
 * of that connection before it blocks, and sent from another client to the same server.
 */
export interface BlockingReads {
  /** Before a blocking read of `key`: a promise while the connection's id must be fetched first, else undefined. */
  prepare(): Promise<void> | undefined;
  /** Interrupts the blocking read in flight, if any. */
  unblock(): void;
}

export function blockingReads(reader: RedisClient, command: RedisClient, key: string): BlockingReads {
  if (!(reader instanceof Cluster) || !(command instanceof Cluster)) {
    // One server: the id changes on every reconnect, so it is fetched each time the connection is ready.
    const single = reader as Redis;
    let id: number | undefined;
    single.on("ready", () => void single.client("ID").then((value) => (id = Number(value)), () => {}));
    return {
      prepare: () => undefined,
      unblock: () => {
        if (id !== undefined) void command.client("UNBLOCK", id).catch(() => {});
      },
    };
  }
  // A Cluster: the read blocks on the reader's connection to the master of the key's slot, which may change
  // (failover, resharding); a lost node's connection is replaced by a new one, so ids are remembered per connection.
  let slot: number | undefined;
  let target: { node: Redis; nodeKey: string; id?: number } | undefined;
  const ids = new WeakMap<Redis, number>();
  const nodeOf = (cluster: Cluster, nodeKey: string) => cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === nodeKey);
  return {
    prepare() {
      if (slot === undefined) {
        return command.cluster("KEYSLOT", key).then((value) => void (slot = Number(value)), () => {});
      }
      const nodeKey = reader.slots[slot]?.[0];
      const node = nodeKey === undefined ? undefined : nodeOf(reader, nodeKey);
      if (!node || !nodeKey) {
        target = undefined;
        return undefined;
      }
      if (target?.node === node) return undefined;
      const known = ids.get(node);
      target = { node, nodeKey, id: known };
      if (known !== undefined) return undefined;
      const current = target;
      return node.client("ID").then((value) => {
        ids.set(node, Number(value));
        current.id = Number(value);
      }, () => {});
    },
    unblock() {
      if (target?.id === undefined) return;
      void nodeOf(command, target.nodeKey)?.client("UNBLOCK", target.id).catch(() => {});
    },
  };
}

/** The URL (or comma-separated URLs) without passwords, for messages and logs. */
export function redactUrl(url: string): string {
  return url.split(",").map((part) => redactOne(part.trim())).join(",");
}

function redactOne(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(unparsable redis url)";
  }
}
