import vm from "node:vm";
import { cancelAllCalls, setCallObserver } from "../sdk/call-registry.js";
import { compileCell, type CompiledCell } from "./cell-compiler.js";
import type { CellRuntime } from "./cell-runtime.js";
import { progressBundle, toMimeBundle } from "./display.js";
import type { ErrorContent, ExecuteRequest, KernelMessage } from "./messages.js";
import { createProgressDisplay } from "./progress-display.js";
import type { HeldSigintWatchdog } from "./sigint-watchdog.js";
import { CellRegistry, toErrorContent } from "./traceback.js";

/**
 * Runs execute requests one at a time, in arrival order, in this process's global scope, and reports each as
 * Jupyter does: `status busy`, outputs, `execute_result` or `error`, `execute_reply`, `status idle`.
 */

/** The error a cell ends with when it is interrupted. */
export class InterruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterruptError";
    // Raised by the kernel, not by the cell: its frames (the IPC message handler) would only be noise.
    this.stack = `${this.name}: ${message}`;
  }
}

export interface ExecutorOptions {
  send(message: KernelMessage): void;
  runtime: CellRuntime;
  /**
   * The SIGINT watchdog held for the process (`kernel/sigint-watchdog.ts`): cells run under it instead of starting
   * their own. Without it each run starts one (about 0.1 ms).
   */
  sigint?: HeldSigintWatchdog;
  /** Called after each cell that compiled, off the hot path (type checking). */
  afterExecute?(cell: CompiledCell, parentId: string, executionCount: number, cellId: string | undefined): void;
}

/** How one execute request is run. */
export interface ExecuteOptions {
  /**
   * Whether the run takes the next execution count. Jupyter counts only runs that store history, never `silent` ones
   * (a frontend's own silent requests must not shift the numbers the user sees).
   * @default true
   */
  counted?: boolean;
}

export interface Executor {
  enqueue(request: ExecuteRequest, options?: ExecuteOptions): void;
  /** Interrupts the running cell if its request id is in `msgIds` (all when omitted) and aborts the queued ones. */
  interrupt(msgIds?: readonly string[]): void;
  /** The request id of the running cell; undefined between cells (output then is `idle_stream`). */
  runningParent(): string | undefined;
  /** Shows a value as a `display_data` output of the running cell; the handle updates it in place. */
  display(value: unknown, options?: { displayId?: string }): DisplayHandle;
  /** Top-level names the cells declared so far, in the order first declared (for the variables view). */
  declaredNames(): readonly string[];
  readonly executionCount: number;
}

export interface DisplayHandle {
  readonly displayId: string;
  update(value: unknown): void;
}

interface Queued {
  request: ExecuteRequest;
  counted: boolean;
}

interface Running {
  parentId: string;
  interrupt(error: InterruptError): void;
}

const VM_OPTIONS_BASE = {
  breakOnSigint: true,
  // `import()` written in a cell's code: Node's own loader (static imports are rewritten to the runtime's importer).
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
} as const;

