/**
 * Redis key names of the Redis backend. Keys that a script touches together share a hash tag (`{fn}` or
 * `{gw:id}`), so every script runs on one Redis Cluster slot.
 */
export interface RedisKeys {
  /** Stream of submitted rows of one function: one entry per chunk (meta `m` + Arrow IPC body `b`). */
  rows(fn: string): string;
  /** Rows of one function submitted and not yet finished (queued or on a worker): the `maxBufferedRows` gauge. */
  buffered(fn: string): string;
  /** Bytes of the function's rows-stream entries that still exist: the `maxBufferedBytes` gauge. */
  bytes(fn: string): string;
  /** Stream of results, progress and errors addressed to one gateway (the one holding the client's socket). */
  results(gatewayId: string): string;
  /**
   * Hash: function name → FunctionSpec JSON (canonical, policy/spec-conflict.ts), written by the gateways of the
   * workers that serve it; a different spec is refused while a live gateway's workers serve the name.
   */
  readonly functions: string;
  /** Hash: function name → "1" for functions registered by `chalknb deploy`: kept without a worker (scale from zero). */
  readonly deployed: string;
  /** Hash: gateway id → {at, workers, count, names, hung, closed} JSON heartbeat. */
  readonly gateways: string;
  /** Pub/sub channel: chunks that finished (done, failed, timed out, cancelled), so holders drop their rows. */
  readonly finished: string;
}

/** The consumer group every gateway reads a function's rows stream with; each gateway is one consumer. */
export const ROWS_GROUP = "gateways";

export function redisKeys(prefix: string): RedisKeys {
  return {
    rows: (fn) => `${prefix}:{${fn}}:rows`,
    buffered: (fn) => `${prefix}:{${fn}}:buffered`,
    bytes: (fn) => `${prefix}:{${fn}}:bytes`,
    results: (gatewayId) => `${prefix}:{gw:${gatewayId}}:results`,
    // One tag for the queue-wide keys, so the heartbeat's pipeline stays on one Cluster slot.
    functions: `${prefix}:{meta}:functions`,
    gateways: `${prefix}:{meta}:gateways`,
    deployed: `${prefix}:{meta}:deployed`,
    finished: `${prefix}:finished`,
  };
}

/** Keys of one function's rows stream and its counters (one hash tag: one Cluster slot). */
export interface RowsKeys {
  rows: string;
  buffered: string;
  bytes: string;
}

export function rowsKeys(keys: RedisKeys, fn: string): RowsKeys {
  return { rows: keys.rows(fn), buffered: keys.buffered(fn), bytes: keys.bytes(fn) };
}
