import type { SubmitMessage } from "../../protocol/messages.js";
import { waitingForWorker } from "../policy/waiting.js";
import { encodeFrame } from "../../protocol/frame-codec.js";
import { ErrorCode } from "../../protocol/errors.js";
import { checkSubmit } from "../submit-checks.js";
import type { Clock } from "../clock.js";
import type { ClientPeer } from "../entities.js";
import type { FunctionCounters } from "../metrics.js";
import type { EntryMeta } from "./redis-entries.js";
import { ROWS_GROUP, rowsKeys, type RedisKeys } from "./redis-keys.js";
import { bytesFullMessage, oversizedChunkMessage, rowsFullMessage } from "../policy/limits.js";
import { OwnedChunks, type OwnedChunk } from "./redis-owned-chunks.js";
import type { Registry } from "./redis-registry.js";
import type { RedisScripts } from "./redis-scripts.js";

export interface IntakeOptions {
  gatewayId: string;
  clock: Clock;
  keys: RedisKeys;
  scripts: RedisScripts;
  registry: Registry;
  /** Per-function cap on rows submitted and not yet finished, across every gateway. */
  maxBufferedRows: number;
  /** Per-function cap on bytes of rows submitted and not yet finished, across every gateway. */
  maxBufferedBytes: number;
  counters(fn: string): FunctionCounters;
  /** Chunks that finished before all their rows came back: gateways holding their rows drop them. */
  onAbandoned(keys: string[]): void;
  log(line: string): void;
  /** Why no worker can take `fn`'s rows (policy/placement.ts), for timeout messages; undefined when one can. */
  unplaced?(fn: string): string | undefined;
}

/**
 * The client side of a gateway: validates submits exactly as the memory backend does (same checks, same messages),
 * XADDs each chunk as one rows-stream entry under the `maxBufferedRows` and `maxBufferedBytes` caps, and keeps the chunk (OwnedChunks) until
 * its results are assembled, it fails, times out or is cancelled — then drops whatever rows are still unread.
 */
export class Intake {
  readonly owned: OwnedChunks;
  readonly #o: IntakeOptions;
  #announce: string[] = [];

  constructor(options: IntakeOptions) {
    this.#o = options;
    this.owned = new OwnedChunks({
      clock: options.clock,
      counters: options.counters,
      load: (fn) => ({ bufferedRows: options.registry.bufferedRows(fn), workers: options.registry.totalWorkers(), unplaced: options.unplaced?.(fn) }),
      onFinished: (chunk) => this.#chunkFinished(chunk),
    });
  }

  submit(client: ClientPeer, message: SubmitMessage, body: Uint8Array): void {
    if (this.#o.registry.spec(message.function)) return this.#submit(client, message, body);
    // Another gateway's worker may serve it: ask Redis before calling the function unknown.
    this.#o.registry.refreshSpecs().then(
      () => this.#submit(client, message, body),
      (error: Error) => this.#refuse(client, message, ErrorCode.QueueFull, `the queue's Redis did not answer (${error.message}); resubmit`, true),
    );
  }

