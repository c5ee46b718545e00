import { randomUUID } from "node:crypto";
import type { EventEmitter } from "node:events";
import { encodeFrameParts } from "../../protocol/frame-codec.js";
import { ErrorCode } from "../../protocol/errors.js";
import type { DoneMessage, FailedMessage, FunctionSpec } from "../../protocol/messages.js";
import type { Clock } from "../clock.js";
import type { WorkerPeer } from "../entities.js";
import { recordBatchSize, type FunctionCounters } from "../metrics.js";
import type { BatchEvent } from "../queue-core.js";
import { HungBatches, deadlineFailureMessage } from "../policy/batch-deadline.js";
import { planFailure } from "../policy/isolation.js";
import type { Batcher, BatcherHost } from "./redis-batcher.js";
import { idMillis, type HeldEntry, type Piece, type RawEntry } from "./redis-entries.js";
import type { FinishedChunks } from "./redis-finished.js";
import { RELEASE_IDLE_MS, type HeldEntries } from "./redis-held.js";
import { describeChunk } from "./redis-owned-chunks.js";
import type { Registry } from "./redis-registry.js";
import type { ResultRouter } from "./redis-routes.js";
import { describeWorkers, meetsNeeds, unplacedReason, type WorkerSummary } from "../policy/placement.js";

interface LocalBatch {
  readonly id: string;
  readonly fn: string;
  readonly pieces: Piece[];
  readonly attempt: number;
  readonly worker: WorkerPeer;
  readonly dispatchedAt: number;
  /** Pending "running" notices to other gateways (see REMOTE_PROGRESS_DELAY_MS). */
  progressTimer?: unknown;
  /** Fires at the batch deadline (policy/batch-deadline.ts). */
  deadlineTimer?: unknown;
}

/**
 * A "running" notice to a client on another gateway costs a Redis round trip; a batch that finishes sooner than this
 * sends its result instead, which says the same and more.
 */
const REMOTE_PROGRESS_DELAY_MS = 50;

export interface DispatcherOptions {
  gatewayId: string;
  clock: Clock;
  retryBackoffMs: number;
  maxWorkerLosses: number;
  /** Longest a batch stays on a worker before its slot is freed and its rows redelivered. */
  batchDeadlineMs: number;
  registry: Registry;
  held: HeldEntries;
  finished: FinishedChunks;
  router: ResultRouter;
  events: EventEmitter;
  counters(fn: string): FunctionCounters;
  /** A Batcher (with its own blocking connection) for a function served here. */
  createBatcher(fn: string, host: BatcherHost): Batcher;
  /** Bumps the delivery count of retried entries (XCLAIM RETRYCOUNT). */
  countDelivery(fn: string, ids: string[], deliveries: number): void;
  log(line: string): void;
}

/**
 * The worker side of a gateway: the workers connected here, the batches they hold, and what happens to rows when a
 * batch comes back — results routed to the client's gateway, failures retried with backoff or reported, rows of a
 * lost worker put back. A row's entry is acked once each of its rows has been resolved one of those ways.
 */
