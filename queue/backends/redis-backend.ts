import { EventEmitter } from "node:events";
import { randomUUID } from "node:crypto";
import type { ChalknbError } from "../../protocol/errors.js";
import { encodeFrame } from "../../protocol/frame-codec.js";
import type { DoneMessage, FailedMessage, FunctionSpec, SubmitMessage } from "../../protocol/messages.js";
import type { QueueBackend } from "../backend.js";
import type { Clock } from "../clock.js";
import type { ClientPeer, WorkerPeer } from "../entities.js";
import { functionMetrics, CounterTable, type FunctionCounters, type FunctionMetrics } from "../metrics.js";
import type { FunctionInfo, WorkerSummary } from "../../protocol/queue-api.js";
import { DEFAULT_BATCH_DEADLINE_MS, DEFAULT_FUNCTION_GRACE_MS, DEFAULT_MAX_BUFFERED_BYTES } from "../policy/defaults.js";
import { checkSpecs, specConflictError } from "../policy/spec-conflict.js";
import { Batcher } from "./redis-batcher.js";
import { checkReachable, onReconnect, openRedis, redactUrl, type RedisClient, type RedisTarget } from "./redis-connection.js";
import { Dispatcher } from "./redis-dispatcher.js";
import { FinishedChunks } from "./redis-finished.js";
import { HeldEntries, RELEASE_IDLE_MS } from "./redis-held.js";
import { ROWS_GROUP, redisKeys, type RedisKeys } from "./redis-keys.js";
import { Intake } from "./redis-intake.js";
import { reclaimIdle } from "./redis-reclaim.js";
import { Registry } from "./redis-registry.js";
import { ResultRouter, type RouteMessage } from "./redis-routes.js";
import { defineScripts, type RedisScripts } from "./redis-scripts.js";

export interface RedisBackendOptions {
  /**
   * e.g. redis://127.0.0.1:6379 (rediss:// for TLS; a password goes in the URL). With `cluster`, one or more
   * comma-separated seed nodes of a Redis Cluster: redis://10.0.0.1:6379,redis://10.0.0.2:6379
   */
  url: string;
  /** Connect to a Redis Cluster (ioredis `Cluster`) instead of one server. @default false */
  cluster?: boolean;
  clock: Clock;
  /** Per-function cap on rows submitted and not yet finished, across every gateway. @default 100_000 */
  maxBufferedRows: number;
  /** Per-function cap on bytes of rows submitted and not yet finished, across every gateway. @default 1 GiB */
  maxBufferedBytes?: number;
  /** Longest a batch stays on a worker before its slot is freed and its rows redelivered. @default 10 min */
  batchDeadlineMs?: number;
  /** A function no worker on any live gateway serves leaves the registry after this long. @default 60_000 */
  functionGraceMs?: number;
  /** @default 100 */
  retryBackoffMs: number;
  /** @default 3 */
  maxWorkerLosses: number;
  /** Prefix of every key, so several queues (or test runs) share one Redis. @default "chalknb" */
  keyPrefix?: string;
  /**
   * An entry left pending this long by a gateway that stopped refreshing its claims (it died) is reclaimed by
   * another gateway. Heartbeats run every quarter of it. @default 10_000
   */
  claimIdleMs?: number;
  /** Time Redis has to answer at start-up. @default 5_000 */
  connectTimeoutMs?: number;
  log?: (line: string) => void;
}

/** Starts a gateway on the Redis backend; rejects with a clear error when Redis is unreachable. */
export async function createRedisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const gatewayId = randomUUID();
  const log = options.log ?? ((line: string) => process.stderr.write(`chalknb queue: ${line}\n`));
  const name = `chalknb-gw-${gatewayId.slice(0, 8)}`;
  const target: RedisTarget = { url: options.url, cluster: options.cluster ?? false };
  const command = openRedis(target, name, log, { pipeline: true });
  try {
    await checkReachable(command, target, options.connectTimeoutMs ?? 5000);
  } catch (error) {
    command.disconnect();
    throw error;
  }
  const backend = new RedisBackend(options, gatewayId, command, log);
  await backend.start();
  return backend;
}

/**
 * A gateway of the Redis backend. Rows go into a per-function stream (one entry per chunk); gateways whose workers
 * have credit read it as consumers of one group and form batches; results travel to the result stream of the
 * gateway that holds the client's socket. Everything a gateway holds stays in Redis until acked, so a dead gateway's
 * rows are reclaimed by the others. See docs/deployment.md for the guarantees.
 */