export function createExecutor(options: ExecutorOptions): Executor {
  const { send, runtime } = options;
  const registry = new CellRegistry();
  const queue: Queued[] = [];
  let running: Running | undefined;
  let lastParent: string | undefined;
  let executionCount = 0;
  let uncountedRuns = 0;
  let draining = false;
  let globalsReady = false;
  let displayCounter = 0;
  const declared = new Set<string>();

  const progress = createProgressDisplay({
    send(first, displayId, p) {
      const parent = parentByDisplay.get(displayId) ?? lastParent;
      if (first && parent) parentByDisplay.set(displayId, parent);
      if (!parent) return;
      const { data, metadata } = progressBundle(p);
      send({
        msg_type: first ? "display_data" : "update_display_data",
        parent_id: parent,
        content: { data, metadata, transient: { display_id: displayId } },
      });
    },
  });
  const parentByDisplay = new Map<string, string>();
  setCallObserver((p) => progress.observe(p));

  function display(value: unknown, displayOptions: { displayId?: string } = {}): DisplayHandle {
    const displayId = displayOptions.displayId ?? `display-${++displayCounter}`;
    const parent = running?.parentId ?? lastParent;
    const emit = (kind: "display_data" | "update_display_data", v: unknown) => {
      const target = parentByDisplay.get(displayId) ?? parent;
      if (!target) return;
      const { data, metadata } = toMimeBundle(v, runtime.arrow(), { raw: true });
      send({ msg_type: kind, parent_id: target, content: { data, metadata, transient: { display_id: displayId } } });
    };
    emit("display_data", value);
    if (parent) parentByDisplay.set(displayId, parent);
    return { displayId, update: (v) => emit("update_display_data", v) };
  }

  async function execute({ request, counted }: Queued): Promise<void> {
    const parentId = request.msg_id;
    lastParent = parentId;
    send({ msg_type: "status", parent_id: parentId, content: { execution_state: "busy" } });
    const count = counted ? ++executionCount : executionCount;
    // An uncounted run has a file name of its own, so its frames never map through another cell's positions.
    const filename = counted ? `cell[${count}]` : `silent[${++uncountedRuns}]`;
    let status: "ok" | "error" = "ok";
    let compiled: CompiledCell | undefined;
    try {
      if (!globalsReady) {
        const wait = runtime.needs(request.content.code);
        if (wait) await wait;
        else void runtime.ready.then(() => (globalsReady = true));
      }
      compiled = await compileCell(request.content.code, filename);
      registry.add(compiled);
      for (const name of compiled.declaredNames) declared.add(name);
      let interrupt!: (error: InterruptError) => void;
      const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
      interrupted.catch(() => undefined);
      running = { parentId, interrupt };
      let promise: Promise<{ value: unknown } | undefined>;
      try {
        const { code, filename: scriptName } = compiled;
        const run = () => vm.runInThisContext(code, { filename: scriptName, ...VM_OPTIONS_BASE }) as Promise<{ value: unknown } | undefined>;
        promise = options.sigint ? options.sigint.run(run) : run();
      } catch (error) {
        if ((error as { code?: string }).code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
          abortQueued();
          throw new InterruptError("Interrupted (SIGINT) while running synchronous code");
        }
        throw error;
      }
      promise.catch(() => undefined);
      const result = await Promise.race([promise, interrupted]);
      if (result !== undefined && result.value !== undefined) {
        if (!runtime.arrow() && typeof result.value === "object") await runtime.arrowReady;
        const { data, metadata } = toMimeBundle(result.value, runtime.arrow());
        send({ msg_type: "execute_result", parent_id: parentId, content: { execution_count: count, data, metadata } });
      }
    } catch (error) {
      status = "error";
      const content: ErrorContent = toErrorContent(error, registry);
      send({ msg_type: "error", parent_id: parentId, content });
    } finally {
      running = undefined;
      progress.flush();
    }
    send({ msg_type: "execute_reply", parent_id: parentId, content: { status, execution_count: count } });
    send({ msg_type: "status", parent_id: parentId, content: { execution_state: "idle" } });
    if (compiled) options.afterExecute?.(compiled, parentId, count, request.content.cell_id);
  }

  function abortQueued(ids?: readonly string[]): void {
    for (let i = queue.length - 1; i >= 0; i--) {
      const { request } = queue[i]!;
      if (ids && !ids.includes(request.msg_id)) continue;
      queue.splice(i, 1);
      send({ msg_type: "status", parent_id: request.msg_id, content: { execution_state: "busy" } });
      send({ msg_type: "execute_reply", parent_id: request.msg_id, content: { status: "aborted", execution_count: executionCount } });
      send({ msg_type: "status", parent_id: request.msg_id, content: { execution_state: "idle" } });
    }
  }

  async function drain(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      let first = true;
      while (queue.length > 0) {
        // Between queued cells, let pending IPC (an interrupt_request sent before them) be read first.
        if (!first) await new Promise((resolve) => setImmediate(resolve));
        first = false;
        const next = queue.shift();
        if (next) await execute(next);
      }
    } finally {
      draining = false;
    }
  }

  return {
    enqueue(request, executeOptions = {}) {
      queue.push({ request, counted: executeOptions.counted !== false });
      void drain();
    },
    interrupt(msgIds) {
      if (running && (!msgIds || msgIds.includes(running.parentId))) {
        const cancelled = cancelAllCalls("interrupted");
        const suffix = cancelled === 0 ? "" : ` (cancelled ${cancelled} remote ${cancelled === 1 ? "call" : "calls"})`;
        running.interrupt(new InterruptError(`Interrupted${suffix}`));
      }
      abortQueued(msgIds);
    },
    runningParent: () => running?.parentId,
    display,
    declaredNames: () => [...declared],
    get executionCount() {
      return executionCount;
    },
  };
}
