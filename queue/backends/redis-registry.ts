import { randomUUID } from "node:crypto";
import type { RedisClient } from "./redis-connection.js";
import type { RedisScripts } from "./redis-scripts.js";
import type { FunctionSpec } from "../../protocol/messages.js";
import type { Clock } from "../clock.js";
import { ROWS_GROUP, type RedisKeys } from "./redis-keys.js";

interface GatewayBeat {
  /** Redis time of the last heartbeat (ms). */
  at: number;
  /** Workers connected to that gateway, by function. */
  workers: Record<string, number>;
  /** Workers connected to that gateway. */
  count: number;
  closed?: boolean;
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
  local(): { workers: Record<string, number>; count: number; specs: FunctionSpec[] };
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
  #gateways = new Map<string, GatewayBeat>();
  #buffered = new Map<string, number>();
  #offsetMs = 0;
  #epoch: string | undefined;

  constructor(options: RegistryOptions) {
    this.#options = options;
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

  /** Publishes specs of a worker that joined here and makes sure their streams have the consumer group. */
  async register(specs: FunctionSpec[]): Promise<void> {
    for (const spec of specs) this.#specs.set(spec.name, spec);
    const { command, keys } = this.#options;
    await command.hset(keys.functions, ...specs.flatMap((s) => [s.name, JSON.stringify(s)]));
    await Promise.all(specs.map((s) => this.ensureGroup(s.name)));
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
    const beat: GatewayBeat = { at: this.redisNow(), workers: local.workers, count: local.count, ...(closed ? { closed: true } : {}) };
    const pipeline = command.pipeline();
    pipeline.hset(keys.gateways, gatewayId, JSON.stringify(beat));
    // Specs are re-published every beat, so a Redis that lost its data learns them again.
    if (local.specs.length > 0) pipeline.hset(keys.functions, ...local.specs.flatMap((s) => [s.name, JSON.stringify(s)]));
    pipeline.hgetall(keys.gateways);
    pipeline.hgetall(keys.functions);
    const replies = (await pipeline.exec()) ?? [];
    const gateways = (replies.at(-2)?.[1] ?? {}) as Record<string, string>;
    const functions = (replies.at(-1)?.[1] ?? {}) as Record<string, string>;
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
    for (const [name, text] of Object.entries(functions)) {
      try {
        this.#specs.set(name, JSON.parse(text) as FunctionSpec);
      } catch {
        // a spec another version wrote: ignore it
      }
    }
    const names = [...this.#specs.keys()];
    if (names.length > 0) {
      const counts = await Promise.all(names.map((n) => command.get(keys.buffered(n))));
      this.#buffered = new Map(names.map((n, i) => [n, Number(counts[i] ?? 0)]));
    }
  }

  /** Loads the function specs only (a submit for a function this gateway has not heard of yet). */
  async refreshSpecs(): Promise<void> {
    const functions = await this.#options.command.hgetall(this.#options.keys.functions);
    for (const [name, text] of Object.entries(functions)) this.#specs.set(name, JSON.parse(text) as FunctionSpec);
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
