import { bodyParts, encodeFrame, type Frame } from "../protocol/frame-codec.js";
import { ChalknbError, ErrorCode } from "../protocol/errors.js";
import type { CallChunkInfo, RowError } from "../protocol/messages.js";
import type { CallStatus } from "../protocol/queue-api.js";
import type { CallProgress } from "../protocol/progress.js";
import { trackCall } from "./call-registry.js";
import { chunkErrorFrom } from "./chunk-errors.js";
import type { FinishedChunk } from "./chunk-runner.js";
import { ProgressTracker } from "./progress-tracker.js";
import type { QueueConnection } from "./queue-connection.js";

export interface FollowOptions {
  /** Hand chunks over in input order; otherwise as they finish (those finished before attaching first). */
  ordered: boolean;
  /** Give up waiting after this many ms (the call goes on). */
  deadlineMs?: number | null;
  /** What `get(timeout)` names in the timeout error. */
  describe: string;
  signal?: AbortSignal;
  /** On abort or a kernel interrupt: "cancel" cancels the call on the queue (deferBatch); "detach" only stops waiting. */
  onStop: "cancel" | "detach";
  onProgress?: (progress: CallProgress) => void;
}

let attachCount = 0;

/**
 * Follows a spawned call: attaches, then yields each finished chunk (those finished before attaching first), shows
 * progress through the same tracker chunkedCall uses (so a notebook cell draws the same tiles), and throws the first
 * failed chunk's error, CHALKNB_CANCELLED, CHALKNB_RESULT_EXPIRED or CHALKNB_UNKNOWN_CALL.
 */
export async function* followCall(connection: QueueConnection, callId: string, options: FollowOptions): AsyncGenerator<FinishedChunk, CallStatus, undefined> {
  const frames: Frame[] = [];
  let failure: ChalknbError | undefined;
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const stop = connection.listen(callId, {
    frame: (frame) => {
      frames.push(frame);
      poke();
    },
    lost: (error) => {
      failure ??= error;
      poke();
    },
  });
  let stopping: string | undefined;
  const halt = (reason: string) => {
    stopping ??= reason;
    poke();
  };
  const untrack = trackCall({ cancel: (reason) => halt(reason) });
  const onAbort = () => halt(String(options.signal?.reason ?? "aborted"));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const timer = options.deadlineMs === null || options.deadlineMs === undefined ? undefined : setTimeout(() => {
    failure ??= new ChalknbError(ErrorCode.ChunkTimeout,
      `${options.describe} not finished after ${options.deadlineMs! / 1000} s (${status ? `${rowsDone}/${status.totalRows} rows done` : "no status yet"}); ` +
      "the call keeps running on the queue: get() again, or cancel()");
    poke();
  }, options.deadlineMs);
  let tracker: ProgressTracker | undefined;
  let rowsDone = 0;
  let status: CallStatus | undefined;
  let ranges: Array<[number, number]> = [];
  const finished = new Map<number, FinishedChunk>();
  let delivered = 0;
  let settled = false;
  try {
    await connection.send([encodeFrame({ type: "attach", callId })]);
    for (;;) {
      while (frames.length > 0 && !failure) {
        const frame = frames.shift()!;
        const header = frame.header;
        if (header.type === "call-error") {
          failure = new ChalknbError(header.code as ErrorCode, header.message);
        } else if (header.type === "call-status" && header.for === "attach") {
          status = header.status;
          ranges = (header.chunkList ?? []).map((c) => c.rows);
          tracker = newTracker(callId, status, header.chunkList ?? [], options.onProgress);
          failure = endState(status, callId);
        } else if (header.type === "call-status" && header.for === "update") {
          status = header.status;
          failure = endState(status, callId);
          if (status.state === "failed" && status.error) failure ??= new ChalknbError(status.error.code as ErrorCode, status.error.message);
        } else if (header.type === "progress" && tracker) {
          tracker.chunk(header.chunk, header.state, { attempts: header.attempts });
        } else if (header.type === "result" && tracker) {
          const parts = bodyParts(frame, header.parts);
          finished.set(header.chunk, { index: header.chunk, rows: ranges[header.chunk], parts, ...(header.errors ? { errors: header.errors as RowError[] } : {}) });
          rowsDone += ranges[header.chunk][1] - ranges[header.chunk][0];
          tracker.chunk(header.chunk, "done", { attempts: header.attempts });
        } else if (header.type === "error" && header.chunk !== undefined && tracker) {
          tracker.chunk(header.chunk, "failed", { error: { code: header.code, message: header.message } });
          failure = chunkErrorFrom(header, status?.function ?? "?", header.chunk, ranges[header.chunk] ?? [0, 0]);
        }
      }
      if (stopping && !failure) {
        if (options.onStop === "cancel") {
          connection.send([encodeFrame({ type: "cancel-call", callId })]).catch(() => {});
          failure = new ChalknbError(ErrorCode.Cancelled, `call ${callId} was cancelled: ${stopping}`);
        } else {
          failure = new ChalknbError(ErrorCode.Cancelled,
            `stopped waiting for call ${callId} (${stopping}); it keeps running on the queue: remote.call("${callId}").get() attaches again`);
        }
      }
      if (failure) throw failure;
      if (status) {
        const ready = options.ordered ? finished.get(delivered) : finished.values().next().value;
        if (ready) {
          finished.delete(ready.index);
          delivered += 1;
          yield ready;
          continue;
        }
        if (delivered === ranges.length) {
          settled = true;
          tracker?.finish("done");
          return status;
        }
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } catch (error) {
    settled = true;
    const code = (error as ChalknbError).code;
    tracker?.finish(code === ErrorCode.Cancelled ? "cancelled" : "failed");
    throw error;
  } finally {
    if (!settled) tracker?.finish("cancelled");
    clearTimeout(timer);
    stop();
    untrack();
    options.signal?.removeEventListener("abort", onAbort);
    connection.send([encodeFrame({ type: "detach", callId })]).catch(() => {});
  }
}

function newTracker(callId: string, status: CallStatus, chunks: CallChunkInfo[], onProgress?: (p: CallProgress) => void) {
  // Its own progress id per attach: a notebook shows a fresh tile for each cell that follows the call.
  const tracker = new ProgressTracker(`${callId}.${++attachCount}`, status.function, chunks.map((c) => c.rows), onProgress);
  chunks.forEach((chunk, i) => {
    if (chunk.state === "running" || chunk.state === "retried") tracker.chunk(i, chunk.state, { attempts: chunk.attempts });
  });
  return tracker;
}

function endState(status: CallStatus, callId: string): ChalknbError | undefined {
  if (status.state === "cancelled") return new ChalknbError(ErrorCode.Cancelled, `call ${callId} to "${status.function}" was cancelled (${status.rowsDone}/${status.totalRows} rows had finished)`);
  if (status.state === "expired") return new ChalknbError(ErrorCode.ResultExpired, status.error?.message ?? `the results of call ${callId} expired`);
  return undefined;
}
