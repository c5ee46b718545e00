import process from "node:process";

/**
 * Holds Node's SIGINT watchdog (what `vm`'s `breakOnSigint` uses to stop synchronous code) started for the kernel's
 * whole life, so a cell's run only registers with it.
 *
 * Why: started per run, the watchdog creates and joins a thread each time, and while any SIGINT listener exists vm
 * also takes down and rebuilds the process's signal handler: 0.09–0.11 ms a cell here, a tenth of the kernel's CPU
 * for a trivial cell. Held, a run costs 2 µs. While held, the watchdog owns SIGINT: one that comes between cells is
 * noted and otherwise ignored (the kernel lives on, as with a no-op listener), one that comes during a run stops it.
 *
 * A cell may add SIGINT listeners of its own: they then get SIGINTs between cells (Node's handler takes the signal
 * back), are set aside while a cell runs (as vm does), and when the last one goes the watchdog takes SIGINT again
 * (Node would otherwise leave it to the default action, which ends the process).
 *
 * It uses `startSigintWatchdog` / `stopSigintWatchdog` of Node's contextify binding (the REPL's pair); a runtime
 * without them gets `undefined` and runs cells with plain `breakOnSigint`.
 * @internal
 */

export interface HeldSigintWatchdog {
  /** Runs `run` (a vm run with `breakOnSigint`) with SIGINT going to the watchdog, the cell's own listeners set aside. */
  run<T>(run: () => T): T;
}

interface WatchdogBinding {
  startSigintWatchdog(): void;
  stopSigintWatchdog(): boolean;
}

let held: HeldSigintWatchdog | undefined;

/** Starts holding the watchdog (once per process); undefined where the runtime does not offer it. */
export function holdSigintWatchdog(): HeldSigintWatchdog | undefined {
  if (held) return held;
  const binding = contextifyBinding();
  if (!binding) return undefined;
  binding.startSigintWatchdog();
  // Stopping the last hold puts the default handler back; starting again installs the watchdog's.
  const retake = () => {
    binding.stopSigintWatchdog();
    binding.startSigintWatchdog();
  };
  // Runs after Node's own 'removeListener' handler, which has just given SIGINT back to its default action.
  process.on("removeListener", (event: string | symbol) => {
    if (event === "SIGINT" && process.listenerCount("SIGINT") === 0) retake();
  });
  held = {
    run(run) {
      if (process.listenerCount("SIGINT") === 0) return run();
      const listeners = process.rawListeners("SIGINT") as ((...args: unknown[]) => void)[];
      process.removeAllListeners("SIGINT");
      try {
        return run();
      } finally {
        for (const listener of listeners) process.addListener("SIGINT", listener);
      }
    },
  };
  return held;
}

function contextifyBinding(): WatchdogBinding | undefined {
  try {
    const binding = (process as unknown as { binding(name: string): Partial<WatchdogBinding> }).binding("contextify");
    if (typeof binding.startSigintWatchdog === "function" && typeof binding.stopSigintWatchdog === "function") return binding as WatchdogBinding;
  } catch {
    // No process.binding, or no contextify binding: plain breakOnSigint.
  }
  return undefined;
}
