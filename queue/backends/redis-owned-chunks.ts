import { encodeFrame, encodeFrameParts } from "../../protocol/frame-codec.js";
import { ErrorCode, } from "../../protocol/errors.js";
import type { ErrorMessage } from "../../protocol/messages.js";
import type { Clock } from "../clock.js";
import type { ClientPeer, SubmittedChunk } from "../entities.js";
import type { FunctionCounters } from "../metrics.js";
import { ResultCoverage } from "./redis-coverage.js";
import { chunkTimeoutMessage, describeChunk } from "../chunk-messages.js";

/** A chunk submitted through this gateway, with where its rows went in Redis. */
export interface OwnedChunk extends SubmittedChunk {
  readonly coverage: ResultCoverage;
  /** Rows-stream entries holding the chunk's rows: [id, rows, bytes]. */
  readonly entries: Array<[string, number, number]>;
  /** The rows and entry meta as submitted, kept until the chunk finishes to re-submit after Redis lost data. */
  resubmit?: { meta: string; body: Uint8Array };
}

export interface OwnedChunksOptions {
  clock: Clock;
  counters(fn: string): FunctionCounters;
  /** Queue state named in timeout messages. */
  load(fn: string): { bufferedRows: number; workers: number; unplaced?: string };
  /** A chunk finished (any way): the backend tells other gateways and drops its unread rows. */
  onFinished(chunk: OwnedChunk): void;
}

/** The owner's side of chunks: result assembly (exactly once per row), progress, errors, timeouts and cancel. */
export class OwnedChunks {
  readonly #options: OwnedChunksOptions;
  readonly #chunks = new Map<string, OwnedChunk>();
  readonly #byClient = new Map<ClientPeer, Set<OwnedChunk>>();

  constructor(options: OwnedChunksOptions) {
    this.#options = options;
  }

  static key(client: ClientPeer, callId: string, chunk: number): string {
    return `${client.id}:${callId}#${chunk}`;
  }

  has(key: string): boolean {
    return this.#chunks.has(key);
  }

  get(key: string): OwnedChunk | undefined {
    return this.#chunks.get(key);
  }

