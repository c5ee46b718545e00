import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import { encodeFrame, encodeFrameParts } from "../../protocol/frame-codec.js";
import { ErrorCode, } from "../../protocol/errors.js";
import { decodeRows } from "../../protocol/arrow-ipc.js";
import type { DoneMessage, ErrorMessage, FailedMessage, FunctionSpec, SubmitMessage } from "../../protocol/messages.js";
import { checkSubmit } from "../submit-checks.js";
import type { Clock } from "../clock.js";
import type { QueueBackend } from "../backend.js";
import { chunkKey, type Batch, type ChunkEntry, type ClientPeer, type FunctionState, type Segment, type WorkerPeer } from "../entities.js";
import { functionMetrics, CounterTable, recordBatchSize, type FunctionCounters, type FunctionMetrics } from "../metrics.js";
import { splitSegment, takeRows } from "../segments.js";
import { DEFAULT_BATCH_DEADLINE_MS, DEFAULT_FUNCTION_GRACE_MS, DEFAULT_MAX_BUFFERED_BYTES } from "../policy/defaults.js";
import { HungBatches, } from "../policy/batch-deadline.js";
import type { BisectOps } from "../policy/bisection.js";
import { rowCosts } from "../policy/cost.js";
import { bytesFull, bytesFullMessage, oversizedChunkMessage, rowsFullMessage } from "../policy/limits.js";
import { FunctionRetention } from "../policy/retention.js";
import { waitingForWorker } from "../policy/waiting.js";
import { checkSpecs } from "../policy/spec-conflict.js";
import { PriorityTurns, orderByPriority } from "../policy/priority.js";
import { describeWorkers, unplacedReason } from "../policy/placement.js";
import { WorkerChoice } from "../policy/worker-choice.js";
import { batchReady } from "../policy/batch-ready.js";
import { batchLost, handlerFailed, type OutcomeActions } from "../policy/batch-outcome.js";
import { batchAttempt, deliverBatch, resultMismatch } from "../batch-delivery.js";
import { chunkTimeoutMessage, describeChunk } from "../chunk-messages.js";
import type { FunctionInfo, WorkerSummary } from "../../protocol/queue-api.js";

export interface MemoryBackendOptions {
  clock: Clock;
  /** Per-function cap on buffered rows; past it a submit gets a retryable `queue_full`. @default 100_000 */
  maxBufferedRows: number;
  /** First retry backoff; doubles per failure, capped at 5 s. @default 100 */
  retryBackoffMs: number;
  /** Times a batch may be redelivered because its worker went away before its chunks fail. @default 3 */
  maxWorkerLosses: number;
  /**
   * Per-function cap on bytes of chunks submitted and not yet finished (queued or running); past it a submit gets a
   * retryable `queue_full`, and a chunk larger than it is refused. @default 1 GiB (policy/defaults.ts)
   */
  maxBufferedBytes?: number;
  /** Longest a batch stays on a worker before its slot is freed and its rows redelivered. @default 10 min */
  batchDeadlineMs?: number;
  /** A function no worker serves leaves `functions()` / `metrics()` after this long. @default 60_000 */
  functionGraceMs?: number;
}

/** Age of the function's oldest chunk not yet finished, queued or running (metrics.ts: the autoscaler's signal). */
function oldestPendingSeconds(fn: FunctionState, now: number): number {
  let oldest = now;
  for (const segment of fn.buffer) oldest = Math.min(oldest, segment.chunk.submittedAt);
  for (const batch of fn.inFlight) for (const segment of batch.segments) oldest = Math.min(oldest, segment.chunk.submittedAt);
  return (now - oldest) / 1000;
}

/**
 * The in-memory function queue: per-function row buffers, batch formation (full or deadline, whichever first),
 * credit-based dispatch to workers, retries, worker-loss redelivery, per-chunk timeouts and result routing.
 * Sockets live in queue-server.ts; this class only sees peers that can `send` frames.
 *
 * Events: `batch` (BatchEvent), `worker-joined` (WorkerPeer), `worker-left` (WorkerPeer).
 */
