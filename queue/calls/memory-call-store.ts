import { EventEmitter } from "node:events";
import type { CallRecord, ChunkRecord } from "./call-record.js";
import type { CallEvent, CallStore } from "./call-store.js";

interface Held {
  record: CallRecord;
  bodies: Map<number, Uint8Array>;
  chunks: Map<number, ChunkRecord>;
  results: Map<number, Uint8Array>;
}

/** Spawned calls in this process (the memory backend): they outlive their clients, not the queue process. */
export class MemoryCallStore implements CallStore {
  readonly #calls = new Map<string, Held>();
  readonly #active = new Set<string>();
  readonly #events = new EventEmitter();
  #resultBytes = 0;

  async create(record: CallRecord): Promise<boolean> {
    if (this.#calls.has(record.id)) return false;
    this.#calls.set(record.id, { record: { ...record }, bodies: new Map(), chunks: new Map(), results: new Map() });
    return true;
  }

  async putRecord(record: CallRecord): Promise<void> {
    const held = this.#calls.get(record.id);
    if (held) held.record = { ...record };
  }

  async record(id: string): Promise<CallRecord | undefined> {
    const held = this.#calls.get(id);
    return held ? { ...held.record } : undefined;
  }

  async putBody(id: string, chunk: number, body: Uint8Array): Promise<void> {
    this.#calls.get(id)?.bodies.set(chunk, body);
  }

  async body(id: string, chunk: number): Promise<Uint8Array | undefined> {
    return this.#calls.get(id)?.bodies.get(chunk);
  }

  async putChunk(id: string, chunk: number, state: ChunkRecord, result?: Uint8Array): Promise<void> {
    const held = this.#calls.get(id);
    if (!held) return;
    held.chunks.set(chunk, state);
    if (result) {
      this.#resultBytes += result.byteLength - (held.results.get(chunk)?.byteLength ?? 0);
      held.results.set(chunk, result);
    }
    if (state.state === "done" || state.state === "failed" || state.state === "cancelled") held.bodies.delete(chunk);
  }

  async chunks(id: string, count: number): Promise<Array<ChunkRecord | undefined>> {
    const held = this.#calls.get(id);
    return Array.from({ length: count }, (_, i) => held?.chunks.get(i));
  }

  async result(id: string, chunk: number): Promise<Uint8Array | undefined> {
    return this.#calls.get(id)?.results.get(chunk);
  }

  async list(): Promise<CallRecord[]> {
    return [...this.#calls.values()].map((h) => ({ ...h.record })).sort((a, b) => b.createdAt - a.createdAt);
  }

  async active(): Promise<string[]> {
    return [...this.#active];
  }

  async setActive(id: string, active: boolean): Promise<void> {
    if (active) this.#active.add(id);
    else this.#active.delete(id);
  }

  async dropData(record: CallRecord): Promise<void> {
    const held = this.#calls.get(record.id);
    if (!held) return;
    for (const result of held.results.values()) this.#resultBytes -= result.byteLength;
    held.results.clear();
    held.bodies.clear();
    held.record = { ...record };
  }

  async forget(id: string): Promise<void> {
    const held = this.#calls.get(id);
    if (!held) return;
    for (const result of held.results.values()) this.#resultBytes -= result.byteLength;
    this.#calls.delete(id);
    this.#active.delete(id);
  }

  async resultBytes(): Promise<number> {
    return this.#resultBytes;
  }

  async lease(): Promise<boolean> {
    return true;
  }

  async release(): Promise<void> {}

  publish(event: CallEvent): void {
    // Listeners run after the caller's current step, as they would after a Redis round trip.
    queueMicrotask(() => this.#events.emit("event", event));
  }

  onEvent(listener: (event: CallEvent) => void): void {
    this.#events.on("event", listener);
  }

  async close(): Promise<void> {
    this.#events.removeAllListeners();
  }
}
