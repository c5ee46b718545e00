import { randomUUID } from "node:crypto";
import type { RedisClient } from "./redis-connection.js";
import type { RedisScripts } from "./redis-scripts.js";
import type { FunctionSpec } from "../../protocol/messages.js";
import type { Clock } from "../clock.js";
import { FunctionRetention } from "../policy/retention.js";
import { canonicalSpec, type ServedSpec } from "../policy/spec-conflict.js";
import { ROWS_GROUP, type RedisKeys } from "./redis-keys.js";

interface GatewayBeat {
  /** Redis time of the last heartbeat (ms). */
  at: number;
  /** Workers connected to that gateway, by function. */
  workers: Record<string, number>;
  /** Workers connected to that gateway. */
  count: number;
  /** Names of (up to 3) workers per function, for messages. */
  names?: Record<string, string[]>;
  /** Workers holding a batch past the batch deadline, by function (policy/batch-deadline.ts). */
  hung?: Record<string, string[]>;
  closed?: boolean;
}

/** What this gateway holds, for its heartbeat. */
export interface LocalState {
  workers: Record<string, number>;
  count: number;
  specs: FunctionSpec[];
  names: Record<string, string[]>;
  hung: Record<string, string[]>;
}

export interface RegistryOptions {
  command: RedisClient;
  scripts: RedisScripts;
  keys: RedisKeys;
  gatewayId: string;
  clock: Clock;
  /** A gateway whose heartbeat is older than this is dead: its chunks' rows are dropped, not run. */
  staleMs: number;
  /** Workers connected here, by function, and the specs they declared. */
  local(): LocalState;
  /** A function no worker on any live gateway serves is dropped after this long (policy/retention.ts). */
  graceMs: number;
  /** Redis came back without the data it had (restart without AOF, FLUSHALL): owners re-submit what is pending. */
  onDataLoss(): void;
}

/**
 * What gateways know of each other through Redis: function specs (any gateway accepts a submit for a function whose
 * workers sit on another), heartbeats (liveness and worker counts), queue depths, and the offset between this
 * machine's clock and Redis's, so deadlines computed from stream ids hold across machines.
 */
export class Registry {
  readonly #options: RegistryOptions;
  readonly #specs = new Map<string, FunctionSpec>();
  readonly #groups = new Set<string>();
  /** Names registered by `chalknb deploy` (the deployed hash, read every beat): never dropped for want of a worker. */
  #deployed = new Set<string>();
  #gateways = new Map<string, GatewayBeat>();
  #buffered = new Map<string, number>();
  #bytes = new Map<string, number>();
  /** Redis time (ms) of each function's oldest rows-stream entry: finished chunks' entries are deleted. */
  #oldest = new Map<string, number>();
  #offsetMs = 0;
  #epoch: string | undefined;
  readonly #retention: FunctionRetention;

  constructor(options: RegistryOptions) {
    this.#options = options;
    this.#retention = new FunctionRetention(options.graceMs);
  }

  spec(name: string): FunctionSpec | undefined {
    return this.#specs.get(name);
  }

