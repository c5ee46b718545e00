import { randomUUID } from "node:crypto";
import type { EventEmitter } from "node:events";
import { ErrorCode } from "../../protocol/errors.js";
import { decodeRows } from "../../protocol/arrow-ipc.js";
import type { DoneMessage, FailedMessage, FunctionSpec } from "../../protocol/messages.js";
import type { Clock } from "../clock.js";
import type { WorkerPeer } from "../entities.js";
import { recordBatchSize, type FunctionCounters } from "../metrics.js";
import { HungBatches, } from "../policy/batch-deadline.js";
import type { BisectOps } from "../policy/bisection.js";
import { rowCosts } from "../policy/cost.js";
import type { Batcher, BatcherHost } from "./redis-batcher.js";
import { idMillis, splitPiece, type Piece, type RawEntry } from "./redis-entries.js";
import type { FinishedChunks } from "./redis-finished.js";
import { RELEASE_IDLE_MS, type HeldEntries } from "./redis-held.js";
import { describeChunk } from "../chunk-messages.js";
import type { Registry } from "./redis-registry.js";
import type { ResultRouter } from "./redis-routes.js";
import { describeWorkers, meetsNeeds, unplacedReason } from "../policy/placement.js";
import { WorkerChoice } from "../policy/worker-choice.js";
import { batchLost, handlerFailed, type OutcomeActions } from "../policy/batch-outcome.js";
import { batchAttempt, deliverBatch, resultMismatch } from "../batch-delivery.js";
import type { WorkerSummary } from "../../protocol/queue-api.js";

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
  /** Runs alone on its worker (policy/bisection.ts). */
  readonly exclusive: boolean;
}

/**
 * A "running" notice to a client on another gateway costs a Redis round trip; a batch that finishes sooner than this
 * sends its result instead, which says the same and more.
 */
const REMOTE_PROGRESS_DELAY_MS = 50;

/**
 * When a function's last worker here leaves while rows of it are in a bisection (policy/bisection.ts), its rows stay
 * here this long before they are handed back: the search lives in this gateway's memory (handed back, the rows would
 * start over as whole entries), and a supervisor restarts a crashed worker at once. Other rows go back at once.
 */
