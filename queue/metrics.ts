/** Per-function counters behind `GET /metrics` (Prometheus text format) and `GET /v1/functions`. */
export interface FunctionCounters {
  rowsIn: number;
  rowsOut: number;
  batches: number;
  batchRowsSum: number;
  batchFillSum: number;
  waitMsSum: number;
  handlerMsSum: number;
  retries: number;
  failures: number;
  timeouts: number;
  cancels: number;
  queueFull: number;
  workerLosses: number;
  /** Failed batches of several chunks, run again one chunk per batch (policy/isolation.ts). */
  isolations: number;
  /** Batches taken back from their worker at the batch deadline (policy/batch-deadline.ts). */
  batchDeadlines: number;
  batchSizeBuckets: number[];
}

export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];

/** Each function's counters, made on first use, the same on every backend. */
export class CounterTable {
  readonly #byFunction = new Map<string, FunctionCounters>();

  of(name: string): FunctionCounters {
    let counters = this.#byFunction.get(name);
    if (!counters) this.#byFunction.set(name, (counters = newCounters()));
    return counters;
  }

  delete(name: string): void {
    this.#byFunction.delete(name);
  }
}

export function newCounters(): FunctionCounters {
  return {
    rowsIn: 0,
    rowsOut: 0,
    batches: 0,
    batchRowsSum: 0,
    batchFillSum: 0,
    waitMsSum: 0,
    handlerMsSum: 0,
    retries: 0,
    failures: 0,
    timeouts: 0,
    cancels: 0,
    queueFull: 0,
    workerLosses: 0,
    isolations: 0,
    batchDeadlines: 0,
    batchSizeBuckets: BATCH_SIZE_BUCKETS.map(() => 0),
  };
}

export function recordBatchSize(counters: FunctionCounters, rows: number, maxBatchingSize: number, waitMs: number): void {
  counters.batches += 1;
  counters.batchRowsSum += rows;
  counters.batchFillSum += rows / maxBatchingSize;
  counters.waitMsSum += waitMs;
  BATCH_SIZE_BUCKETS.forEach((bound, i) => {
    if (rows <= bound) counters.batchSizeBuckets[i] += 1;
  });
}

export interface FunctionGauges {
  bufferedRows: number;
  bufferedBytes: number;
  inFlightBatches: number;
  workers: number;
  /** Workers holding a batch of the function past the batch deadline. */
  hungWorkers: number;
  /**
   * Age of the oldest row submitted and not yet finished (queued or on a worker): with `bufferedRows`, the backlog
   * signal an autoscaler reads. Undefined where the backend does not measure it.
   */
  oldestWaitingSeconds?: number;
}

export type FunctionMetrics = Map<string, { counters: FunctionCounters; gauges: FunctionGauges }>;

/** Pairs each function's counters with the gauges its FunctionInfo reports (the same for every backend). */
export function functionMetrics(
  functions: ReadonlyArray<{ name: string; bufferedRows: number; bufferedBytes: number; inFlightBatches: number; workers: number; hung: readonly string[]; oldestWaitingSeconds?: number }>,
  counters: (name: string) => FunctionCounters,
): FunctionMetrics {
  return new Map(functions.map((info) => [info.name, {
    counters: counters(info.name),
    gauges: {
      bufferedRows: info.bufferedRows, bufferedBytes: info.bufferedBytes, inFlightBatches: info.inFlightBatches, workers: info.workers,
      hungWorkers: info.hung.length,
      ...(info.oldestWaitingSeconds === undefined ? {} : { oldestWaitingSeconds: info.oldestWaitingSeconds }),
    },
  }]));
}