  specs(): FunctionSpec[] {
    return [...this.#specs.values()];
  }

  /** Redis time now, estimated from the last heartbeat's TIME. */
  redisNow(): number {
    return this.#options.clock.now() + this.#offsetMs;
  }

  /** Converts a Redis time (a stream id's ms) to this gateway's clock. */
  toLocal(redisMs: number): number {
    return redisMs - this.#offsetMs;
  }

  isDead(gatewayId: string): boolean {
    if (gatewayId === this.#options.gatewayId) return false;
    const beat = this.#gateways.get(gatewayId);
    // A gateway never seen may be brand new: it counts as alive.
    return beat !== undefined && (beat.closed === true || this.redisNow() - beat.at > this.#options.staleMs);
  }

  /** Workers serving `fn` on every live gateway. */
  workers(fn: string): number {
    let total = this.#options.local().workers[fn] ?? 0;
    for (const [id, beat] of this.#gateways) {
      if (id !== this.#options.gatewayId && !this.isDead(id)) total += beat.workers[fn] ?? 0;
    }
    return total;
  }

  totalWorkers(): number {
    let total = 0;
    for (const [id, beat] of this.#gateways) {
      if (id !== this.#options.gatewayId && !this.isDead(id)) total += beat.count ?? 0;
    }
    return total + this.#options.local().count;
  }

  bufferedRows(fn: string): number {
    return Math.max(0, this.#buffered.get(fn) ?? 0);
  }

  bufferedBytes(fn: string): number {
    return Math.max(0, this.#bytes.get(fn) ?? 0);
  }

  /** Seconds since the oldest unfinished chunk of `fn` was submitted, as of the last refresh (metrics.ts). */
  oldestPendingSeconds(fn: string): number {
    const at = this.#oldest.get(fn);
    return at === undefined ? 0 : Math.max(0, this.redisNow() - at) / 1000;
  }

  /** Workers holding a batch of `fn` past the batch deadline, on every live gateway (at most 10 names). */
  hung(fn: string): string[] {
    const names = new Set(this.#options.local().hung[fn] ?? []);
    for (const [id, beat] of this.#gateways) {
      if (id !== this.#options.gatewayId && !this.isDead(id)) for (const name of beat.hung?.[fn] ?? []) names.add(name);
    }
    return [...names].sort().slice(0, 10);
  }

  /** Who serves `fn` on other live gateways, as the last heartbeat saw it (undefined: nobody there). */
  servedElsewhere(fn: string): ServedSpec | undefined {
    const spec = this.#specs.get(fn);
    if (!spec) return undefined;
    const by: string[] = [];
    for (const [id, beat] of this.#gateways) {
      if (id === this.#options.gatewayId || this.isDead(id) || !((beat.workers[fn] ?? 0) > 0)) continue;
      by.push(...workersOn(id, beat, fn));
    }
    return by.length > 0 ? { spec, by: by.slice(0, 3) } : undefined;
  }

  /**
   * Publishes the specs of a worker that joined here (and this gateway's beat, which counts it), unless workers on a
   * live gateway serve one of the names with another spec: then nothing is written and that spec is returned.
   * Makes sure the functions' streams have the consumer group.
   */
  async register(specs: FunctionSpec[]): Promise<(ServedSpec & { name: string }) | undefined> {
    const { scripts, keys, gatewayId, staleMs } = this.#options;
    const conflict = await scripts.register(keys.functions, keys.gateways, gatewayId, this.redisNow(), staleMs, JSON.stringify(this.#beat(false)),
      specs.map((s) => [s.name, canonicalSpec(s)] as const));
    if (conflict) {
      const spec = parseJson<FunctionSpec>(conflict.spec);
      const beat = parseJson<GatewayBeat>(conflict.beat);
      if (spec) this.#specs.set(conflict.name, spec);
      const incoming = specs.find((s) => s.name === conflict.name)!;
      return { name: conflict.name, spec: spec ?? incoming, by: beat ? workersOn(conflict.gateway, beat, conflict.name) : [`a worker on gateway ${conflict.gateway.slice(0, 8)}`] };
    }
    const now = this.#options.clock.now();
    for (const spec of specs) {
      this.#specs.set(spec.name, spec);
      this.#retention.observe(spec.name, true, now);
    }
    await Promise.all(specs.map((s) => this.ensureGroup(s.name)));
    return undefined;
  }

  /**
   * `chalknb deploy`: publishes the specs as a worker's would be (the same atomic conflict check against live
   * gateways' workers) and marks them deployed, so every gateway accepts their calls and keeps them listed.
   */
  async deploy(specs: FunctionSpec[]): Promise<(ServedSpec & { name: string }) | undefined> {
    const conflict = await this.register(specs);
    if (conflict) return conflict;
    await this.#options.command.hset(this.#options.keys.deployed, Object.fromEntries(specs.map((s) => [s.name, "1"])));
    for (const spec of specs) this.#deployed.add(spec.name);
    return undefined;
  }

  isDeployed(name: string): boolean {
    return this.#deployed.has(name);
  }

  /** XGROUP CREATE ... MKSTREAM, once per function (again after Redis lost it: NOGROUP). */
  async ensureGroup(fn: string, force = false): Promise<void> {
    if (this.#groups.has(fn) && !force) return;
    await this.#options.scripts.ensureGroup(this.#options.keys.rows(fn), ROWS_GROUP);
    this.#groups.add(fn);
  }

  /** One heartbeat: clock offset, own beat, everyone's beats, specs and queue depths. */
  async refresh(closed = false): Promise<void> {
    const { command, keys, gatewayId } = this.#options;
    const before = this.#options.clock.now();
    const [seconds, micros] = (await command.time()) as [string | number, string | number];
    const after = this.#options.clock.now();
    this.#offsetMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) - (before + after) / 2;
    await this.#checkEpoch();
    const local = this.#options.local();
    const pipeline = command.pipeline();
    pipeline.hset(keys.gateways, gatewayId, JSON.stringify(this.#beat(closed)));
    // Specs are re-published every beat (never over another spec: register() decides who holds a name), so a Redis
    // that lost its data learns them again.
    for (const spec of local.specs) pipeline.hsetnx(keys.functions, spec.name, canonicalSpec(spec));
    pipeline.hgetall(keys.deployed);
    pipeline.hgetall(keys.gateways);
    pipeline.hgetall(keys.functions);
    const replies = (await pipeline.exec()) ?? [];
    const gateways = (replies.at(-2)?.[1] ?? {}) as Record<string, string>;
    const functions = (replies.at(-1)?.[1] ?? {}) as Record<string, string>;
    this.#deployed = new Set(Object.keys((replies.at(-3)?.[1] ?? {}) as Record<string, string>));
    const seen = new Map<string, GatewayBeat>();
    const forgotten: string[] = [];
    for (const [id, text] of Object.entries(gateways)) {
      try {
        const other = JSON.parse(text) as GatewayBeat;
        if (this.redisNow() - other.at > 10 * 60_000) forgotten.push(id);
        else seen.set(id, other);
      } catch {
        forgotten.push(id);
      }
    }
    this.#gateways = seen;
    if (forgotten.length > 0) await command.hdel(keys.gateways, ...forgotten);
    // The hash is the list of functions (a spec another gateway dropped goes here too); local specs stay.
    this.#specs.clear();
    for (const [name, text] of Object.entries(functions)) {
      const spec = parseJson<FunctionSpec>(text); // a spec another version wrote is ignored
      if (spec) this.#specs.set(name, spec);
    }
    for (const spec of local.specs) this.#specs.set(spec.name, spec);
    const names = [...this.#specs.keys()];
    if (names.length > 0) {
      const counts = await Promise.all(names.flatMap((n) => [command.get(keys.buffered(n)), command.get(keys.bytes(n))]));
      this.#buffered = new Map(names.map((n, i) => [n, Number(counts[2 * i] ?? 0)]));
      this.#bytes = new Map(names.map((n, i) => [n, Number(counts[2 * i + 1] ?? 0)]));
      const firsts = await Promise.all(names.map((n) => command.xrange(keys.rows(n), "-", "+", "COUNT", 1)));
      this.#oldest = new Map(names.flatMap((n, i) => (firsts[i].length > 0 ? [[n, Number(firsts[i][0][0].split("-")[0])] as [string, number]] : [])));
    }
    if (!closed) await this.#dropUnserved();
  }

  /** Functions no live gateway's worker has served for the grace period, with nothing queued, leave the registry. */
  async #dropUnserved(): Promise<void> {
    const { scripts, keys, gatewayId, staleMs } = this.#options;
    const now = this.#options.clock.now();
    const expired: string[] = [];
    for (const name of this.#specs.keys()) {
      if (this.#deployed.has(name)) continue;
      this.#retention.observe(name, this.workers(name) > 0, now);
      if (this.#retention.expired(name, now, this.bufferedRows(name) > 0 || this.bufferedBytes(name) > 0)) expired.push(name);
    }
    for (const name of expired) {
      this.#specs.delete(name);
      this.#retention.forget(name);
    }
    await Promise.all(expired.map((name) => scripts.forget(keys.functions, keys.gateways, gatewayId, this.redisNow(), staleMs, name)));
  }

  #beat(closed: boolean): GatewayBeat {
    const local = this.#options.local();
    return { at: this.redisNow(), workers: local.workers, count: local.count, names: local.names, hung: local.hung, ...(closed ? { closed: true } : {}) };
  }

  /** Loads the function specs only (a submit for a function this gateway has not heard of yet). */
  async refreshSpecs(): Promise<void> {
    const functions = await this.#options.command.hgetall(this.#options.keys.functions);
    for (const [name, text] of Object.entries(functions)) {
      const spec = parseJson<FunctionSpec>(text);
      if (spec) this.#specs.set(name, spec);
    }
  }

  /** A key written once per Redis dataset: if it changes, the dataset was lost and rebuilt. */
  async #checkEpoch(): Promise<void> {
    const { command, keys } = this.#options;
    const key = `${keys.functions}:epoch`;
    await command.set(key, randomUUID(), "NX");
    const epoch = (await command.get(key)) ?? undefined;
    const previous = this.#epoch;
    this.#epoch = epoch;
    if (previous !== undefined && epoch !== previous) {
      this.#groups.clear();
      this.#options.onDataLoss();
    }
  }
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** Names of the workers serving `fn` on a gateway, for messages. */
function workersOn(gatewayId: string, beat: GatewayBeat, fn: string): string[] {
  const names = beat.names?.[fn] ?? [];
  return names.length > 0 ? names.map((n) => `worker ${n}`) : [`a worker on gateway ${gatewayId.slice(0, 8)}`];
}
