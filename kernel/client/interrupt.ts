import type { InterruptOptions, InterruptOutcome } from "./types.js";

/** What an interrupt needs of the kernel. */
export interface Interruptible {
  /** Asks the kernel to interrupt the cells; resolves to whether it acknowledged within `timeoutMs`. */
  ask(timeoutMs: number): Promise<boolean>;
  /** Breaks synchronous code with a signal. */
  signal(): void;
  /** Replaces the process, ending the cells with `reason`. */
  restart(reason: string): Promise<void>;
}

/** A kernel that acknowledges nothing this long after the request is stuck in synchronous code. */
const ACK_TIMEOUT_MS = 100;

/**
 * Interrupts cells by escalation: asks the kernel; a kernel that does not acknowledge is stuck in synchronous code, so
 * it gets a signal; cells that still have not ended `restartAfterMs` later (a synchronous loop after an await ignores
 * both) end with the restart of the kernel.
 */
export async function interruptCells(endings: Promise<unknown>[], kernel: Interruptible, options: InterruptOptions): Promise<InterruptOutcome> {
  const allEnded = Promise.all(endings).then(() => true as const);
  const first = await Promise.race([kernel.ask(ACK_TIMEOUT_MS), allEnded]);
  if (first === false) kernel.signal();
  const restartAfter = options.restartAfterMs ?? 5000;
  if (restartAfter <= 0) {
    await allEnded;
    return "interrupted";
  }
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), restartAfter)));
  const ended = await Promise.race([allEnded, timedOut]);
  clearTimeout(timer);
  if (ended) return "interrupted";
  await kernel.restart(
    `The kernel did not stop within ${restartAfter} ms of the interrupt (a synchronous loop after an await cannot be ` +
      "interrupted), so it was restarted: all variables and imports were lost.",
  );
  return "restarted";
}