  /** Unfinished chunks, for re-submission after Redis lost data. */
  pending(): OwnedChunk[] {
    return [...this.#chunks.values()];
  }

  add(client: ClientPeer, callId: string, chunk: number, functionName: string, rows: [number, number], rowCount: number, timeoutMs: number | null): OwnedChunk {
    const entry: OwnedChunk = {
      key: OwnedChunks.key(client, callId, chunk), callId, chunk, functionName, rows, rowCount, client,
      coverage: new ResultCoverage(rowCount), entries: [], attempts: 0, running: false, finished: false,
    };
    this.#chunks.set(entry.key, entry);
    let set = this.#byClient.get(client);
    if (!set) this.#byClient.set(client, (set = new Set()));
    set.add(entry);
    if (timeoutMs !== null) entry.timer = this.#options.clock.setTimeout(() => this.#timeOut(entry, timeoutMs), timeoutMs);
    return entry;
  }

  /** Forgets a chunk that never made it into Redis (queue_full, Redis error); nothing is sent. */
  discard(entry: OwnedChunk): void {
    this.#forget(entry);
  }

  result(key: string, offset: number, rows: number, bytes: Uint8Array, attempts: number): void {
    const entry = this.#chunks.get(key);
    if (!entry || entry.finished) return; // finished meanwhile, or a redelivered duplicate: discarded
    entry.attempts = Math.max(entry.attempts, attempts);
    entry.coverage.add(offset, rows, bytes);
    if (entry.coverage.complete) this.complete(entry);
  }

  progress(key: string, state: "running" | "retried", attempts: number): void {
    const entry = this.#chunks.get(key);
    if (!entry || entry.finished) return;
    entry.attempts = Math.max(entry.attempts, attempts);
    if (state === "running") {
      if (entry.running) return;
      entry.running = true;
    }
    entry.client.send(encodeFrame({ type: "progress", callId: entry.callId, chunk: entry.chunk, state, attempts }));
  }

  /** An error decided elsewhere (retries ran out, worker losses): fails the chunk once. */
  error(key: string, code: string, message: string, attempts: number, retryable: boolean, failedRows?: number[]): void {
    const entry = this.#chunks.get(key);
    if (entry) this.fail(entry, code, message, attempts, retryable, failedRows);
  }

  /** Rows of a `returnErrors` chunk failed for good (policy/bisection.ts): they complete with an error. */
  rowError(key: string, offset: number, rows: number, code: string, message: string, attempts: number): void {
    const entry = this.#chunks.get(key);
    if (!entry || entry.finished) return;
    entry.attempts = Math.max(entry.attempts, attempts);
    entry.coverage.addError(offset, rows, { code, message, attempts });
    if (entry.coverage.complete) this.complete(entry);
  }

  complete(entry: OwnedChunk): void {
    if (entry.finished) return;
    const parts = entry.coverage.parts();
    const errors = entry.coverage.errors();
    this.#options.counters(entry.functionName).rowsOut += entry.rowCount;
    this.#finish(entry);
    entry.client.send(encodeFrameParts(
      { type: "result", callId: entry.callId, chunk: entry.chunk, parts: parts.map((p) => p.byteLength), attempts: entry.attempts, ...(errors.length > 0 ? { errors } : {}) },
      parts,
    ));
  }

  fail(entry: OwnedChunk, code: string, message: string, attempts = entry.attempts, retryable = false, failedRows?: number[]): void {
    if (entry.finished) return;
    if (code === ErrorCode.HandlerFailed || code === ErrorCode.PoisonRow) this.#options.counters(entry.functionName).failures += 1;
    this.#finish(entry);
    const error: ErrorMessage = {
      type: "error", callId: entry.callId, chunk: entry.chunk, code, message, retryable, rows: entry.rows, attempts, ...(failedRows ? { failedRows } : {}),
    };
    entry.client.send(encodeFrame(error));
  }

  /** Finishes a call's (or one chunk's) chunks without a frame: the client dropped them itself. */
  cancel(client: ClientPeer, callId: string, chunk?: number): void {
    for (const entry of [...(this.#byClient.get(client) ?? [])]) {
      if (entry.callId !== callId || (chunk !== undefined && entry.chunk !== chunk)) continue;
      this.#options.counters(entry.functionName).cancels += 1;
      this.#finish(entry);
    }
  }

  removeClient(client: ClientPeer): void {
    for (const entry of [...(this.#byClient.get(client) ?? [])]) this.#finish(entry);
    this.#byClient.delete(client);
  }

  close(): void {
    for (const entry of this.#chunks.values()) {
      if (entry.timer !== undefined) this.#options.clock.clearTimeout(entry.timer);
    }
    this.#chunks.clear();
    this.#byClient.clear();
  }

  #timeOut(entry: OwnedChunk, timeoutMs: number): void {
    if (entry.finished) return;
    const { bufferedRows, workers, unplaced } = this.#options.load(entry.functionName);
    const done = entry.coverage.covered;
    // The owner cannot see other gateways' batches: rows are "running" once a worker has started on the chunk.
    const running = entry.running ? entry.rowCount - done : 0;
    const queued = entry.rowCount - done - running;
    this.#options.counters(entry.functionName).timeouts += 1;
    this.fail(entry, ErrorCode.ChunkTimeout,
      chunkTimeoutMessage(describeChunk(entry.functionName, entry.chunk, entry.rows), timeoutMs, { done, running, queued, bufferedRows, workers, unplaced }),
      entry.attempts, true);
  }

  #finish(entry: OwnedChunk): void {
    if (entry.finished) return;
    entry.finished = true;
    this.#forget(entry);
    this.#options.onFinished(entry);
  }

  #forget(entry: OwnedChunk): void {
    if (entry.timer !== undefined) this.#options.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    this.#chunks.delete(entry.key);
    this.#byClient.get(entry.client)?.delete(entry);
  }
}

