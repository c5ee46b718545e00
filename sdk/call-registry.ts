import type { CallProgress } from "../protocol/progress.js";

/**
 * The calls in flight in this process. The kernel observes their progress (to render it live in the cell) and
 * cancels them all on interrupt, without the cell's code having to pass an AbortSignal around.
 */
export type CallObserver = (progress: CallProgress) => void;

interface ActiveCall {
  cancel(reason: string): void;
}

const activeCalls = new Set<ActiveCall>();
let observer: CallObserver | undefined;

/** Installs the observer that sees every progress update of every call; returns the previous one. */
export function setCallObserver(next: CallObserver | undefined): CallObserver | undefined {
  const previous = observer;
  observer = next;
  return previous;
}

/** Cancels every call in flight (their queued rows are dropped by the queue). Returns how many were cancelled. */
export function cancelAllCalls(reason = "cancelled"): number {
  const calls = [...activeCalls];
  for (const call of calls) call.cancel(reason);
  return calls.length;
}

/** Number of calls in flight. */
export function activeCallCount(): number {
  return activeCalls.size;
}

/** @internal used by RemoteFunction: registers a call until the returned function is called. */
export function trackCall(call: ActiveCall): () => void {
  activeCalls.add(call);
  return () => activeCalls.delete(call);
}

/** @internal used by RemoteFunction to publish progress. An observer that throws must not break the call. */
export function publishProgress(progress: CallProgress): void {
  try {
    observer?.(progress);
  } catch {
    // Rendering progress is best effort; the call itself goes on.
  }
}