  #submit(client: ClientPeer, message: SubmitMessage, body: Uint8Array): void {
    const known = this.#o.registry.specs().map((s) => s.name);
    const verdict = checkSubmit(this.#o.registry.spec(message.function), known, message, body, this.#o.maxBufferedRows);
    if (!verdict.ok) return this.#refuse(client, message, verdict.code, verdict.message);
    const { rowCount, spec } = verdict;
    const cap = this.#o.maxBufferedRows;
    const capBytes = this.#o.maxBufferedBytes;
    if (body.byteLength > capBytes) return this.#refuse(client, message, ErrorCode.QueueFull, oversizedChunkMessage(message.chunk, body.byteLength, capBytes));
    if (this.owned.has(OwnedChunks.key(client, message.callId, message.chunk))) {
      return this.#refuse(client, message, ErrorCode.InvalidArgument, `chunk ${message.chunk} of call ${message.callId} was already submitted`);
    }
    const timeoutMs = message.timeoutMs ?? null;
    const chunk = this.owned.add(client, message.callId, message.chunk, spec.name, message.rows, rowCount, timeoutMs);
    const counters = this.#o.counters(spec.name);
    counters.rowsIn += rowCount;
    if (rowCount === 0) {
      client.send(encodeFrame({ type: "accepted", callId: message.callId, chunk: message.chunk }));
      this.owned.complete(chunk);
      return;
    }
    const meta: EntryMeta = {
      g: this.#o.gatewayId, k: chunk.key, c: message.chunk, r: message.rows, o: 0, n: rowCount,
      d: timeoutMs === null ? null : this.#o.registry.redisNow() + timeoutMs,
      ...(message.returnErrors === true ? { e: 1 as const } : {}),
      ...(message.priority === "batch" ? { p: 1 as const } : {}),
    };
    const metaText = JSON.stringify(meta);
    chunk.resubmit = { meta: metaText, body };
    this.#o.scripts.submit(rowsKeys(this.#o.keys, spec.name), cap, capBytes, rowCount, metaText, body).then(
      (reply) => {
        if (!("id" in reply)) {
          this.owned.discard(chunk);
          counters.rowsIn -= rowCount;
          counters.queueFull += 1;
          return this.#refuse(client, message, ErrorCode.QueueFull, "buffered" in reply
            ? rowsFullMessage(spec.name, reply.buffered, cap)
            : bytesFullMessage(spec.name, reply.bufferedBytes, body.byteLength, capBytes), true);
        }
        chunk.entries.push([reply.id, rowCount, body.byteLength]);
        if (chunk.finished) {
          // Cancelled or timed out while the XADD was on its way: take the rows out again.
          this.#dropUnread(spec.name, chunk.entries);
          return;
        }
        const waiting = waitingForWorker(spec.name, this.#o.registry.workers(spec.name));
        client.send(encodeFrame({ type: "accepted", callId: message.callId, chunk: message.chunk, ...(waiting ? { waiting } : {}) }));
      },
      (error: Error) => {
        if (chunk.finished) return;
        this.owned.discard(chunk);
        counters.rowsIn -= rowCount;
        this.#refuse(client, message, ErrorCode.QueueFull, `the queue's Redis refused chunk ${message.chunk} (${error.message}); back off and resubmit`, true);
      },
    );
  }

  #refuse(client: ClientPeer, message: SubmitMessage, code: string, text: string, retryable = false): void {
    client.send(encodeFrame({ type: "error", callId: message.callId, chunk: message.chunk, code, message: text, retryable, rows: message.rows }));
  }

  /** A chunk of a client here finished: unless all its rows came back, tell the holders and drop unread rows. */
  #chunkFinished(chunk: OwnedChunk): void {
    chunk.resubmit = undefined;
    if (chunk.coverage.complete) return;
    if (chunk.entries.length > 0) this.#dropUnread(chunk.functionName, chunk.entries);
    this.#announce.push(chunk.key);
    if (this.#announce.length === 1) {
      queueMicrotask(() => {
        const keys = this.#announce;
        this.#announce = [];
        this.#o.onAbandoned(keys);
      });
    }
  }

  #dropUnread(fn: string, entries: Array<[string, number, number]>): void {
    this.#o.scripts.dropUnread(rowsKeys(this.#o.keys, fn), ROWS_GROUP, entries).catch((error: Error) =>
      this.#o.log(`could not drop queued rows of "${fn}": ${error.message}`));
  }

  /**
   * After Redis reconnects: chunks whose rows-stream entries are all gone while their results are not all here were
   * lost by Redis (a restart without AOF, or the last second of writes before a crash with appendfsync everysec).
   * They are submitted again; a duplicate of rows that did finish is discarded by the coverage check.
   */
  async verifyPending(): Promise<void> {
    const byFunction = new Map<string, OwnedChunk[]>();
    for (const chunk of this.owned.pending()) {
      if (chunk.finished || !chunk.resubmit || chunk.entries.length === 0) continue;
      byFunction.set(chunk.functionName, [...(byFunction.get(chunk.functionName) ?? []), chunk]);
    }
    for (const [fn, chunks] of byFunction) {
      await this.#o.registry.ensureGroup(fn, true);
      const ids = chunks.flatMap((c) => c.entries.map(([id]) => id));
      const exists = await this.#o.scripts.existing(this.#o.keys.rows(fn), ids);
      const found = new Set(ids.filter((_, i) => exists[i]));
      const lost = chunks.filter((c) => !c.entries.some(([id]) => found.has(id)));
      if (lost.length === 0) continue;
      this.#o.log(`Redis lost the rows of ${lost.length} chunks of "${fn}"; submitting them again`);
      for (const chunk of lost) {
        if (chunk.finished || !chunk.resubmit) continue;
        const { meta, body } = chunk.resubmit;
        const reply = await this.#o.scripts.submit(rowsKeys(this.#o.keys, fn), Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, chunk.rowCount, meta, body);
        if ("id" in reply) chunk.entries.push([reply.id, chunk.rowCount, body.byteLength]);
      }
    }
  }
}
