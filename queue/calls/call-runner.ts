import { EventEmitter } from "node:events";
import { waitingForWorker } from "../policy/waiting.js";
import { randomUUID } from "node:crypto";
import { ChalknbError, ErrorCode } from "../../protocol/errors.js";
import { encodeFrame } from "../../protocol/frame-codec.js";
import type { ErrorMessage, ResultMessage } from "../../protocol/messages.js";
import type { CallStatus } from "../../protocol/queue-api.js";
import type { QueueBackend } from "../backend.js";
import type { Clock } from "../clock.js";
import type { ClientPeer } from "../entities.js";
import {
  effectiveRecord, expiredError, isFinished, summarize, TERMINAL_CHUNK_STATES, unknownCallMessage, type CallRecord, type ChunkRecord,
} from "./call-record.js";
import type { CallEvent, CallStore } from "./call-store.js";
import { internalClient, type InternalFrame } from "./internal-client.js";

export interface CallRunnerOptions {
  backend: QueueBackend;
  store: CallStore;
  clock: Clock;
  /** Results are kept this long after a call finishes. @default 3_600_000 (1 h) */
  resultTtlMs: number;
  /** Most bytes of results kept, all calls together; past it the oldest finished calls' results go early. @default 1 GiB */
  resultMaxBytes: number;
  /**
   * Several gateways share the store (Redis): calls are driven under a lease, renewed every third of `leaseMs`, and
   * a gateway takes over a call whose lease lapsed (its gateway stopped). False: this process is the only driver.
   */
  shared: boolean;
  /** Real milliseconds a driver's lease lasts without renewal. @default 10_000 */
  leaseMs: number;
  log(line: string): void;
}

/** A call this gateway drives now. */
interface Driven {
  record: CallRecord;
  chunks: Array<ChunkRecord | undefined>;
  /** The callId its chunks are submitted under: new for each driver, so a former driver's late answers never count. */
  submission: string;
  client: ClientPeer;
  /** Chunk indices not yet submitted, in input order. */
  waiting: number[];
  inFlight: Set<number>;
  stopped: boolean;
  /** Store writes of one call run one after another, in the order its frames came. */
  chain: Promise<void>;
  timers: Set<unknown>;
}

/** First wait after `queue_full`; doubles up to 2 s (as the SDK's chunk runner does). */
const INITIAL_BACKOFF_MS = 25;
/** A tombstone (an expired call's record) is kept this long, so `get` says "expired", not "unknown". */
const TOMBSTONE_MS = 24 * 3_600_000;

/**
 * Runs spawned calls on the queue: the one policy for memory and Redis (the store differs). It acts as a client of
 * the backend (queue/calls/internal-client.ts) that submits at most `concurrentChunks` chunks of a call at a time,
 * stores each finished chunk's result frame, and marks the call finished. Results expire `resultTtlMs` after the
 * call finished, or earlier, oldest first, when they pass `resultMaxBytes`.
 *
 * Events: `chunk-submitted` ({ callId, chunk, inFlight }), `chunk-finished` ({ callId, chunk, state }),
 * `call-finished` ({ callId, state }).
 */
export class CallRunner extends EventEmitter {
  readonly ownerId = randomUUID();
  readonly #o: CallRunnerOptions;
  readonly #driven = new Map<string, Driven>();
  /** Calls this gateway is asked to cancel for a client, waiting for their driver elsewhere to say it is done. */
  readonly #waiters = new Map<string, Set<() => void>>();
  #leaseTimer: NodeJS.Timeout | undefined;
  #sweepTimer: unknown;
  #evicting: Promise<void> | undefined;
  #scanning = false;
  #closed = false;

