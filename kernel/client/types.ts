import type { CellDiagnostic, CompletionItemInfo, ErrorContent, KernelOutput, MimeBundle } from "../messages.js";
import type { OutputCap } from "../stream-cap.js";

/** The public shapes of `KernelClient`: its options, results and events. */

export interface KernelStartOptions {
  /** The kernel's working directory: the notebook's folder (functions/ and relative paths resolve there). @default process.cwd() */
  cwd?: string;
  /** Environment of the kernel, merged over this process's (`undefined` removes a variable). */
  env?: Record<string, string | undefined>;
  /** Type-check each executed cell in a worker thread, reported as `diagnostics` events. @default false */
  typeCheck?: boolean;
  /**
   * The kernel entry script (`dist/kernel/main.js`). The default is resolved next to this module; pass it when this
   * module is bundled (e.g. into an extension's single file), where that relative path no longer holds.
   */
  kernelPath?: string;
  /** Node executable to run the kernel with. @default process.execPath */
  execPath?: string;
  /** How long to wait for the kernel to say it is ready. @default 30000 */
  startTimeoutMs?: number;
  /** V8 heap limit of the kernel process (`--max-old-space-size`), in MiB. @default Node's own */
  maxHeapMiB?: number;
  /** Bounds the text kept of each stream output in `ExecuteResult.outputs` (`onOutput` still sees all of it). @default no bound */
  outputCap?: OutputCap;
}

/** `starting` → `idle` ⇄ `busy`; `restarting` during {@link KernelClient.restart}; `dead` once the process is gone. */
export type KernelStatus = "starting" | "idle" | "busy" | "restarting" | "dead";

export interface ExecuteOptions {
  /** Called for every output as it arrives (streams while the cell runs, display updates in place). */
  onOutput?(output: KernelOutput): void;
  /** The notebook cell's id, echoed in diagnostics. */
  cellId?: string;
  /** Aborting interrupts this execution (see {@link KernelClient.interrupt}). */
  signal?: AbortSignal;
}

export interface ExecuteResult {
  /** `aborted`: never ran (an interrupt or an earlier restart dropped it while it was queued). */
  status: "ok" | "error" | "aborted";
  /** The kernel's execution counter for this cell (`In [n]`); 0 when it never ran. */
  executionCount: number;
  /**
   * The cell's outputs, in order, as they should be saved: consecutive stream writes of one stream merged,
   * `update_display_data` already applied to the `display_data` it updates (so no update entries remain).
   */
  outputs: KernelOutput[];
  /** The error output when status is `error`. */
  error?: ErrorContent;
}

export interface InterruptOptions {
  /**
   * If the interrupted cells have not ended this long after the interrupt, restart the kernel (last resort: a
   * synchronous loop that runs after an `await` cannot be stopped otherwise). `0` never restarts. @default 5000
   */
  restartAfterMs?: number;
}

/** How an interrupt ended: nothing was running, the cells stopped, or the kernel had to be restarted. */
export type InterruptOutcome = "idle" | "interrupted" | "restarted";

export interface Completion {
  matches: string[];
  cursorStart: number;
  cursorEnd: number;
  /** Kind and signature of each match, in the same order (absent from a kernel that does not send them). */
  items?: CompletionItemInfo[];
}

export interface DiagnosticsEvent {
  executionCount: number;
  cellId?: string;
  diagnostics: CellDiagnostic[];
}

/** How the kernel process ended; `expected` is false for a crash. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
}

/** Events, with their listener signatures. */
export interface KernelClientEvents {
  status: (status: KernelStatus) => void;
  /** Type-check findings of an executed cell (only with `typeCheck: true`); arrives after the cell's result. */
  diagnostics: (event: DiagnosticsEvent) => void;
  /** An update of a display whose cell has already finished (e.g. progress of a call that outlived its cell). */
  displayUpdate: (update: { displayId: string; data: MimeBundle; metadata: Record<string, unknown> }) => void;
  /** Output written while no cell was running. */
  idleOutput: (stream: { name: "stdout" | "stderr"; text: string }) => void;
  /** The kernel process exited; `expected` is false for a crash. */
  exit: (info: ExitInfo) => void;
}