export class MemoryBackend extends EventEmitter implements QueueBackend {
  readonly #options: MemoryBackendOptions;
  readonly #functions = new Map<string, FunctionState>();
  readonly #counters = new CounterTable();
  readonly #workers = new Set<WorkerPeer>();
  readonly #batches = new Map<string, Batch>();
  readonly #choice = new WorkerChoice();
  readonly #retryTimers = new Set<unknown>();
  readonly #chunkTimers = new Set<unknown>();
  readonly #hung = new HungBatches();
  readonly #retention: FunctionRetention;
  readonly #maxBufferedBytes: number;
  readonly #batchDeadlineMs: number;
  /** Functions registered by `chalknb deploy`: never pruned, so their calls wait for a worker (scale from zero). */
  readonly #deployed = new Set<string>();

  constructor(options: MemoryBackendOptions) {
    super();
    this.#options = options;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#batchDeadlineMs = options.batchDeadlineMs ?? DEFAULT_BATCH_DEADLINE_MS;
    this.#retention = new FunctionRetention(options.functionGraceMs ?? DEFAULT_FUNCTION_GRACE_MS);
  }

  // ---- workers -------------------------------------------------------------------------------------------------

  /** Throws (ChalknbError) when live workers serve one of `specs` with another spec: nothing is added then. */
  addWorker(worker: WorkerPeer, specs: FunctionSpec[]): void {
    this.#register(specs, worker.name);
    for (const spec of specs) this.#retention.observe(spec.name, true, this.#options.clock.now());
    this.#workers.add(worker);
    this.emit("worker-joined", worker);
    this.#dispatchAll();
  }

  addCredits(worker: WorkerPeer, credits: number): void {
    worker.credits += credits;
    this.#dispatchAll();
  }