/** Renders counters and gauges as Prometheus exposition text. */
export function renderPrometheus(functions: Map<string, { counters: FunctionCounters; gauges: FunctionGauges }>): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, value: (c: FunctionCounters, g: FunctionGauges) => number) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [fn, { counters, gauges }] of functions) lines.push(`${name}{function=${quote(fn)}} ${value(counters, gauges)}`);
  };
  metric("chalknb_rows_in_total", "counter", "Rows submitted.", (c) => c.rowsIn);
  metric("chalknb_rows_out_total", "counter", "Rows whose results reached their client.", (c) => c.rowsOut);
  metric("chalknb_batches_total", "counter", "Batches dispatched to workers.", (c) => c.batches);
  metric("chalknb_batch_fill_ratio", "gauge", "Mean batch size over maxBatchingSize.", (c) => (c.batches ? c.batchFillSum / c.batches : 0));
  metric("chalknb_batch_wait_seconds_sum", "counter", "Time the oldest row of each batch waited in the buffer.", (c) => c.waitMsSum / 1000);
  metric("chalknb_handler_seconds_sum", "counter", "Time batches spent on workers.", (c) => c.handlerMsSum / 1000);
  metric("chalknb_retries_total", "counter", "Batches retried after a handler error.", (c) => c.retries);
  metric("chalknb_failures_total", "counter", "Chunks failed after their retries ran out.", (c) => c.failures);
  metric("chalknb_timeouts_total", "counter", "Chunks that timed out.", (c) => c.timeouts);
  metric("chalknb_cancels_total", "counter", "Chunks cancelled by their client.", (c) => c.cancels);
  metric("chalknb_queue_full_total", "counter", "Submits refused with queue_full.", (c) => c.queueFull);
  metric("chalknb_worker_losses_total", "counter", "Batches redelivered because their worker went away.", (c) => c.workerLosses);
  metric("chalknb_isolations_total", "counter", "Failed batches of several chunks run again one chunk per batch.", (c) => c.isolations);
  metric("chalknb_batch_deadlines_total", "counter", "Batches taken back from their worker at the batch deadline.", (c) => c.batchDeadlines);
  metric("chalknb_buffered_rows", "gauge", "Rows waiting in the buffer.", (_, g) => g.bufferedRows);
  metric("chalknb_buffered_bytes", "gauge", "Bytes of chunks submitted and not yet finished.", (_, g) => g.bufferedBytes);
  metric("chalknb_in_flight_batches", "gauge", "Batches on workers now.", (_, g) => g.inFlightBatches);
  metric("chalknb_workers", "gauge", "Workers serving the function.", (_, g) => g.workers);
  metric("chalknb_hung_workers", "gauge", "Workers holding a batch of the function past the batch deadline.", (_, g) => g.hungWorkers);
  // Only functions whose backend measures it: a missing series is honest, a 0 would tell an autoscaler nothing waits.
  lines.push("# HELP chalknb_oldest_waiting_seconds Age of the oldest row submitted and not yet finished (queued or running).", "# TYPE chalknb_oldest_waiting_seconds gauge");
  for (const [fn, { gauges }] of functions) {
    if (gauges.oldestWaitingSeconds !== undefined) lines.push(`chalknb_oldest_waiting_seconds{function=${quote(fn)}} ${gauges.oldestWaitingSeconds}`);
  }
  lines.push("# HELP chalknb_batch_size Rows per batch.", "# TYPE chalknb_batch_size histogram");
  for (const [fn, { counters }] of functions) {
    BATCH_SIZE_BUCKETS.forEach((bound, i) => {
      lines.push(`chalknb_batch_size_bucket{function=${quote(fn)},le="${bound}"} ${counters.batchSizeBuckets[i]}`);
    });
    lines.push(`chalknb_batch_size_bucket{function=${quote(fn)},le="+Inf"} ${counters.batches}`);
    lines.push(`chalknb_batch_size_sum{function=${quote(fn)}} ${counters.batchRowsSum}`);
    lines.push(`chalknb_batch_size_count{function=${quote(fn)}} ${counters.batches}`);
  }
  return lines.join("\n") + "\n";
}

function quote(label: string): string {
  return `"${label.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}