  constructor(options: CallRunnerOptions) {
    super();
    this.#o = options;
    options.store.onEvent((event) => this.#onEvent(event));
  }

  get store(): CallStore {
    return this.#o.store;
  }

  get resultTtlMs(): number {
    return this.#o.resultTtlMs;
  }

  /** Starts the lease loop (shared stores) and the expiry sweep; a shared store's orphaned calls are taken at once. */
  async start(): Promise<void> {
    this.#armSweep();
    if (!this.#o.shared) return;
    this.#leaseTimer = setInterval(() => void this.#leases(), Math.max(50, Math.floor(this.#o.leaseMs / 3)));
    this.#leaseTimer.unref();
    await this.#leases();
  }

  /** Every row of a spawned call is stored: from now on it runs here (or, on Redis, wherever holds its lease). */
  async accept(record: CallRecord): Promise<void> {
    const running: CallRecord = { ...record, state: "running" };
    await this.#o.store.putRecord(running);
    if (running.ranges.length === 0) {
      await this.#finishRecord(running, "done");
      return;
    }
    await this.#o.store.setActive(running.id, true);
    if (await this.#o.store.lease(running.id, this.ownerId, this.#o.leaseMs)) this.#drive(running, running.ranges.map(() => undefined));
  }

  /** A call's status as readers see it now (expired once its results passed their TTL). */
  async status(id: string): Promise<CallStatus> {
    const record = await this.record(id);
    const chunks = await this.#o.store.chunks(id, record.ranges.length);
    return this.#withWaiting(summarize(record, chunks));
  }

  /** A running call of a function no worker serves (a deployed one) says so (policy/waiting.ts). */
  #withWaiting(status: CallStatus): CallStatus {
    if (status.state !== "running" && status.state !== "receiving") return status;
    const workers = this.#o.backend.functions().find((f) => f.name === status.function)?.workers ?? 0;
    const waiting = waitingForWorker(status.function, workers);
    return waiting ? { ...status, waiting } : status;
  }

  /** The record, read through expiry; throws CHALKNB_UNKNOWN_CALL for an id the store does not have. */
  async record(id: string): Promise<CallRecord> {
    const stored = await this.#o.store.record(id);
    if (!stored) throw new ChalknbError(ErrorCode.UnknownCall, unknownCallMessage(id));
    const record = effectiveRecord(stored, this.#o.clock.now());
    if (record.state === "expired" && stored.state !== "expired") void this.#expire(stored, false);
    return record.state === "expired" && !record.error ? { ...record, error: expiredError(record, this.#o.resultTtlMs, false) } : record;
  }

  /** Every call, newest first, as `GET /v1/calls` lists them. */
  async list(): Promise<CallStatus[]> {
    const records = (await this.#o.store.list()).slice(0, 200);
    return Promise.all(records.map(async (stored) => {
      const record = effectiveRecord(stored, this.#o.clock.now());
      return summarize(record, await this.#o.store.chunks(record.id, record.ranges.length));
    }));
  }

  /** Cancels a call wherever it runs; resolves with its status after. A finished call is left as it is. */
  async cancel(id: string): Promise<CallStatus> {
    const record = await this.record(id);
    if (isFinished(record)) return this.status(id);
    const driven = this.#driven.get(id);
    if (driven) {
      await this.#stopAs(driven, "cancelled");
      return this.status(id);
    }
    if (await this.#o.store.lease(id, this.ownerId, this.#o.leaseMs)) {
      // Nobody drives it (its gateway stopped): finish it here.
      const current = await this.#o.store.record(id);
      if (current && !isFinished(current)) await this.#finishRecord(current, "cancelled");
      else await this.#o.store.release(id, this.ownerId);
      return this.status(id);
    }
    const finished = new Promise<void>((resolve) => {
      let set = this.#waiters.get(id);
      if (!set) this.#waiters.set(id, (set = new Set()));
      set.add(resolve);
      setTimeout(resolve, 5000).unref();
    });
    this.#o.store.publish({ kind: "cancel", callId: id });
    await finished;
    return this.status(id);
  }

  /** Stops driving (leases released, so another gateway takes over at once); the calls stay as they are. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#leaseTimer);
    if (this.#sweepTimer !== undefined) this.#o.clock.clearTimeout(this.#sweepTimer);
    const driven = [...this.#driven.values()];
    for (const call of driven) this.#detach(call);
    // Handing the leases back lets another gateway take the calls at once; a Redis that is gone gets 2 s, then they lapse.
    const released = Promise.all(driven.map((call) => this.#o.store.release(call.record.id, this.ownerId).catch(() => {})));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([released, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
    await this.#o.store.close();
  }

  // ---- driving -------------------------------------------------------------------------------------------------

  #drive(record: CallRecord, chunks: Array<ChunkRecord | undefined>): void {
    if (this.#closed || this.#driven.has(record.id)) return;
    const call: Driven = {
      record, chunks, submission: `${record.id}~${randomUUID().slice(0, 8)}`, waiting: [], inFlight: new Set(), stopped: false, chain: Promise.resolve(), timers: new Set(),
      client: internalClient((frame) => this.#onFrame(call, frame)),
    };
    record.ranges.forEach((_, i) => {
      if (!chunks[i] || !TERMINAL_CHUNK_STATES.has(chunks[i]!.state)) call.waiting.push(i);
    });
    this.#driven.set(record.id, call);
    if (call.waiting.length === 0) {
      this.#serially(call, () => this.#finishIfDone(call));
      return;
    }
    this.#pump(call);
  }

  /** Submits chunks while the call has fewer than `concurrentChunks` in flight: the queue's bound, not the client's. */
  #pump(call: Driven): void {
    while (!call.stopped && call.inFlight.size < call.record.concurrentChunks && call.waiting.length > 0) {
      const index = call.waiting.shift()!;
      call.inFlight.add(index);
      void this.#submit(call, index);
    }
  }

  async #submit(call: Driven, index: number): Promise<void> {
    const { record } = call;
    let body: Uint8Array | undefined;
    try {
      body = await this.#o.store.body(record.id, index);
    } catch (error) {
      this.#o.log(`call ${record.id}: could not read chunk ${index}'s rows: ${(error as Error).message}; trying again`);
      this.#later(call, () => this.#retry(call, index), 1000);
      return;
    }
    if (call.stopped) return;
    if (!body) {
      this.#onFrame(call, { header: { type: "error", callId: call.submission, chunk: index, code: ErrorCode.ResultExpired, retryable: false, rows: record.ranges[index],
        message: `the rows of chunk ${index} of call ${record.id} are no longer stored (the call's data expired or was removed)` }, body: new Uint8Array(0) });
      return;
    }
    this.emit("chunk-submitted", { callId: record.id, chunk: index, inFlight: call.inFlight.size });
    this.#o.backend.submit(call.client, {
      type: "submit", callId: call.submission, chunk: index, function: record.function, rows: record.ranges[index], timeoutMs: record.timeoutMs,
      ...(record.returnErrors ? { returnErrors: true } : {}), priority: record.priority,
    }, body);
  }

  #retry(call: Driven, index: number): void {
    if (call.stopped) return;
    call.inFlight.delete(index);
    call.waiting.unshift(index);
    this.#pump(call);
  }