  /** A worker went away: its batches go back to the front of their buffers, counted as a loss. */
  removeWorker(worker: WorkerPeer): void {
    if (!this.#workers.delete(worker)) return;
    this.#hung.forgetWorker(worker.id);
    const now = this.#options.clock.now();
    for (const name of worker.functions) {
      if (![...this.#workers].some((w) => w.functions.has(name))) this.#retention.observe(name, false, now);
    }
    // A batch that was alone on the worker caused its loss, or shared it with none (policy/bisection.ts).
    const alone = worker.inFlight.size === 1;
    for (const batch of [...worker.inFlight]) {
      if (this.#batches.get(batch.id) !== batch) continue; // abandoned meanwhile (its chunks finished)
      this.#forgetBatch(batch);
      this.#counter(batch.functionName).workerLosses += 1;
      this.#batchLost(batch, "lost", alone);
    }
    this.emit("worker-left", worker);
    this.#dispatchAll();
  }

  // ---- clients -------------------------------------------------------------------------------------------------

  /** Validates and buffers a chunk; answers `accepted` or an `error` frame. */
  submit(client: ClientPeer, message: SubmitMessage, body: Uint8Array): void {
    const fail = (code: string, text: string, retryable = false) =>
      client.send(encodeFrame({ type: "error", callId: message.callId, chunk: message.chunk, code, message: text, retryable, rows: message.rows }));
    this.#prune();
    const verdict = checkSubmit(this.#functions.get(message.function)?.spec, [...this.#functions.keys()], message, body, this.#options.maxBufferedRows);
    if (!verdict.ok) return fail(verdict.code, verdict.message);
    const bytesCap = this.#maxBufferedBytes;
    if (body.byteLength > bytesCap) return fail(ErrorCode.QueueFull, oversizedChunkMessage(message.chunk, body.byteLength, bytesCap));
    const fn = this.#functions.get(message.function)!;
    const rowCount = verdict.rowCount;
    const key = chunkKey(message.callId, message.chunk);
    if (client.chunks.has(key)) {
      return fail(ErrorCode.InvalidArgument, `chunk ${message.chunk} of call ${message.callId} was already submitted`);
    }
    const counters = this.#counter(fn.spec.name);
    const cap = this.#options.maxBufferedRows;
    if (fn.bufferedRows + rowCount > cap) {
      counters.queueFull += 1;
      return fail(ErrorCode.QueueFull, rowsFullMessage(fn.spec.name, fn.bufferedRows, cap), true);
    }
    if (rowCount > 0 && bytesFull(fn.bufferedBytes, body.byteLength, bytesCap)) {
      counters.queueFull += 1;
      return fail(ErrorCode.QueueFull, bytesFullMessage(fn.spec.name, fn.bufferedBytes, body.byteLength, bytesCap), true);
    }
    const now = this.#options.clock.now();
    const chunk: ChunkEntry = {
      key, callId: message.callId, chunk: message.chunk, functionName: fn.spec.name, rows: message.rows, rowCount,
      client, submittedAt: now, bytes: rowCount > 0 ? body.byteLength : 0, batches: new Set(), results: new Map(), rowsDone: 0,
      returnErrors: message.returnErrors === true, priority: message.priority === "batch" ? "batch" : "interactive", rowErrors: [], attempts: 0, running: false, finished: false,
    };
    client.chunks.set(key, chunk);
    fn.bufferedBytes += chunk.bytes;
    counters.rowsIn += rowCount;
    const serving = [...this.#workers].filter((w) => w.functions.has(fn.spec.name)).length;
    const waiting = waitingForWorker(fn.spec.name, serving);
    client.send(encodeFrame({ type: "accepted", callId: message.callId, chunk: message.chunk, ...(waiting ? { waiting } : {}) }));
    if (message.timeoutMs !== null && message.timeoutMs !== undefined) {
      chunk.timer = this.#options.clock.setTimeout(() => this.#timeOut(chunk, message.timeoutMs!), message.timeoutMs);
      this.#chunkTimers.add(chunk.timer);
    }
    if (rowCount === 0) {
      this.#completeChunk(chunk);
      return;
    }
    // A function that batches by cost prices each row now (policy/cost.ts); the decoded table serves later splits.
    const table = fn.spec.cost ? decodeRows(body) : undefined;
    const costs = table && fn.spec.cost ? rowCosts(table, fn.spec.cost) : undefined;
    this.#enqueue(fn, [{ chunk, offset: 0, rowCount, bytes: body, table, costs, enqueuedAt: now, failures: 0, losses: 0 }], false);
    this.#dispatch(fn);
  }

  /** Drops a call's (or one chunk's) queued rows and discards its running batches' results. */
  cancel(client: ClientPeer, callId: string, chunk?: number): void {
    for (const entry of [...client.chunks.values()]) {
      if (entry.callId !== callId || (chunk !== undefined && entry.chunk !== chunk)) continue;
      this.#counter(entry.functionName).cancels += 1;
      this.#finishChunk(entry);
    }
    this.#dispatchAll(); // slots of abandoned batches are free
  }

  removeClient(client: ClientPeer): void {
    for (const entry of [...client.chunks.values()]) this.#finishChunk(entry);
    this.#dispatchAll();
  }

  // ---- worker replies ------------------------------------------------------------------------------------------

  complete(worker: WorkerPeer, message: DoneMessage, parts: Uint8Array[]): void {
    this.#hung.returned(message.batchId);
    const batch = this.#takeBatch(worker, message.batchId);
    if (!batch) return;
    const mismatch = resultMismatch(message, parts, batch.segments);
    if (mismatch) return this.#handlerFailed(batch, mismatch, false);
    const counters = this.#counter(batch.functionName);
    counters.handlerMsSum += this.#options.clock.now() - batch.dispatchedAt;
    batch.segments.forEach((segment, i) => {
      const chunk = segment.chunk;
      if (chunk.finished) return; // timed out or cancelled meanwhile: a late result is discarded
      chunk.results.set(segment.offset, parts[i]);
      chunk.rowsDone += segment.rowCount;
      if (chunk.rowsDone === chunk.rowCount) this.#completeChunk(chunk);
    });
    this.#dispatchAll();
  }

  fail(worker: WorkerPeer, message: FailedMessage): void {
    this.#hung.returned(message.batchId);
    const batch = this.#takeBatch(worker, message.batchId);
    if (batch) this.#handlerFailed(batch, message.message, message.retryable !== false);
    this.#dispatchAll();
  }

  // ---- introspection -------------------------------------------------------------------------------------------

  functions(): FunctionInfo[] {
    this.#prune();
    const hung = this.#hung.byFunction();
    const now = this.#options.clock.now();
    return [...this.#functions.values()].map((fn) => ({
      ...fn.spec,
      workers: [...this.#workers].filter((w) => w.functions.has(fn.spec.name)).length,
      bufferedRows: fn.bufferedRows,
      bufferedBytes: fn.bufferedBytes,
      inFlightBatches: fn.inFlight.size,
      hung: hung[fn.spec.name] ?? [],
      deployed: this.#deployed.has(fn.spec.name),
      oldestWaitingSeconds: oldestPendingSeconds(fn, now),
    }));
  }

  metrics(): FunctionMetrics {
    return functionMetrics(this.functions(), (name) => this.#counter(name));
  }

  workerCount(): number {
    return this.#workers.size;
  }

  workerList(): WorkerSummary[] {
    return describeWorkers([...this.#workers], (name) => this.#functions.get(name)?.spec);
  }

  /** Registers specs without a worker; a live worker's different spec is a conflict, as for a second worker. */
  deploy(specs: FunctionSpec[]): void {
    this.#register(specs, "deploy");
    const now = this.#options.clock.now();
    for (const spec of specs) {
      const served = [...this.#workers].some((w) => w.functions.has(spec.name));
      this.#retention.observe(spec.name, served, now);
      this.#deployed.add(spec.name);
    }
  }

  /** Takes specs a worker declares or `chalknb deploy` sends, refusing one that differs from what live workers serve. */
  #register(specs: FunctionSpec[], by: string): void {
    this.#prune();
    checkSpecs(specs, by, (name) => {
      const serving = [...this.#workers].filter((w) => w.functions.has(name));
      const fn = this.#functions.get(name);
      return serving.length > 0 && fn ? { spec: fn.spec, by: serving.slice(0, 3).map((w) => `worker ${w.name}`) } : undefined;
    });
    for (const spec of specs) {
      const existing = this.#functions.get(spec.name);
      if (existing) existing.spec = spec;
      else this.#functions.set(spec.name, { spec, buffer: [], bufferedRows: 0, bufferedBytes: 0, inFlight: new Set(), turns: new PriorityTurns() });
      this.#counters.of(spec.name);
    }
  }

  hasFunction(name: string): boolean {
    this.#prune();
    return this.#functions.has(name);
  }

  /** Stops every timer (deadlines, retries, chunk timeouts) so a closed queue never keeps the process alive. */
  async close(): Promise<void> {
    for (const fn of this.#functions.values()) {
      this.#disarmFlush(fn);
      fn.buffer = [];
      fn.bufferedRows = 0;
    }
    for (const timer of this.#retryTimers) this.#options.clock.clearTimeout(timer);
    this.#retryTimers.clear();
    for (const timer of this.#chunkTimers) this.#options.clock.clearTimeout(timer);
    this.#chunkTimers.clear();
    for (const batch of this.#batches.values()) {
      if (batch.deadlineTimer !== undefined) this.#options.clock.clearTimeout(batch.deadlineTimer);
      batch.deadlineTimer = undefined;
    }
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  #counter(name: string): FunctionCounters {
    return this.#counters.of(name);
  }

  #enqueue(fn: FunctionState, segments: Segment[], atFront: boolean): void {
    const live = segments.filter((s) => !s.chunk.finished);
    if (live.length === 0) return;
    if (atFront) fn.buffer.unshift(...live);
    else fn.buffer.push(...live);
    for (const segment of live) fn.bufferedRows += segment.rowCount;
  }

  #dispatchAll(): void {
    for (const fn of this.#functions.values()) this.#dispatch(fn);
  }

  /** Sends batches while rows and worker credit allow; otherwise arms the deadline of the oldest row. */
  #dispatch(fn: FunctionState): void {
    const { maxBufferDuration } = fn.spec;
    while (fn.bufferedRows > 0) {
      const now = this.#options.clock.now();
      const oldest = Math.min(...fn.buffer.slice(0, 64).map((s) => s.enqueuedAt));
      const { full, due } = batchReady(fn.spec, fn.buffer, fn.bufferedRows, oldest, now);
      if (!full && !due) {
        this.#armFlush(fn, oldest + maxBufferDuration);
        return;
      }
      // Rows of a bisection after lost workers run alone on a worker (policy/bisection.ts).
      const exclusive = fn.buffer[0].isolated === true && fn.buffer[0].exclusive === true;
      const worker = this.#choice.pick(this.#workers, fn.spec.name, fn.spec.needs, exclusive, (w) => w.inFlight);
      if (!worker) return; // a worker's credit or arrival calls #dispatchAll again
      orderByPriority(fn.buffer, (s) => s.chunk.priority, fn.turns);
      const segments = takeRows(fn.buffer, fn.spec);
      let rows = 0;
      for (const segment of segments) rows += segment.rowCount;
      fn.bufferedRows -= rows;
      this.#sendBatch(fn, worker, segments, rows, full ? "full" : "deadline", now - oldest, exclusive);
    }
    this.#disarmFlush(fn);
  }

  #armFlush(fn: FunctionState, at: number): void {
    if (fn.flushTimer !== undefined && fn.flushAt === at) return;
    this.#disarmFlush(fn);
    fn.flushAt = at;
    fn.flushTimer = this.#options.clock.setTimeout(() => {
      fn.flushTimer = undefined;
      fn.flushAt = undefined;
      this.#dispatch(fn);
    }, Math.max(0, at - this.#options.clock.now()));
  }

  #disarmFlush(fn: FunctionState): void {
    if (fn.flushTimer !== undefined) this.#options.clock.clearTimeout(fn.flushTimer);
    fn.flushTimer = undefined;
    fn.flushAt = undefined;
  }

  #sendBatch(fn: FunctionState, worker: WorkerPeer, segments: Segment[], rows: number, reason: "full" | "deadline", waitMs: number, exclusive = false): void {
    const attempt = batchAttempt(segments);
    const batch: Batch = {
      id: randomUUID(), functionName: fn.spec.name, segments, rowCount: rows, attempt, worker,
      dispatchedAt: this.#options.clock.now(), exclusive,
    };
    worker.credits -= 1;
    worker.inFlight.add(batch);
    fn.inFlight.add(batch);
    this.#batches.set(batch.id, batch);
    batch.deadlineTimer = this.#options.clock.setTimeout(() => this.#deadlinePassed(batch), this.#batchDeadlineMs);
    recordBatchSize(this.#counter(fn.spec.name), rows, fn.spec.maxBatchingSize, waitMs);
    for (const segment of segments) {
      const chunk = segment.chunk;
      chunk.batches.add(batch);
      chunk.attempts = Math.max(chunk.attempts, attempt);
      if (!chunk.running) {
        chunk.running = true;
        chunk.client.send(encodeFrame({ type: "progress", callId: chunk.callId, chunk: chunk.chunk, state: "running", attempts: attempt }));
      }
    }
    deliverBatch(worker, this, { id: batch.id, spec: fn.spec, attempt, rows: segments, rowCount: rows, reason });
  }

  #takeBatch(worker: WorkerPeer, batchId: string): Batch | undefined {
    const batch = this.#batches.get(batchId);
    if (!batch || batch.worker !== worker) return undefined;
    this.#forgetBatch(batch);
    worker.credits += 1;
    return batch;
  }

  #forgetBatch(batch: Batch): void {
    this.#batches.delete(batch.id);
    batch.worker.inFlight.delete(batch);
    this.#functions.get(batch.functionName)?.inFlight.delete(batch);
    for (const segment of batch.segments) segment.chunk.batches.delete(batch);
    if (batch.deadlineTimer !== undefined) this.#options.clock.clearTimeout(batch.deadlineTimer);
    batch.deadlineTimer = undefined;
  }

  /** Every chunk of a running batch finished: nobody wants its result, so its worker's slot is free now. */
  #abandonBatch(batch: Batch): void {
    if (this.#batches.get(batch.id) !== batch) return;
    this.#forgetBatch(batch);
    batch.worker.credits += 1;
  }

  /** A batch passed the batch deadline: free the slot, mark the worker hung, deliver the rows again (a loss). */
  #deadlinePassed(batch: Batch): void {
    batch.deadlineTimer = undefined;
    if (this.#batches.get(batch.id) !== batch) return;
    const worker = batch.worker;
    this.#forgetBatch(batch);
    worker.credits += 1;
    this.#hung.mark(worker, batch.id, batch.functionName);
    this.#counter(batch.functionName).batchDeadlines += 1;
    this.#batchLost(batch, "deadline", false);
    this.#dispatchAll();
  }

  readonly #bisectOps: BisectOps<Segment> = { key: (s) => s.chunk.key, split: splitSegment };

  /**
   * A batch's worker went away, or the batch passed its deadline: its rows are delivered again, and past
   * `maxWorkerLosses` bisected down to the row that costs workers (policy/bisection.ts).
   */
  #batchLost(batch: Batch, cause: "lost" | "deadline", alone: boolean): void {
    const fn = this.#functions.get(batch.functionName)!;
    const live = batch.segments.filter((s) => !s.chunk.finished);
    batchLost(live, this.#outcomes(fn), {
      cause, alone, maxWorkerLosses: this.#options.maxWorkerLosses, worker: batch.worker,
      batchDeadlineMs: this.#batchDeadlineMs, hungBatches: this.#hung.count(batch.worker.id),
    });
  }

  /** Rows that run again at once, ahead of the buffer (isolation and bisection parts, policy/bisection.ts). */
  #enqueueNow(fn: FunctionState, segments: Segment[]): void {
    const due = this.#options.clock.now() - fn.spec.maxBufferDuration;
    this.#enqueue(fn, segments.map((s) => ({ ...s, enqueuedAt: Math.min(s.enqueuedAt, due) })), true);
  }

  /**
   * A row (or rows) failed for good: with the chunk's `returnErrors` it becomes a row error and the chunk goes on;
   * without, the chunk fails naming the row.
   */
  #failRow(segment: Segment, code: string, rowMessage: string, chunkMessage: string, attempts: number): void {
    const chunk = segment.chunk;
    if (chunk.finished) return;
    if (!chunk.returnErrors) {
      const failedRows = Array.from({ length: segment.rowCount }, (_, i) => chunk.rows[0] + segment.offset + i);
      this.#failChunk(chunk, code, chunkMessage, attempts, false, failedRows);
      return;
    }
    chunk.rowErrors.push({ offset: segment.offset, count: segment.rowCount, code, message: rowMessage, attempts });
    chunk.attempts = Math.max(chunk.attempts, attempts);
    chunk.rowsDone += segment.rowCount;
    if (chunk.rowsDone === chunk.rowCount) this.#completeChunk(chunk);
  }

  /** Drops functions no worker has served for the grace period, once nothing of theirs is left. */
  #prune(): void {
    const now = this.#options.clock.now();
    for (const [name, fn] of this.#functions) {
      const pending = fn.bufferedRows > 0 || fn.inFlight.size > 0 || fn.bufferedBytes > 0;
      if (this.#deployed.has(name) || !this.#retention.expired(name, now, pending)) continue;
      if ([...this.#workers].some((w) => w.functions.has(name))) continue;
      this.#disarmFlush(fn);
      this.#functions.delete(name);
      this.#counters.delete(name);
      this.#retention.forget(name);
    }
  }

  #handlerFailed(batch: Batch, handlerMessage: string, retryable: boolean): void {
    const fn = this.#functions.get(batch.functionName)!;
    const live = batch.segments.filter((s) => !s.chunk.finished);
    handlerFailed(live, this.#outcomes(fn), { message: handlerMessage, retryable, retries: fn.spec.retries, firstBackoffMs: this.#options.retryBackoffMs });
  }

  /** How the shared policy's decisions (policy/batch-outcome.ts) act on this process's buffers and sockets. */
  #outcomes(fn: FunctionState): OutcomeActions<Segment> {
    const counters = this.#counter(fn.spec.name);
    return {
      ...this.#bisectOps,
      chunkRows: (s) => s.chunk.rows,
      describe: (s) => this.#describeChunk(s.chunk),
      failChunk: (s, message, attempts) => this.#failChunk(s.chunk, ErrorCode.HandlerFailed, message, attempts),
      failRow: (s, code, rowText, message, attempts) => this.#failRow(s, code, rowText, message, attempts),
      runNow: (segments) => this.#enqueueNow(fn, segments),
      requeue: (segments) => this.#enqueue(fn, segments, true),
      retried: (s, attempts) => s.chunk.client.send(encodeFrame({ type: "progress", callId: s.chunk.callId, chunk: s.chunk.chunk, state: "retried", attempts })),
      retryAfter: (segments, delayMs) => {
        const timer = this.#options.clock.setTimeout(() => {
          this.#retryTimers.delete(timer);
          // Retried rows go first: they have waited longest. They count against the buffer's deadline from now on.
          const now = this.#options.clock.now();
          this.#enqueue(fn, segments.map((s) => ({ ...s, enqueuedAt: now - fn.spec.maxBufferDuration })), true);
          this.#dispatch(fn);
        }, delayMs);
        this.#retryTimers.add(timer);
      },
      count: (what) => (counters[what] += 1),
    };
  }

