import type { RedisClient } from "../backends/redis-connection.js";
import type { CallRecord, ChunkRecord } from "./call-record.js";
import type { CallEvent, CallStore } from "./call-store.js";

/** Keys of one call share the hash tag `{call:<id>}` (one Cluster slot); the queue-wide ones share `{calls}`. */
function callKeys(prefix: string, id: string) {
  const base = `${prefix}:{call:${id}}`;
  return { record: `${base}:record`, chunks: `${base}:chunks`, bodies: `${base}:bodies`, results: `${base}:results`, bytes: `${base}:bytes`, lease: `${base}:lease` };
}

const LEASE = `local cur = redis.call('GET', KEYS[1])
if not cur then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export interface RedisCallStoreOptions {
  prefix: string;
  /** A plain connection (auto-pipelined). */
  command: RedisClient;
  /** A connection of its own in subscriber mode. */
  subscriber: RedisClient;
  /**
   * How long Redis keeps a finished call's keys at most, in real time: a safety net under the queue's own expiry,
   * which follows the queue's clock.
   */
  keepMs: number;
  log(line: string): void;
}

/**
 * Spawned calls in Redis, shared by every gateway: a call survives its gateway (another one, or the same one
 * restarted, takes its lease and drives it on). Events travel on one pub/sub channel.
 */
export class RedisCallStore implements CallStore {
  readonly #o: RedisCallStoreOptions;
  readonly #index: string;
  readonly #active: string;
  readonly #bytes: string;
  readonly #channel: string;
  readonly #listeners: Array<(event: CallEvent) => void> = [];

  constructor(options: RedisCallStoreOptions) {
    this.#o = options;
    this.#index = `${options.prefix}:{calls}:index`;
    this.#active = `${options.prefix}:{calls}:active`;
    this.#bytes = `${options.prefix}:{calls}:bytes`;
    this.#channel = `${options.prefix}:calls`;
    options.subscriber.on("message", (channel: string, text: string) => {
      if (channel !== this.#channel) return;
      let event: CallEvent;
      try {
        event = JSON.parse(text) as CallEvent;
      } catch {
        return;
      }
      for (const listener of this.#listeners) listener(event);
    });
  }

  async start(): Promise<void> {
    await this.#o.subscriber.subscribe(this.#channel);
  }

  #keys(id: string) {
    return callKeys(this.#o.prefix, id);
  }

  async create(record: CallRecord): Promise<boolean> {
    const created = await this.#o.command.set(this.#keys(record.id).record, JSON.stringify(record), "NX");
    if (created !== "OK") return false;
    await this.#o.command.zadd(this.#index, record.createdAt, record.id);
    return true;
  }

  async putRecord(record: CallRecord): Promise<void> {
    const keys = this.#keys(record.id);
    await this.#o.command.set(keys.record, JSON.stringify(record));
    if (record.expiresAt !== undefined) {
      const keep = this.#o.keepMs;
      await Promise.all([keys.record, keys.chunks, keys.bodies, keys.results, keys.bytes].map((k) => this.#o.command.pexpire(k, keep)));
    }
  }

  async record(id: string): Promise<CallRecord | undefined> {
    const text = await this.#o.command.get(this.#keys(id).record);
    return text ? (JSON.parse(text) as CallRecord) : undefined;
  }

  async putBody(id: string, chunk: number, body: Uint8Array): Promise<void> {
    await this.#o.command.hset(this.#keys(id).bodies, String(chunk), Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }

  async body(id: string, chunk: number): Promise<Uint8Array | undefined> {
    return (await this.#o.command.hgetBuffer(this.#keys(id).bodies, String(chunk))) ?? undefined;
  }

  async putChunk(id: string, chunk: number, state: ChunkRecord, result?: Uint8Array): Promise<void> {
    const keys = this.#keys(id);
    const multi = this.#o.command.multi();
    multi.hset(keys.chunks, String(chunk), JSON.stringify(state));
    if (result) {
      multi.hset(keys.results, String(chunk), Buffer.from(result.buffer, result.byteOffset, result.byteLength));
      multi.incrby(keys.bytes, result.byteLength);
    }
    if (state.state === "done" || state.state === "failed" || state.state === "cancelled") multi.hdel(keys.bodies, String(chunk));
    await multi.exec();
    if (result) await this.#o.command.incrby(this.#bytes, result.byteLength);
  }

  async chunks(id: string, count: number): Promise<Array<ChunkRecord | undefined>> {
    const all = await this.#o.command.hgetall(this.#keys(id).chunks);
    return Array.from({ length: count }, (_, i) => (all[String(i)] ? (JSON.parse(all[String(i)]) as ChunkRecord) : undefined));
  }

  async result(id: string, chunk: number): Promise<Uint8Array | undefined> {
    return (await this.#o.command.hgetBuffer(this.#keys(id).results, String(chunk))) ?? undefined;
  }

  async list(): Promise<CallRecord[]> {
    const ids = await this.#o.command.zrevrange(this.#index, 0, 999);
    const texts = await Promise.all(ids.map((id) => this.#o.command.get(this.#keys(id).record)));
    const gone = ids.filter((_, i) => !texts[i]);
    if (gone.length > 0) await this.#o.command.zrem(this.#index, ...gone);
    return texts.filter((t): t is string => Boolean(t)).map((t) => JSON.parse(t) as CallRecord);
  }

  async active(): Promise<string[]> {
    return this.#o.command.smembers(this.#active);
  }

  async setActive(id: string, active: boolean): Promise<void> {
    if (active) await this.#o.command.sadd(this.#active, id);
    else await this.#o.command.srem(this.#active, id);
  }

  async dropData(record: CallRecord): Promise<void> {
    const keys = this.#keys(record.id);
    const bytes = Number(await this.#o.command.get(keys.bytes)) || 0;
    const multi = this.#o.command.multi();
    multi.del(keys.results, keys.bodies, keys.bytes);
    multi.set(keys.record, JSON.stringify(record), "PX", this.#o.keepMs);
    await multi.exec();
    if (bytes > 0) await this.#o.command.decrby(this.#bytes, bytes);
  }

  async forget(id: string): Promise<void> {
    const keys = this.#keys(id);
    const bytes = Number(await this.#o.command.get(keys.bytes)) || 0;
    await this.#o.command.del(keys.record, keys.chunks, keys.bodies, keys.results, keys.bytes, keys.lease);
    await this.#o.command.zrem(this.#index, id);
    await this.#o.command.srem(this.#active, id);
    if (bytes > 0) await this.#o.command.decrby(this.#bytes, bytes);
  }

  async resultBytes(): Promise<number> {
    return Number(await this.#o.command.get(this.#bytes)) || 0;
  }

  async lease(id: string, owner: string, ms: number): Promise<boolean> {
    return Number(await this.#o.command.eval(LEASE, 1, this.#keys(id).lease, owner, Math.max(1, Math.round(ms)))) === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    await this.#o.command.eval(RELEASE, 1, this.#keys(id).lease, owner);
  }

  publish(event: CallEvent): void {
    this.#o.command.publish(this.#channel, JSON.stringify(event)).catch((error: Error) => this.#o.log(`could not publish a call event: ${error.message}`));
  }

  onEvent(listener: (event: CallEvent) => void): void {
    this.#listeners.push(listener);
  }

  /** Drops the connections at once: close must not wait on a Redis that is gone (every write was awaited before). */
  async close(): Promise<void> {
    this.#listeners.length = 0;
    this.#o.subscriber.disconnect();
    this.#o.command.disconnect();
  }
}