export class RedisBackend extends EventEmitter implements QueueBackend {
  readonly gatewayId: string;
  readonly #options: RedisBackendOptions;
  readonly #log: (line: string) => void;
  readonly #keys: RedisKeys;
  readonly #command: RedisClient;
  readonly #scripts: RedisScripts;
  readonly #claimIdleMs: number;
  readonly #counters = new CounterTable();
  readonly #registry: Registry;
  readonly #held: HeldEntries;
  readonly #finished: FinishedChunks;
  readonly #router: ResultRouter;
  readonly #intake: Intake;
  readonly #dispatcher: Dispatcher;
  readonly #connections: RedisClient[] = [];
  /** Without auto-pipelining: ioredis 5 cannot auto-pipeline callBuffer (XAUTOCLAIM has no typed Buffer variant). */
  readonly #plain: RedisClient;
  /** Redis reconnected (or came back empty) since the last heartbeat: check our chunks' rows are still there. */
  #verify = false;
  #heartbeat: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #closed = false;

  /** @internal use createRedisBackend() */
  constructor(options: RedisBackendOptions, gatewayId: string, command: RedisClient, log: (line: string) => void) {
    super();
    this.gatewayId = gatewayId;
    this.#options = options;
    this.#log = log;
    this.#keys = redisKeys(options.keyPrefix ?? "chalknb");
    this.#command = command;
    this.#scripts = defineScripts(command);
    this.#claimIdleMs = options.claimIdleMs ?? 10_000;
    const open = (role: string) => {
      const connection = openRedis({ url: options.url, cluster: options.cluster ?? false }, `chalknb-gw-${gatewayId.slice(0, 8)}-${role}`, log);
      this.#connections.push(connection);
      return connection;
    };
    this.#plain = open("claims");
    // The command connection is up when this runs (createRedisBackend pinged): any later "ready" is a reconnect
    // (on a Cluster, also a new connection to a master: a failover or a restarted node).
    onReconnect(command, () => (this.#verify = true));
    this.#registry = new Registry({
      // Dropping a dead gateway's rows only saves work, so "dead" is judged generously: a gateway whose event loop
      // stalled must not lose its clients' rows.
      command, scripts: this.#scripts, keys: this.#keys, gatewayId, clock: options.clock, staleMs: Math.max(3 * this.#claimIdleMs, 30_000),
      graceMs: options.functionGraceMs ?? DEFAULT_FUNCTION_GRACE_MS,
      local: () => ({
        workers: this.#dispatcher.workersByFunction(), count: this.#dispatcher.workerCount(), specs: this.#dispatcher.localSpecs(),
        names: this.#dispatcher.workerNames(), hung: this.#dispatcher.hungByFunction(),
      }),
      onDataLoss: () => {
        this.#log("Redis came back without its data (restarted without AOF, or flushed); re-submitting the chunks waiting here");
        this.#verify = true;
      },
    });
    this.#held = new HeldEntries({ command, scripts: this.#scripts, keys: this.#keys, gatewayId, log });
    this.#finished = new FinishedChunks({
      channel: this.#keys.finished, subscriber: open("sub"), command, log,
      onRemoteFinished: (keys) => this.#dispatcher.dropFinished(new Set(keys)),
    });
    this.#router = new ResultRouter({
      gatewayId, keys: this.#keys, scripts: this.#scripts, command, reader: open("results"),
      ttlMs: Math.max(60_000, 6 * this.#claimIdleMs), deliver: (message, body) => this.#deliver(message, body), log,
    });
    this.#intake = new Intake({
      gatewayId, clock: options.clock, keys: this.#keys, scripts: this.#scripts, registry: this.#registry,
      maxBufferedRows: options.maxBufferedRows, maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, counters: (fn) => this.#counter(fn), log,
      onAbandoned: (keys) => {
        this.#finished.announce(keys);
        this.#dispatcher.dropFinished(new Set(keys));
      },
      unplaced: (fn) => this.#dispatcher.unplaced(fn, this.#registry.totalWorkers()),
    });
    this.#dispatcher = new Dispatcher({
      gatewayId, clock: options.clock, retryBackoffMs: options.retryBackoffMs, maxWorkerLosses: options.maxWorkerLosses,
      batchDeadlineMs: options.batchDeadlineMs ?? DEFAULT_BATCH_DEADLINE_MS, registry: this.#registry, held: this.#held, finished: this.#finished, router: this.#router, events: this,
      counters: (fn) => this.#counter(fn),
      createBatcher: (fn, host) => new Batcher(fn, this.#keys.rows(fn), open(`read-${fn}`), command, host),
      countDelivery: (fn, ids, deliveries) => void command.xclaim(this.#keys.rows(fn), ROWS_GROUP, gatewayId, 0, ...ids, "RETRYCOUNT", deliveries, "JUSTID").catch(() => {}),
      log,
    });
  }

  /** @internal first heartbeat (clock offset, specs), subscriptions and the result reader. */
  async start(): Promise<void> {
    await this.#registry.refresh();
    await this.#finished.start();
    this.#router.start();
    this.#heartbeat = setInterval(() => void this.#beat(), Math.max(50, Math.floor(this.#claimIdleMs / 4)));
    this.#heartbeat.unref();
  }

  // ---- workers -------------------------------------------------------------------------------------------------

  /**
   * Throws (ChalknbError) when workers here, or on another live gateway as the last heartbeat saw them, serve one of
   * `specs` with another spec. Redis then checks again atomically (a gateway may have registered one since): a
   * worker refused there is closed with the same message.
   */
  addWorker(worker: WorkerPeer, specs: FunctionSpec[]): void {
    checkSpecs(specs, worker.name, (name) => this.#dispatcher.servedHere(name) ?? this.#registry.servedElsewhere(name));
    for (const spec of specs) this.#counters.of(spec.name);
    this.#dispatcher.addWorker(worker, specs);
    this.emit("worker-joined", worker);
    this.#registry.register(specs).then(
      (conflict) => {
        if (!conflict) return;
        const error = specConflictError(conflict, specs.find((s) => s.name === conflict.name)!, worker.name);
        this.#log(error.message);
        this.#refuseWorker(worker, error);
      },
      (error: Error) => this.#log(`could not register ${specs.map((s) => s.name).join(", ")}: ${error.message}`),
    );
  }

  /** `chalknb deploy`: checked like a joining worker's specs, here and then atomically in Redis. */
  async deploy(specs: FunctionSpec[]): Promise<void> {
    checkSpecs(specs, "deploy", (name) => this.#dispatcher.servedHere(name) ?? this.#registry.servedElsewhere(name));
    for (const spec of specs) this.#counters.of(spec.name);
    const conflict = await this.#registry.deploy(specs);
    if (conflict) throw specConflictError(conflict, specs.find((s) => s.name === conflict.name)!, "deploy");
  }

  addCredits(worker: WorkerPeer, credits: number): void {
    this.#dispatcher.addCredits(worker, credits);
  }

  removeWorker(worker: WorkerPeer): void {
    if (this.#dispatcher.removeWorker(worker)) this.emit("worker-left", worker);
  }

  complete(worker: WorkerPeer, message: DoneMessage, parts: Uint8Array[]): void {
    this.#dispatcher.complete(worker, message, parts);
  }

  fail(worker: WorkerPeer, message: FailedMessage): void {
    this.#dispatcher.fail(worker, message);
  }

  // ---- clients -------------------------------------------------------------------------------------------------

  submit(client: ClientPeer, message: SubmitMessage, body: Uint8Array): void {
    this.#intake.submit(client, message, body);
  }

  cancel(client: ClientPeer, callId: string, chunk?: number): void {
    this.#intake.owned.cancel(client, callId, chunk);
  }

  removeClient(client: ClientPeer): void {
    this.#intake.owned.removeClient(client);
  }

  // ---- introspection -------------------------------------------------------------------------------------------

  functions(): FunctionInfo[] {
    const specs = new Map(this.#registry.specs().map((s) => [s.name, s]));
    for (const spec of this.#dispatcher.localSpecs()) specs.set(spec.name, spec);
    return [...specs.values()].map((spec) => ({
      name: spec.name, maxBatchingSize: spec.maxBatchingSize, maxBufferDuration: spec.maxBufferDuration, retries: spec.retries, inputs: spec.inputs,
      ...(spec.cost ? { maxBatchingCost: spec.maxBatchingCost, cost: spec.cost, ...(spec.sortByCost ? { sortByCost: true } : {}) } : {}),
      workers: this.#registry.workers(spec.name),
      bufferedRows: this.#registry.bufferedRows(spec.name),
      bufferedBytes: this.#registry.bufferedBytes(spec.name),
      inFlightBatches: this.#dispatcher.inFlightBatches(spec.name),
      hung: this.#registry.hung(spec.name),
      deployed: this.#registry.isDeployed(spec.name),
      oldestWaitingSeconds: this.#registry.oldestPendingSeconds(spec.name),
    }));
  }

  metrics(): FunctionMetrics {
    return functionMetrics(this.functions(), (name) => this.#counter(name));
  }

  workerCount(): number {
    return this.#registry.totalWorkers();
  }

  /** This gateway's workers (other gateways' hardware is not in their heartbeats). */
  workerList(): WorkerSummary[] {
    return this.#dispatcher.workerList();
  }

  hasFunction(name: string): boolean {
    return this.#registry.spec(name) !== undefined;
  }

  async refresh(): Promise<void> {
    await this.#registry.refresh();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#intake.owned.close();
    // Hand back every entry held here so other gateways take them at their next reclaim, not after claimIdleMs.
    await bestEffort(Promise.all(this.#dispatcher.heldFunctions().map((fn) => this.#held.release(fn, this.#held.entries(fn), RELEASE_IDLE_MS))));
    await bestEffort(this.#held.flushNow());
    await bestEffort(this.#beating ?? Promise.resolve());
    await bestEffort(this.#registry.refresh(true));
    await bestEffort(this.#dispatcher.close());
    await bestEffort(this.#router.close());
    this.#finished.close();
    for (const connection of this.#connections) connection.disconnect();
    await bestEffort(this.#command.quit());
    this.#command.disconnect();
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  /** A worker accepted here whose spec Redis refused: it stops getting batches (its rows go to others) and is closed. */
  #refuseWorker(worker: WorkerPeer, error: ChalknbError): void {
    this.removeWorker(worker);
    if (worker.close) worker.close(error.code, error.message);
    else worker.send(encodeFrame({ type: "error", code: error.code, message: error.message, retryable: false }));
  }

  #deliver(message: RouteMessage, body: Uint8Array): void {
    if (message.t === "result") this.#intake.owned.result(message.k, message.o, message.n, body, message.a);
    else if (message.t === "progress") this.#intake.owned.progress(message.k, message.s, message.a);
    else if (message.t === "error") this.#intake.owned.error(message.k, message.code, message.message, message.a, message.retryable, message.rows);
    else if (message.t === "rowError") this.#intake.owned.rowError(message.k, message.o, message.n, message.code, message.message, message.a);
  }

  async #beat(): Promise<void> {
    if (this.#beating || this.#closed) return;
    // Each step on its own: a Redis that lost our consumer group must not stop the reclaim that repairs it.
    const step = async (what: string, run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        if (!this.#closed) this.#log(`heartbeat (${what}) to ${redactUrl(this.#options.url)}: ${(error as Error).message}`);
      }
    };
    this.#beating = (async () => {
      await step("registry", () => this.#registry.refresh());
      if (this.#verify) {
        this.#verify = false;
        await step("verify", () => this.#intake.verifyPending());
      }
      await step("claims", () => this.#held.refresh());
      await step("result stream", () => this.#router.touch());
      this.#finished.prune();
      for (const fn of this.#dispatcher.servedFunctions()) {
        await step(`reclaim "${fn}"`, async () => {
          await this.#registry.ensureGroup(fn);
          const reclaimed = await reclaimIdle(this.#plain, this.#keys.rows(fn), this.gatewayId, this.#claimIdleMs);
          if (reclaimed.length === 0) return;
          this.#log(`reclaimed ${reclaimed.length} entries of "${fn}" left by a gateway that stopped (or by a lost read)`);
          const pieces = reclaimed.flatMap(({ raw, deliveries }) => this.#dispatcher.adopt(fn, [raw], deliveries));
          this.#dispatcher.requeueReclaimed(fn, pieces);
        });
      }
    })().finally(() => (this.#beating = undefined));
    await this.#beating;
  }

  #counter(name: string): FunctionCounters {
    return this.#counters.of(name);
  }
}

/** Close must not hang on a Redis that is gone: each step gets 2 s. */
async function bestEffort(promise: Promise<unknown>, ms = 2000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