  #timeOut(chunk: ChunkEntry, timeoutMs: number): void {
    if (chunk.finished) return;
    const fn = this.#functions.get(chunk.functionName);
    const queued = fn ? fn.buffer.filter((s) => s.chunk === chunk).reduce((n, s) => n + s.rowCount, 0) : 0;
    const running = chunk.rowCount - chunk.rowsDone - queued;
    this.#counter(chunk.functionName).timeouts += 1;
    const declaring = [...this.#workers].filter((w) => w.functions.has(chunk.functionName)).map((w) => w.hardware);
    const unplaced = unplacedReason(chunk.functionName, fn?.spec.needs, declaring, this.workerCount());
    this.#failChunk(chunk, ErrorCode.ChunkTimeout, chunkTimeoutMessage(this.#describeChunk(chunk), timeoutMs, {
      done: chunk.rowsDone, running, queued, bufferedRows: fn ? fn.bufferedRows : 0, workers: this.workerCount(), unplaced,
    }), chunk.attempts, true);
    this.#dispatchAll(); // slots of abandoned batches are free
  }

  #describeChunk(chunk: ChunkEntry): string {
    return describeChunk(chunk.functionName, chunk.chunk, chunk.rows);
  }

  #failChunk(chunk: ChunkEntry, code: string, message: string, attempts = chunk.attempts, retryable = false, failedRows?: number[]): void {
    if (chunk.finished) return;
    if (code === ErrorCode.HandlerFailed || code === ErrorCode.PoisonRow) this.#counter(chunk.functionName).failures += 1;
    this.#finishChunk(chunk);
    const error: ErrorMessage = { type: "error", callId: chunk.callId, chunk: chunk.chunk, code, message, retryable, rows: chunk.rows, attempts, ...(failedRows ? { failedRows } : {}) };
    chunk.client.send(encodeFrame(error));
  }

  #completeChunk(chunk: ChunkEntry): void {
    const offsets = [...chunk.results.keys()].sort((a, b) => a - b);
    const parts = offsets.map((o) => chunk.results.get(o)!);
    this.#counter(chunk.functionName).rowsOut += chunk.rowCount;
    this.#finishChunk(chunk);
    const errors = chunk.rowErrors.length > 0 ? [...chunk.rowErrors].sort((a, b) => a.offset - b.offset) : undefined;
    chunk.client.send(encodeFrameParts(
      { type: "result", callId: chunk.callId, chunk: chunk.chunk, parts: parts.map((p) => p.byteLength), attempts: chunk.attempts, ...(errors ? { errors } : {}) },
      parts,
    ));
  }

  /** Marks a chunk finished, stops its timer and drops its queued rows; in-flight rows are discarded on return. */
  #finishChunk(chunk: ChunkEntry): void {
    if (chunk.finished) return;
    chunk.finished = true;
    chunk.client.chunks.delete(chunk.key);
    if (chunk.timer !== undefined) {
      this.#options.clock.clearTimeout(chunk.timer);
      this.#chunkTimers.delete(chunk.timer);
    }
    // Running batches whose every chunk is now finished give their worker's slot back (the caller dispatches).
    for (const batch of [...chunk.batches]) {
      if (batch.segments.every((s) => s.chunk.finished)) this.#abandonBatch(batch);
    }
    const fn = this.#functions.get(chunk.functionName);
    if (fn) fn.bufferedBytes -= chunk.bytes;
    // A chunk whose every row came back has nothing left in the buffer: skip the scan on the hot path.
    if (!fn || fn.buffer.length === 0 || chunk.rowsDone === chunk.rowCount) return;
    fn.buffer = fn.buffer.filter((s) => {
      if (s.chunk !== chunk) return true;
      fn.bufferedRows -= s.rowCount;
      return false;
    });
  }
}
