/**
 * The top-level guard of a queue process (`chalknb queue`, the embedded default): an unhandled promise rejection is
 * logged and the queue keeps serving. Node's default ends the process, and before issue 9 one malformed HTTP request
 * did exactly that, taking every client's calls with it; a rejection that nobody awaited has no caller left to fail.
 *
 * An uncaught exception still ends the process (Node's default, after this log line): it was thrown synchronously
 * out of an event handler, half-way through changing state, and serving on from that state could hand one client's
 * rows to another. The supervisor (the SDK for the embedded queue, systemd or Kubernetes for `chalknb queue`) restarts it.
 */
export function guardQueueProcess(name: string, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): void {
  process.on("unhandledRejection", (reason) => {
    log(`${name}: unhandled rejection (logged; still serving): ${describe(reason)}`);
  });
  process.on("uncaughtExceptionMonitor", (error, origin) => {
    if (origin === "uncaughtException") log(`${name}: uncaught exception; exiting: ${describe(error)}`);
  });
}

function describe(reason: unknown): string {
  return reason instanceof Error ? (reason.stack ?? reason.message) : String(reason);
}
