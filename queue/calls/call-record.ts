import { ErrorCode } from "../../protocol/errors.js";
import type { CallChunkInfo, CallPriority, ErrorMessage } from "../../protocol/messages.js";
import type { CallStatus, SpawnedCallState } from "../../protocol/queue-api.js";

/** A spawned call as the call store keeps it; chunk states are kept apart (they change often). */
export interface CallRecord {
  id: string;
  function: string;
  ranges: Array<[number, number]>;
  concurrentChunks: number;
  timeoutMs: number | null;
  returnErrors: boolean;
  priority: CallPriority;
  state: SpawnedCallState;
  createdAt: number;
  finishedAt?: number;
  expiresAt?: number;
  error?: { code: string; message: string; chunk?: number };
}

/** One chunk of a spawned call. `error` is the queue's error frame for a failed chunk, as the client gets it. */
export interface ChunkRecord {
  state: CallChunkInfo["state"];
  attempts: number;
  /** Rows of a `returnErrors` chunk that failed alone. */
  rowErrors?: number;
  error?: ErrorMessage;
}

export const TERMINAL_CALL_STATES: ReadonlySet<SpawnedCallState> = new Set(["done", "failed", "cancelled", "expired"]);
export const TERMINAL_CHUNK_STATES: ReadonlySet<ChunkRecord["state"]> = new Set(["done", "failed", "cancelled"]);

export function isFinished(record: CallRecord): boolean {
  return TERMINAL_CALL_STATES.has(record.state);
}

/**
 * The record as a reader sees it at `now`: a finished call whose results passed their expiry reads as expired,
 * whether or not the sweep has removed them yet (the sweep runs on a timer; readers must not depend on it).
 */
export function effectiveRecord(record: CallRecord, now: number): CallRecord {
  if (record.state === "expired" || !isFinished(record) || record.expiresAt === undefined || now < record.expiresAt) return record;
  return { ...record, state: "expired" };
}

export function summarize(record: CallRecord, chunks: readonly (ChunkRecord | undefined)[]): CallStatus {
  const counts = { total: record.ranges.length, queued: 0, running: 0, done: 0, failed: 0, cancelled: 0 };
  let rowsDone = 0;
  let rowErrors = 0;
  record.ranges.forEach(([from, to], i) => {
    const chunk = chunks[i];
    const state = chunk?.state ?? "queued";
    if (state === "retried") counts.running += 1;
    else counts[state] += 1;
    if (state === "done") rowsDone += to - from;
    rowErrors += chunk?.rowErrors ?? 0;
  });
  return {
    id: record.id, function: record.function, state: record.state, totalRows: totalRows(record), rowsDone, chunks: counts, rowErrors,
    ...(record.error ? { error: record.error } : {}),
    returnErrors: record.returnErrors, concurrentChunks: record.concurrentChunks, priority: record.priority, createdAt: record.createdAt,
    ...(record.finishedAt === undefined ? {} : { finishedAt: record.finishedAt }),
    ...(record.expiresAt === undefined ? {} : { expiresAt: record.expiresAt }),
  };
}

export function chunkList(record: CallRecord, chunks: readonly (ChunkRecord | undefined)[]): CallChunkInfo[] {
  return record.ranges.map((rows, i) => ({ rows, state: chunks[i]?.state ?? "queued", attempts: chunks[i]?.attempts ?? 0 }));
}

export function totalRows(record: CallRecord): number {
  return record.ranges.length === 0 ? 0 : record.ranges[record.ranges.length - 1][1] - record.ranges[0][0];
}

/** Why a call's results are gone, naming the setting that decided it. */
export function expiredError(record: CallRecord, ttlMs: number, evicted: boolean): { code: string; message: string } {
  const finished = record.finishedAt === undefined ? "" : ` (it finished at ${new Date(record.finishedAt).toISOString()})`;
  const why = evicted
    ? `they were dropped early to keep the queue's stored results under --result-max-bytes (resultMaxBytes)`
    : `results are kept for --result-ttl ${describeMs(ttlMs)} (resultTtlMs) after a call finishes`;
  return {
    code: ErrorCode.ResultExpired,
    message: `the results of call ${record.id} to "${record.function}" expired${finished}: ${why}; run the call again, or start the queue with a longer --result-ttl`,
  };
}

export function unknownCallMessage(id: string): string {
  return `no spawned call ${JSON.stringify(id.slice(0, 100))} on this queue: check the id (handle.id), and that this Remote uses the queue that ran it ` +
    "(a call lives on the queue it was spawned on; with Redis, on every gateway of that Redis)";
}

export function describeMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