const BISECTION_HOLD_MS = 5000;

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
  /** Functions whose rows in a bisection wait for a worker here before they are handed back (BISECTION_HOLD_MS). */
  readonly #holds = new Map<string, NodeJS.Timeout>();
  readonly #choice = new WorkerChoice();

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.gatewayId = options.gatewayId;
    this.clock = options.clock;
  }

  // ---- workers -------------------------------------------------------------------------------------------------

  addWorker(worker: WorkerPeer, specs: FunctionSpec[]): void {
    for (const spec of specs) this.#specs.set(spec.name, spec);
    for (const spec of specs) {
      clearTimeout(this.#holds.get(spec.name));
      this.#holds.delete(spec.name);
    }
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
    // A batch that was alone on the worker caused its loss, or shared it with none (policy/bisection.ts).
    const alone = batches.size === 1;
    for (const batch of batches) {
      this.#clearTimers(batch);
      this.#batches.delete(batch.id);
      this.#options.counters(batch.fn).workerLosses += 1;
      this.#batchLost(batch, "lost", alone);
    }
    for (const fn of worker.functions) {
      // Rows held for a function no worker left here can take go back (a CPU worker cannot take a GPU function's).
      if (!this.#servesHere(fn)) this.#releaseSoon(fn);
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
    const mismatch = resultMismatch(message, parts, batch.pieces);
    if (mismatch) {
      this.#handlerFailed(batch, mismatch, false);
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
    for (const timer of this.#holds.values()) clearTimeout(timer);
    this.#holds.clear();
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
      if (spec?.cost) {
        // A function that batches by cost prices each row (policy/cost.ts); the decoded table serves later splits.
        piece.table = decodeRows(raw.body);
        piece.costs = rowCosts(piece.table, spec.cost);
      }
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
    // Rows of a bisection after lost workers run alone on a worker (policy/bisection.ts).
    const exclusive = pieces[0].isolated === true && pieces[0].exclusive === true;
    const worker = this.#choice.pick(this.#workers, fn, this.spec(fn)?.needs, exclusive, (w) => this.#inFlight.get(w));
    if (!worker) return false; // the batcher keeps the rows and waits for a worker's credit
    const spec = this.spec(fn)!;
    const rows = pieces.reduce((n, p) => n + p.rowCount, 0);
    const attempt = batchAttempt(pieces);
    const batch: LocalBatch = { id: randomUUID(), fn, pieces, attempt, worker, dispatchedAt: this.clock.now(), exclusive };
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
    deliverBatch(worker, this.#options.events, { id: batch.id, spec, attempt, rows: pieces, rowCount: rows, reason });
    return true;
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  #handlerFailed(batch: LocalBatch, handlerMessage: string, retryable: boolean): void {
    const spec = this.spec(batch.fn);
    handlerFailed(this.#live(batch), this.#outcomes(batch.fn), {
      message: handlerMessage, retryable, retries: spec?.retries ?? 0, firstBackoffMs: this.#options.retryBackoffMs,
    });
  }

  /** The batch's rows whose chunk still waits for them; the others are resolved (their entry may be acknowledged). */
  #live(batch: LocalBatch): Piece[] {
    return batch.pieces.filter((piece) => {
      if (!this.#isFinished(piece)) return true;
      this.#resolve(piece);
      return false;
    });
  }

  /** How the shared policy's decisions (policy/batch-outcome.ts) act on this gateway's carry and on the owners' gateways. */
  #outcomes(fn: string): OutcomeActions<Piece> {
    return {
      ...this.#bisectOps,
      chunkRows: (piece) => piece.entry.meta.r,
      describe: (piece) => this.#describe(piece),
      failChunk: (piece, message, attempts) => this.#routeError(piece, ErrorCode.HandlerFailed, message, attempts),
      failRow: (piece, code, rowText, message, attempts) => this.#failRow(piece, code, rowText, message, attempts),
      runNow: (pieces) => this.#requeueNow(fn, pieces),
      requeue: (pieces) => this.#batchers.get(fn)?.requeue(pieces, true),
      retried: (piece, attempts) => {
        const meta = piece.entry.meta;
        void this.#options.router.send(meta.g, { t: "progress", k: meta.k, s: "retried", a: attempts }).catch(() => {});
      },
      retryAfter: (pieces, delayMs) => {
        const timer = this.clock.setTimeout(() => {
          this.#retryTimers.delete(timer);
          // Retried rows go first: they have waited longest. They count against the buffer's deadline from now on.
          const now = this.clock.now();
          const due = this.spec(fn)?.maxBufferDuration ?? 0;
          const live = pieces.filter((piece) => {
            if (!this.#isFinished(piece)) return true;
            this.#resolve(piece);
            return false;
          });
          const entries = new Map(live.map((p) => [p.entry.id, p.entry]));
          for (const entry of entries.values()) entry.deliveries += 1;
          if (entries.size > 0) this.#options.countDelivery(fn, [...entries.keys()], Math.max(...[...entries.values()].map((e) => e.deliveries)));
          for (const piece of live) piece.enqueuedAt = now - due;
          this.#batchers.get(fn)?.requeue(live, true);
        }, delayMs);
        this.#retryTimers.add(timer);
      },
      count: (what) => (this.#options.counters(fn)[what] += 1),
    };
  }

  readonly #bisectOps: BisectOps<Piece> = { key: (p) => p.entry.meta.k, split: splitPiece };

  /**
   * A batch's worker went away, or the batch passed its deadline: its rows are delivered again, and past
   * `maxWorkerLosses` bisected down to the row that costs workers (policy/bisection.ts).
   */
  #batchLost(batch: LocalBatch, cause: "lost" | "deadline", alone: boolean): void {
    const live = this.#live(batch);
    // A loss is a delivery that never finished: if these rows are handed to another gateway, it counts it too.
    for (const entry of new Set(live.map((p) => p.entry))) entry.deliveries += 1;
    batchLost(live, this.#outcomes(batch.fn), {
      cause, alone, maxWorkerLosses: this.#options.maxWorkerLosses, worker: batch.worker,
      batchDeadlineMs: this.#options.batchDeadlineMs, hungBatches: this.#hung.count(batch.worker.id),
    });
  }

  /** Rows that run again at once, ahead of the carry (isolation and bisection parts, policy/bisection.ts). */
  #requeueNow(fn: string, pieces: Piece[]): void {
    if (pieces.length === 0) return;
    const due = this.clock.now() - (this.spec(fn)?.maxBufferDuration ?? 0);
    for (const piece of pieces) piece.enqueuedAt = Math.min(piece.enqueuedAt, due);
    this.#batchers.get(fn)?.requeue(pieces, true);
  }

  /**
   * Rows failed for good: with the chunk's `returnErrors` they go to its owner as a row error and the chunk goes on;
   * without, the chunk fails naming them.
   */
  #failRow(piece: Piece, code: string, rowMessage: string, chunkMessage: string, attempts: number): void {
    const meta = piece.entry.meta;
    if (meta.e !== 1) {
      const failedRows = Array.from({ length: piece.rowCount }, (_, i) => meta.r[0] + piece.offset + i);
      this.#routeError(piece, code, chunkMessage, attempts, failedRows);
      return;
    }
    this.#options.router.send(meta.g, { t: "rowError", k: meta.k, o: piece.offset, n: piece.rowCount, code, message: rowMessage, a: attempts }).then(
      () => this.#resolve(piece),
      (error: Error) => this.#abandon(piece, error),
    );
  }

  #routeError(piece: Piece, code: string, message: string, attempts: number, failedRows?: number[]): void {
    const meta = piece.entry.meta;
    this.#options.router.send(meta.g, { t: "error", k: meta.k, code, message, a: attempts, retryable: false, ...(failedRows ? { rows: failedRows } : {}) }).then(
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
    this.#batchLost(batch, "deadline", false);
    this.#poke(worker);
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

  /** A worker here may take `fn`'s rows. */
  #servesHere(fn: string): boolean {
    return [...this.#workers].some((w) => w.functions.has(fn) && meetsNeeds(w.hardware, this.spec(fn)?.needs));
  }

  /** No worker here takes `fn` any more: its carry goes back now, or after BISECTION_HOLD_MS while a bisection runs. */
  #releaseSoon(fn: string): void {
    const searching = this.#batchers.get(fn)?.carried().some((piece) => piece.group !== undefined) ?? false;
    if (!searching) {
      void this.#releaseCarry(fn);
      return;
    }
    if (this.#holds.has(fn)) return;
    const timer = setTimeout(() => {
      this.#holds.delete(fn);
      if (!this.#servesHere(fn)) void this.#releaseCarry(fn);
    }, BISECTION_HOLD_MS);
    timer.unref();
    this.#holds.set(fn, timer);
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
