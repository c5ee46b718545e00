import type { CallProgress } from "../protocol/progress.js";
import type { Clock } from "../queue/clock.js";

/**
 * Throttles the progress of remote calls into display messages: the first update of a call opens a display
 * (`display_data` with display id `progress-<callId>`), later ones update it in place (`update_display_data`) at most
 * once per `intervalMs`; the final state (done, failed, cancelled) is always sent at once.
 */

export interface ProgressDisplayOptions {
  /** Sends one display message; `first` is true for the message that opens the display. */
  send(first: boolean, displayId: string, progress: CallProgress): void;
  /** Shortest time between two updates of one call. @default 100 (≤ 10 updates per second) */
  intervalMs?: number;
  /** @default the real clock */
  clock?: Clock;
}

export interface ProgressDisplay {
  observe(progress: CallProgress): void;
  /** Sends every pending update now (e.g. when a cell ends). */
  flush(): void;
}

/** Unreferenced timers: a pending progress update must not keep the kernel process alive. */
const realClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Entry {
  lastSentAt: number;
  pending: CallProgress | undefined;
  timer: unknown;
}

/** The display id of a call's progress output. */
export function progressDisplayId(callId: string): string {
  return `progress-${callId}`;
}

export function createProgressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const interval = options.intervalMs ?? 100;
  const clock = options.clock ?? realClock;
  const entries = new Map<string, Entry>();
  const finished = new Set<string>();

  function sendPending(callId: string, entry: Entry): void {
    if (entry.timer !== undefined) clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    const progress = entry.pending;
    entry.pending = undefined;
    if (!progress) return;
    entry.lastSentAt = clock.now();
    options.send(false, progressDisplayId(callId), progress);
  }

  return {
    observe(progress) {
      const id = progress.callId;
      if (finished.has(id)) return;
      const final = progress.state !== "running";
      let entry = entries.get(id);
      if (!entry) {
        entry = { lastSentAt: clock.now(), pending: undefined, timer: undefined };
        entries.set(id, entry);
        options.send(true, progressDisplayId(id), progress);
      } else {
        entry.pending = progress;
        if (final || clock.now() - entry.lastSentAt >= interval) sendPending(id, entry);
        else if (entry.timer === undefined) {
          const e = entry;
          e.timer = clock.setTimeout(() => {
            e.timer = undefined;
            sendPending(id, e);
          }, Math.max(0, e.lastSentAt + interval - clock.now()));
        }
      }
      if (final) {
        finished.add(id);
        entries.delete(id);
      }
    },
    flush() {
      for (const [id, entry] of entries) sendPending(id, entry);
    },
  };
}