export class Dispatcher implements BatcherHost {
  readonly gatewayId: string;
  readonly clock: Clock;
  readonly #options: DispatcherOptions;
  readonly #workers = new Set<WorkerPeer>();
  readonly #inFlight = new Map<WorkerPeer, Set<LocalBatch>>();
  readonly #batches = new Map<string, LocalBatch>();
  readonly #batchers = new Map<string, Batcher>();
  readonly #specs = new Map<string, FunctionSpec>();
  readonly #runningSent = new Set<string>();
  readonly #retryTimers = new Set<unknown>();
  readonly #hung = new HungBatches();
  #roundRobin = 0;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.gatewayId = options.gatewayId;
    this.clock = options.clock;
  }

  // ---- workers -------------------------------------------------------------------------------------------------

  addWorker(worker: WorkerPeer, specs: FunctionSpec[]): void {
    for (const spec of specs) this.#specs.set(spec.name, spec);
    this.#workers.add(worker);
    this.#inFlight.set(worker, new Set());
    for (const spec of specs) {
      if (!this.#batchers.has(spec.name)) {
        const batcher = this.#options.createBatcher(spec.name, this);
        this.#batchers.set(spec.name, batcher);
        batcher.start();
      }
    }
    this.#poke(worker);
  }

  addCredits(worker: WorkerPeer, credits: number): void {
    worker.credits += credits;
    this.#poke(worker);
  }

  /** Returns false when the worker was not known. */
  removeWorker(worker: WorkerPeer): boolean {
    if (!this.#workers.delete(worker)) return false;
    const batches = this.#inFlight.get(worker) ?? new Set();
    this.#inFlight.delete(worker);
    this.#hung.forgetWorker(worker.id);
    for (const batch of batches) {
      this.#clearTimers(batch);
      this.#batches.delete(batch.id);
      this.#options.counters(batch.fn).workerLosses += 1;
      const requeue: Piece[] = [];
      const lost = new Set<HeldEntry>();
      for (const piece of batch.pieces) {
        if (this.#isFinished(piece)) {
          this.#resolve(piece);
          continue;
        }
        piece.losses += 1;
        lost.add(piece.entry);
        if (piece.losses > this.#options.maxWorkerLosses) {
          this.#routeError(piece, ErrorCode.HandlerFailed,
            `${this.#describe(piece)} failed: the worker holding it went away ${piece.losses} times ` +
            `(the last one was ${worker.name}); check the workers' logs for crashes or out-of-memory kills`, piece.failures + piece.losses);
        } else {
          requeue.push(piece);
        }
      }
      // A loss is a delivery that never finished: if these rows are handed to another gateway, it counts it too.
      for (const entry of lost) entry.deliveries += 1;
      this.#batchers.get(batch.fn)?.requeue(requeue, true);
    }
    for (const fn of worker.functions) {
      // Rows held for a function no worker left here can take go back (a CPU worker cannot take a GPU function's).
      if (![...this.#workers].some((w) => w.functions.has(fn) && meetsNeeds(w.hardware, this.spec(fn)?.needs))) void this.#releaseCarry(fn);
    }
    this.#pokeAll();
    return true;
  }

  workersByFunction(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const worker of this.#workers) for (const fn of worker.functions) counts[fn] = (counts[fn] ?? 0) + 1;
    return counts;
  }

  workerCount(): number {
    return this.#workers.size;
  }

  workerList(): WorkerSummary[] {
    return describeWorkers([...this.#workers], (fn) => this.spec(fn));
  }

  /**
   * Why `fn`'s rows wait though workers here declare it (policy/placement.ts). Judged from this gateway's workers:
   * other gateways' hardware is not in their heartbeats.
   */
  unplaced(fn: string, connected: number): string | undefined {
    const declaring = [...this.#workers].filter((w) => w.functions.has(fn)).map((w) => w.hardware);
    return unplacedReason(fn, this.spec(fn)?.needs, declaring, connected);
  }

  localSpecs(): FunctionSpec[] {
    const served = this.workersByFunction();
    return [...this.#specs.values()].filter((s) => served[s.name]);
  }

  /** The spec local workers serve `fn` with and (up to 3 of) their names; undefined when none here serves it. */
  servedHere(fn: string): { spec: FunctionSpec; by: string[] } | undefined {
    const spec = this.#specs.get(fn);
    const by = [...this.#workers].filter((w) => w.functions.has(fn)).map((w) => `worker ${w.name}`);
    return spec && by.length > 0 ? { spec, by: by.slice(0, 3) } : undefined;
  }

  /** Names of (up to 3) local workers per function, for the heartbeat. */
  workerNames(): Record<string, string[]> {
    const names: Record<string, string[]> = {};
    for (const worker of this.#workers) {
      for (const fn of worker.functions) if ((names[fn] ??= []).length < 3) names[fn].push(worker.name);
    }
    return names;
  }

  /** Local workers holding a batch past its deadline, by function. */
  hungByFunction(): Record<string, string[]> {
    return this.#hung.byFunction();
  }

  inFlightBatches(fn: string): number {
    let n = 0;
    for (const batch of this.#batches.values()) if (batch.fn === fn) n += 1;
    return n;
  }

  /** Functions with a worker here: the ones this gateway reclaims rows for. */
  servedFunctions(): string[] {
    // Only functions a worker here may take (policy/placement.ts): reclaimed rows it cannot run would wait here.
    return Object.keys(this.workersByFunction()).filter((fn) => [...this.#workers].some((w) => w.functions.has(fn) && meetsNeeds(w.hardware, this.spec(fn)?.needs)));
  }

  // ---- worker replies ------------------------------------------------------------------------------------------

  complete(worker: WorkerPeer, message: DoneMessage, parts: Uint8Array[]): void {
    this.#hung.returned(message.batchId);
    const batch = this.#take(worker, message.batchId);
    if (!batch) return;
    if (parts.length !== batch.pieces.length || message.segments.some((s, i) => s.rows !== batch.pieces[i].rowCount)) {
      this.#handlerFailed(batch, `the worker returned ${message.segments.map((s) => s.rows).join("+")} result rows for segments of ${batch.pieces.map((p) => p.rowCount).join("+")}`, false);
      this.#poke(worker);
      return;
    }
    this.#options.counters(batch.fn).handlerMsSum += this.clock.now() - batch.dispatchedAt;
    batch.pieces.forEach((piece, i) => {
      if (this.#isFinished(piece)) return this.#resolve(piece);
      const meta = piece.entry.meta;
      this.#options.router.send(meta.g, { t: "result", k: meta.k, o: piece.offset, n: piece.rowCount, a: batch.attempt }, parts[i]).then(
        () => this.#resolve(piece),
        (error: Error) => this.#abandon(piece, error),
      );
    });
    this.#poke(worker);
  }

  fail(worker: WorkerPeer, message: FailedMessage): void {
    this.#hung.returned(message.batchId);
    const batch = this.#take(worker, message.batchId);
    if (batch) this.#handlerFailed(batch, message.message, message.retryable !== false);
    this.#poke(worker);
  }

  /**
   * Chunks finished (here or elsewhere): drop their carried rows now. A batch on a worker whose every chunk is now
   * finished is abandoned: its rows resolved and its worker's slot freed (its late reply is discarded).
   */
  dropFinished(keys: ReadonlySet<string>): void {
    for (const batcher of this.#batchers.values()) {
      for (const piece of batcher.remove((p) => keys.has(p.entry.meta.k))) this.#resolve(piece);
    }
    const freed = new Set<WorkerPeer>();
    for (const batch of [...this.#batches.values()]) {
      if (!batch.pieces.some((p) => keys.has(p.entry.meta.k)) || !batch.pieces.every((p) => this.#isFinished(p))) continue;
      this.#take(batch.worker, batch.id);
      for (const piece of batch.pieces) this.#resolve(piece);
      freed.add(batch.worker);
    }
    for (const worker of freed) this.#poke(worker);
  }

  /** Pieces reclaimed from a dead gateway (or our own lost reads): they go first. */
  requeueReclaimed(fn: string, pieces: Piece[]): void {
    this.#batchers.get(fn)?.requeue(pieces, true);
  }

  /** Every piece carried or in flight here (close hands their entries back). */
  heldFunctions(): string[] {
    return [...this.#batchers.keys()];
  }

  async close(): Promise<void> {
    for (const timer of this.#retryTimers) this.clock.clearTimeout(timer);
    this.#retryTimers.clear();
    for (const batch of this.#batches.values()) this.#clearTimers(batch);
    await Promise.all([...this.#batchers.values()].map((b) => b.close()));
  }

  // ---- BatcherHost ---------------------------------------------------------------------------------------------

  spec(fn: string): FunctionSpec | undefined {
    return this.#specs.get(fn) ?? this.#options.registry.spec(fn);
  }

  hasFreeWorker(fn: string): boolean {
    const needs = this.spec(fn)?.needs;
    for (const worker of this.#workers) if (worker.credits > 0 && worker.functions.has(fn) && meetsNeeds(worker.hardware, needs)) return true;
    return false;
  }

  ensureGroup(fn: string): Promise<void> {
    return this.#options.registry.ensureGroup(fn, true);
  }

  log(line: string): void {
    this.#options.log(line);
  }

  adopt(fn: string, entries: RawEntry[], deliveries: number): Piece[] {
    const { held, registry } = this.#options;
    const pieces: Piece[] = [];
    const spec = this.spec(fn);
    for (const raw of entries) {
      const entry = held.adopt(fn, raw, deliveries);
      if (!entry) continue;
      const meta = entry.meta;
      const expired = meta.d !== null && registry.redisNow() > meta.d + 1000;
      const piece: Piece = {
        entry, offset: meta.o, rowCount: meta.n, bytes: raw.body, enqueuedAt: registry.toLocal(idMillis(raw.id)),
        failures: 0, losses: deliveries - 1,
      };
      if (this.#isFinished(piece) || expired) {
        this.#resolve(piece);
        continue;
      }
      // Reclaimed entries count earlier deliveries as losses; past every allowance they are poison.
      const allowance = this.#options.maxWorkerLosses + (spec?.retries ?? 0);
      if (piece.losses > allowance) {
        this.#routeError(piece, ErrorCode.HandlerFailed,
          `${this.#describe(piece)} failed: its rows were delivered ${deliveries} times without a result ` +
          `(the gateway or worker holding them went away each time); check the gateways' and workers' logs`, deliveries - 1);
        continue;
      }
      pieces.push(piece);
    }
    return pieces;
  }

  dispatch(fn: string, candidates: Piece[], reason: "full" | "deadline", waitMs: number): boolean {
    const pieces = candidates.filter((piece) => {
      if (!this.#isFinished(piece)) return true;
      this.#resolve(piece);
      return false;
    });
    if (pieces.length === 0) return true;
    const worker = this.#pickWorker(fn);
    if (!worker) {
      this.#batchers.get(fn)?.requeue(pieces, true);
      return true;
    }
    const spec = this.spec(fn)!;
    const rows = pieces.reduce((n, p) => n + p.rowCount, 0);
    const attempt = Math.max(...pieces.map((p) => p.failures + p.losses)) + 1;
    const batch: LocalBatch = { id: randomUUID(), fn, pieces, attempt, worker, dispatchedAt: this.clock.now() };
    worker.credits -= 1;
    this.#inFlight.get(worker)!.add(batch);
    this.#batches.set(batch.id, batch);
    batch.deadlineTimer = this.clock.setTimeout(() => this.#deadlinePassed(batch), this.#options.batchDeadlineMs);
    recordBatchSize(this.#options.counters(fn), rows, spec.maxBatchingSize, waitMs);
    const remote: Piece[] = [];
    for (const piece of pieces) {
      const meta = piece.entry.meta;
      if (meta.g === this.gatewayId) this.#options.router.send(meta.g, { t: "progress", k: meta.k, s: "running", a: attempt });
      else remote.push(piece);
    }
    if (remote.length > 0) batch.progressTimer = this.clock.setTimeout(() => this.#announceRunning(batch, remote), REMOTE_PROGRESS_DELAY_MS);
    worker.send(encodeFrameParts(
      { type: "batch", batchId: batch.id, function: fn, attempt, segments: pieces.map((p) => ({ rows: p.rowCount, bytes: p.bytes.byteLength })) },
      pieces.map((p) => p.bytes),
    ));
    this.#options.events.emit("batch", { functionName: fn, batchId: batch.id, rows, reason, attempt, workerId: worker.id } satisfies BatchEvent);
    return true;
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  #handlerFailed(batch: LocalBatch, handlerMessage: string, retryable: boolean): void {
    const spec = this.spec(batch.fn);
    const retries = spec?.retries ?? 0;
    const live = batch.pieces.filter((piece) => {
      if (!this.#isFinished(piece)) return true;
      this.#resolve(piece);
      return false;
    });
    const plan = planFailure(live, (p) => p.entry.meta.k, retryable, retries);
    if (plan.isolate) {
      // Several chunks shared the batch: run each alone now; nothing is charged to them (policy/isolation.ts).
      this.#options.counters(batch.fn).isolations += 1;
      const due = this.clock.now() - (spec?.maxBufferDuration ?? 0);
      for (const piece of plan.items) piece.enqueuedAt = Math.min(piece.enqueuedAt, due);
      this.#batchers.get(batch.fn)?.requeue(plan.items, true);
      return;
    }
    const retry = plan.retry;
    for (const piece of plan.fail) {
      const attempts = piece.failures + piece.losses;
      this.#routeError(piece, ErrorCode.HandlerFailed,
        `${this.#describe(piece)} failed after ${attempts} attempt${attempts === 1 ? "" : "s"} (retries: ${retries}): ${handlerMessage}`, attempts);
    }
    if (retry.length === 0) return;
    this.#options.counters(batch.fn).retries += 1;
    const notified = new Set<string>();
    for (const piece of retry) {
      const meta = piece.entry.meta;
      if (notified.has(meta.k)) continue;
      notified.add(meta.k);
      void this.#options.router.send(meta.g, { t: "progress", k: meta.k, s: "retried", a: piece.failures + 1 }).catch(() => {});
    }
    const backoff = Math.min(5000, this.#options.retryBackoffMs * 2 ** (Math.max(...retry.map((p) => p.failures)) - 1));
    const timer = this.clock.setTimeout(() => {
      this.#retryTimers.delete(timer);
      // Retried rows go first: they have waited longest. They count against the buffer's deadline from now on.
      const now = this.clock.now();
      const due = spec?.maxBufferDuration ?? 0;
      const live = retry.filter((piece) => {
        if (!this.#isFinished(piece)) return true;
        this.#resolve(piece);
        return false;
      });
      const entries = new Map(live.map((p) => [p.entry.id, p.entry]));
      for (const entry of entries.values()) entry.deliveries += 1;
      if (entries.size > 0) this.#options.countDelivery(batch.fn, [...entries.keys()], Math.max(...[...entries.values()].map((e) => e.deliveries)));
      for (const piece of live) piece.enqueuedAt = now - due;
      this.#batchers.get(batch.fn)?.requeue(live, true);
    }, backoff);
    this.#retryTimers.add(timer);
  }

  #routeError(piece: Piece, code: string, message: string, attempts: number): void {
    const meta = piece.entry.meta;
    this.#options.router.send(meta.g, { t: "error", k: meta.k, code, message, a: attempts, retryable: false }).then(
      () => this.#resolve(piece),
      (error: Error) => this.#abandon(piece, error),
    );
  }

  #announceRunning(batch: LocalBatch, pieces: Piece[]): void {
    batch.progressTimer = undefined;
    for (const piece of pieces) {
      const meta = piece.entry.meta;
      if (this.#runningSent.has(meta.k) || this.#isFinished(piece)) continue;
      if (this.#runningSent.size > 10_000) this.#runningSent.clear();
      this.#runningSent.add(meta.k);
      void this.#options.router.send(meta.g, { t: "progress", k: meta.k, s: "running", a: batch.attempt }).catch(() => {});
    }
  }

  #take(worker: WorkerPeer, batchId: string): LocalBatch | undefined {
    const batch = this.#batches.get(batchId);
    if (!batch || batch.worker !== worker) return undefined;
    this.#clearTimers(batch);
    this.#batches.delete(batchId);
    this.#inFlight.get(worker)?.delete(batch);
    worker.credits += 1;
    return batch;
  }

  #clearTimers(batch: LocalBatch): void {
    if (batch.progressTimer !== undefined) this.clock.clearTimeout(batch.progressTimer);
    if (batch.deadlineTimer !== undefined) this.clock.clearTimeout(batch.deadlineTimer);
    batch.progressTimer = undefined;
    batch.deadlineTimer = undefined;
  }

  /** A batch passed the batch deadline: free the slot, mark the worker hung, deliver the rows again (a loss). */
  #deadlinePassed(batch: LocalBatch): void {
    batch.deadlineTimer = undefined;
    const worker = batch.worker;
    if (!this.#take(worker, batch.id)) return;
    this.#hung.mark(worker, batch.id, batch.fn);
    this.#options.counters(batch.fn).batchDeadlines += 1;
    const requeue: Piece[] = [];
    const lost = new Set<HeldEntry>();
    for (const piece of batch.pieces) {
      if (this.#isFinished(piece)) {
        this.#resolve(piece);
        continue;
      }
      piece.losses += 1;
      lost.add(piece.entry);
      if (piece.losses > this.#options.maxWorkerLosses) {
        this.#routeError(piece, ErrorCode.HandlerFailed,
          deadlineFailureMessage(this.#describe(piece), piece.losses, this.#options.batchDeadlineMs, worker.name, this.#hung.count(worker.id)),
          piece.failures + piece.losses);
      } else {
        requeue.push(piece);
      }
    }
    for (const entry of lost) entry.deliveries += 1;
    this.#batchers.get(batch.fn)?.requeue(requeue, true);
    this.#poke(worker);
  }

  #pickWorker(fn: string): WorkerPeer | undefined {
    const needs = this.spec(fn)?.needs;
    const candidates = [...this.#workers].filter((w) => w.credits > 0 && w.functions.has(fn) && meetsNeeds(w.hardware, needs));
    if (candidates.length === 0) return undefined;
    this.#roundRobin = (this.#roundRobin + 1) % candidates.length;
    return candidates[this.#roundRobin];
  }

  #isFinished(piece: Piece): boolean {
    const meta = piece.entry.meta;
    return this.#options.finished.has(meta.k) || this.#options.registry.isDead(meta.g);
  }

  #resolve(piece: Piece): void {
    this.#options.held.resolve(piece.entry, piece.rowCount);
  }

  #abandon(piece: Piece, error: Error): void {
    this.#options.log(`could not route rows of ${piece.entry.meta.k} (they will run again): ${error.message}`);
    this.#options.held.abandon(piece.entry);
  }

  async #releaseCarry(fn: string): Promise<void> {
    const batcher = this.#batchers.get(fn);
    if (!batcher) return;
    const pieces = batcher.remove(() => true);
    const entries = [...new Set(pieces.map((p) => p.entry))];
    if (entries.length === 0) return;
    await this.#options.held.release(fn, entries, RELEASE_IDLE_MS).catch((error: Error) =>
      this.#options.log(`could not hand back ${entries.length} entries of "${fn}": ${error.message}`));
  }

  #describe(piece: Piece): string {
    const meta = piece.entry.meta;
    return describeChunk(piece.entry.fn, meta.c, meta.r);
  }

  #poke(worker: WorkerPeer): void {
    for (const fn of worker.functions) this.#batchers.get(fn)?.poke();
  }

  #pokeAll(): void {
    for (const batcher of this.#batchers.values()) batcher.poke();
  }
}
