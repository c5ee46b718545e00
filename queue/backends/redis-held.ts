import type { RedisClient } from "./redis-connection.js";
import type { HeldEntry, RawEntry } from "./redis-entries.js";
import { ROWS_GROUP, rowsKeys, type RedisKeys } from "./redis-keys.js";
import type { EntryCount, RedisScripts } from "./redis-scripts.js";

/**
 * Idle time given to entries handed back, so the next reclaim anywhere takes them. Redis resets an idle time longer
 * than its clock to 0, so this is ~11 days, not "infinity".
 */
export const RELEASE_IDLE_MS = 1_000_000_000;

export interface HeldEntriesOptions {
  command: RedisClient;
  scripts: RedisScripts;
  keys: RedisKeys;
  gatewayId: string;
  log(line: string): void;
}

/**
 * The rows-stream entries in this gateway's pending list, until every row of each is resolved and it is acked
 * (XACK + XDEL, batched per function). Their claims are refreshed by the heartbeat so other gateways reclaim only
 * the entries of a gateway that stopped beating.
 */
export class HeldEntries {
  readonly #options: HeldEntriesOptions;
  readonly #byFn = new Map<string, Map<string, HeldEntry>>();
  readonly #acks = new Map<string, EntryCount[]>();
  #flushing = false;

  constructor(options: HeldEntriesOptions) {
    this.#options = options;
  }

  /** Starts tracking an entry just read or claimed; undefined when it is tracked already (a stale reclaim). */
  adopt(fn: string, raw: RawEntry, deliveries: number): HeldEntry | undefined {
    let entries = this.#byFn.get(fn);
    if (!entries) this.#byFn.set(fn, (entries = new Map()));
    if (entries.has(raw.id)) return undefined;
    const entry: HeldEntry = { id: raw.id, fn, meta: raw.meta, unresolved: raw.meta.n, deliveries, bytes: raw.body.byteLength };
    entries.set(raw.id, entry);
    return entry;
  }

  isHeld(entry: HeldEntry): boolean {
    return this.#byFn.get(entry.fn)?.get(entry.id) === entry;
  }

  /** `rows` of the entry are resolved; the last ones ack it. */
  resolve(entry: HeldEntry, rows: number): void {
    entry.unresolved -= rows;
    if (entry.unresolved > 0 || !this.isHeld(entry)) return;
    this.#byFn.get(entry.fn)!.delete(entry.id);
    let acks = this.#acks.get(entry.fn);
    if (!acks) this.#acks.set(entry.fn, (acks = []));
    acks.push([entry.id, entry.meta.n, entry.bytes]);
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Stops tracking without acking: the entry goes idle and some gateway reclaims and runs it again. */
  abandon(entry: HeldEntry): void {
    if (this.isHeld(entry)) this.#byFn.get(entry.fn)!.delete(entry.id);
  }

  count(): number {
    let n = 0;
    for (const entries of this.#byFn.values()) n += entries.size;
    return n;
  }

  /** Heartbeat: XCLAIM our own entries with JUSTID, which resets their idle time without counting a delivery. */
  async refresh(): Promise<void> {
    const { command, keys, gatewayId } = this.#options;
    await Promise.all([...this.#byFn].map(async ([fn, entries]) => {
      const ids = [...entries.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        await command.xclaim(keys.rows(fn), ROWS_GROUP, gatewayId, 0, ...ids.slice(i, i + 500), "JUSTID");
      }
    }));
  }

  /**
   * Hands entries back at once (no local worker serves the function any more, or this gateway is closing): they are
   * marked idle long enough for any gateway's next reclaim, with their delivery count kept as it was.
   */
  async release(fn: string, entries: HeldEntry[], idleMs: number): Promise<void> {
    const { command, keys, gatewayId } = this.#options;
    const byCount = new Map<number, string[]>();
    for (const entry of entries) {
      if (!this.isHeld(entry)) continue;
      this.#byFn.get(fn)!.delete(entry.id);
      const retry = Math.max(0, entry.deliveries - 1); // the reclaim counts one delivery again
      byCount.set(retry, [...(byCount.get(retry) ?? []), entry.id]);
    }
    await Promise.all([...byCount].map(([retry, ids]) =>
      command.xclaim(keys.rows(fn), ROWS_GROUP, gatewayId, 0, ...ids, "IDLE", idleMs, "RETRYCOUNT", retry, "JUSTID")));
  }

  /** Every held entry of a function. */
  entries(fn: string): HeldEntry[] {
    return [...(this.#byFn.get(fn)?.values() ?? [])];
  }

  /** Acks that are queued go out now (close). */
  flushNow(): Promise<void> {
    return this.#flush();
  }

  async #flush(): Promise<void> {
    this.#flushing = false;
    const { scripts, keys, log } = this.#options;
    const batches = [...this.#acks];
    this.#acks.clear();
    await Promise.all(batches.map(([fn, entries]) =>
      scripts.ack(rowsKeys(keys, fn), ROWS_GROUP, entries).catch((error: Error) =>
        log(`could not ack ${entries.length} entries of "${fn}" (they will run again): ${error.message}`))));
  }
}