  #onFrame(call: Driven, frame: InternalFrame): void {
    if (call.stopped) return;
    const header = frame.header;
    if (header.type === "progress") {
      const state: ChunkRecord = { state: header.state, attempts: header.attempts };
      this.#serially(call, async () => {
        call.chunks[header.chunk] = state;
        await this.#o.store.putChunk(call.record.id, header.chunk, state);
        this.#o.store.publish({ kind: "chunk", callId: call.record.id, chunk: header.chunk, state: header.state, attempts: header.attempts });
      });
      return;
    }
    if (header.type === "result") {
      const index = header.chunk;
      const rowErrors = (header.errors ?? []).reduce((n, e) => n + e.count, 0);
      const state: ChunkRecord = { state: "done", attempts: header.attempts, ...(rowErrors > 0 ? { rowErrors } : {}) };
      // Stored as the frame an attached client gets, under the call's own id.
      const { bodyParts: _detached, ...plain } = header as ResultMessage & { bodyParts?: number };
      const stored = encodeFrame({ ...plain, callId: call.record.id }, frame.body);
      // States change in the order the store has them: a call is done only once every result is stored.
      this.#serially(call, async () => {
        call.chunks[index] = state;
        await this.#o.store.putChunk(call.record.id, index, state, stored);
        this.#o.store.publish({ kind: "chunk", callId: call.record.id, chunk: index, state: "done", attempts: header.attempts });
        call.inFlight.delete(index);
        this.emit("chunk-finished", { callId: call.record.id, chunk: index, state: "done" });
        this.#pump(call);
        await this.#finishIfDone(call);
        this.#limitBytes();
      });
      return;
    }
    if (header.type === "error" && header.chunk !== undefined) {
      const index = header.chunk;
      if (header.code === ErrorCode.QueueFull && header.retryable) {
        // The backend protects its memory: this chunk waits and goes again (it still holds its slot).
        const tries = (call.chunks[index]?.attempts ?? 0) + 1;
        call.chunks[index] = { state: "queued", attempts: tries };
        this.#later(call, () => this.#retry(call, index), Math.min(2000, INITIAL_BACKOFF_MS * 2 ** Math.min(tries, 10)));
        return;
      }
      const error: ErrorMessage = { ...header, callId: call.record.id };
      const state: ChunkRecord = { state: "failed", attempts: header.attempts ?? 0, error };
      this.#serially(call, async () => {
        call.chunks[index] = state;
        await this.#o.store.putChunk(call.record.id, index, state);
        this.#o.store.publish({ kind: "chunk", callId: call.record.id, chunk: index, state: "failed", attempts: state.attempts, error });
        call.inFlight.delete(index);
        this.emit("chunk-finished", { callId: call.record.id, chunk: index, state: "failed" });
        // As chunkedCall does: the first failed chunk fails the call and drops the rest.
        call.record.error = { code: header.code, message: header.message, chunk: index };
        await this.#stop(call, "failed");
      });
    }
  }

  async #finishIfDone(call: Driven): Promise<void> {
    if (call.stopped || call.chunks.length < call.record.ranges.length) return;
    if (!call.record.ranges.every((_, i) => call.chunks[i]?.state === "done")) return;
    this.#detach(call);
    await this.#finishRecord(call.record, "done");
  }

  /** Ends a call driven here: what is still queued or running is dropped on the backend and marked cancelled. */
  async #stop(call: Driven, state: "failed" | "cancelled"): Promise<void> {
    if (call.stopped) return;
    this.#detach(call);
    const open = call.record.ranges.map((_, i) => i).filter((i) => !call.chunks[i] || !TERMINAL_CHUNK_STATES.has(call.chunks[i]!.state));
    await Promise.all(open.map((i) => this.#o.store.putChunk(call.record.id, i, { state: "cancelled", attempts: call.chunks[i]?.attempts ?? 0 })));
    await this.#finishRecord(call.record, state);
  }

  #stopAs(call: Driven, state: "cancelled"): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#serially(call, () => this.#stop(call, state).then(resolve, reject)));
  }

  /** Stops this gateway's part in a call: its chunks leave the backend, its timers stop; the record is untouched. */
  #detach(call: Driven): void {
    if (call.stopped) return;
    call.stopped = true;
    this.#driven.delete(call.record.id);
    for (const timer of call.timers) this.#o.clock.clearTimeout(timer);
    call.timers.clear();
    this.#o.backend.cancel(call.client, call.submission);
  }

  async #finishRecord(record: CallRecord, state: "done" | "failed" | "cancelled"): Promise<void> {
    const now = this.#o.clock.now();
    const finished: CallRecord = { ...record, state, finishedAt: now, expiresAt: now + this.#o.resultTtlMs };
    await this.#o.store.putRecord(finished);
    await this.#o.store.setActive(record.id, false);
    await this.#o.store.release(record.id, this.ownerId);
    this.#o.store.publish({ kind: "call", callId: record.id });
    this.emit("call-finished", { callId: record.id, state });
  }

  #serially(call: Driven, step: () => Promise<void> | void): void {
    call.chain = call.chain.then(step).catch((error: Error) => this.#o.log(`call ${call.record.id}: ${error.message}`));
  }

  #later(call: Driven, run: () => void, ms: number): void {
    const timer = this.#o.clock.setTimeout(() => {
      call.timers.delete(timer);
      run();
    }, ms);
    call.timers.add(timer);
  }

  #onEvent(event: CallEvent): void {
    if (event.kind === "cancel") {
      const call = this.#driven.get(event.callId);
      if (call) void this.#stopAs(call, "cancelled");
    } else if (event.kind === "call") {
      const waiters = this.#waiters.get(event.callId);
      this.#waiters.delete(event.callId);
      for (const resolve of waiters ?? []) resolve();
    }
  }

  // ---- leases (shared stores) ----------------------------------------------------------------------------------

  /** Renews the leases of calls driven here, and takes calls nobody drives (their gateway stopped). */
  async #leases(): Promise<void> {
    if (this.#scanning || this.#closed) return;
    this.#scanning = true;
    try {
      for (const call of [...this.#driven.values()]) {
        if (!(await this.#o.store.lease(call.record.id, this.ownerId, this.#o.leaseMs))) {
          this.#o.log(`call ${call.record.id}: another gateway took its lease; it drives the call from now on`);
          this.#detach(call);
        }
      }
      for (const id of await this.#o.store.active()) {
        if (this.#closed || this.#driven.has(id)) continue;
        if (!(await this.#o.store.lease(id, this.ownerId, this.#o.leaseMs))) continue;
        const record = await this.#o.store.record(id);
        if (!record || isFinished(record) || record.state !== "running") {
          await this.#o.store.setActive(id, false);
          await this.#o.store.release(id, this.ownerId);
          continue;
        }
        const chunks = await this.#o.store.chunks(id, record.ranges.length);
        this.#o.log(`took over call ${id} to "${record.function}" (${chunks.filter((c) => c?.state === "done").length}/${record.ranges.length} chunks done)`);
        // Chunks that were on their way elsewhere run again here; finished ones stay.
        this.#drive(record, chunks.map((c) => (c && TERMINAL_CHUNK_STATES.has(c.state) ? c : undefined)));
      }
    } catch (error) {
      if (!this.#closed) this.#o.log(`spawned calls: ${(error as Error).message}`);
    } finally {
      this.#scanning = false;
    }
  }

  // ---- expiry --------------------------------------------------------------------------------------------------

  #armSweep(): void {
    if (this.#closed) return;
    const every = Math.max(1000, Math.min(60_000, Math.floor(this.#o.resultTtlMs / 4)));
    this.#sweepTimer = this.#o.clock.setTimeout(() => {
      this.#sweepTimer = undefined;
      void this.#sweep().finally(() => this.#armSweep());
    }, every);
  }

  async #sweep(): Promise<void> {
    const now = this.#o.clock.now();
    try {
      for (const record of await this.#o.store.list()) {
        if (record.state === "expired") {
          if ((record.expiresAt ?? 0) + TOMBSTONE_MS <= now) await this.#o.store.forget(record.id);
        } else if (isFinished(record) && record.expiresAt !== undefined && record.expiresAt <= now) {
          await this.#expire(record, false);
        } else if (record.state === "receiving" && record.createdAt + Math.max(this.#o.resultTtlMs, 600_000) <= now) {
          await this.#o.store.forget(record.id); // a spawn whose client went away before sending every chunk
        }
      }
    } catch (error) {
      if (!this.#closed) this.#o.log(`spawned calls: expiry sweep: ${(error as Error).message}`);
    }
  }

  async #expire(record: CallRecord, evicted: boolean): Promise<void> {
    const now = this.#o.clock.now();
    await this.#o.store.dropData({ ...record, state: "expired", expiresAt: evicted ? now : record.expiresAt, error: expiredError(record, this.#o.resultTtlMs, evicted) });
  }

  /** Past `resultMaxBytes`, the oldest finished calls' results go first. One pass at a time. */
  #limitBytes(): void {
    this.#evicting ??= (async () => {
      try {
        if ((await this.#o.store.resultBytes()) <= this.#o.resultMaxBytes) return;
        const finished = (await this.#o.store.list()).filter((r) => isFinished(r) && r.state !== "expired").sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0));
        for (const record of finished) {
          if ((await this.#o.store.resultBytes()) <= this.#o.resultMaxBytes) break;
          this.#o.log(`dropping the results of call ${record.id} early: stored results passed --result-max-bytes ${this.#o.resultMaxBytes}`);
          await this.#expire(record, true);
        }
      } catch (error) {
        this.#o.log(`spawned calls: result limit: ${(error as Error).message}`);
      } finally {
        this.#evicting = undefined;
      }
    })();
  }
}
