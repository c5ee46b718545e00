import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import type {
  CellDiagnostic,
  CompletionItemInfo,
  ErrorContent,
  KernelMessage,
  KernelOutput,
  KernelRequest,
  TableReply,
  MimeBundle,
  VariableInfo,
} from "./messages.js";
import { appendStream, type OutputCap } from "./stream-cap.js";

/**
 * The one way to drive a chalknb kernel (the headless runner and the VS Code extension both use it). It starts the
 * kernel as a child process with an IPC channel and speaks Jupyter-shaped messages (`kernel/messages.ts`) to it.
 * No `vscode` import: the extension wraps it.
 *
 * @example
 * const kernel = await KernelClient.start({ cwd: path.dirname(notebookPath) });
 * const result = await kernel.execute("const x = 40\nx + 2", { onOutput: (o) => console.log(o) });
 * // result.status === "ok", result.outputs[0] is the execute_result with data["text/plain"] === "42"
 * await kernel.shutdown();
 */

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
  exit: (info: { code: number | null; signal: NodeJS.Signals | null; expected: boolean }) => void;
}

interface Pending {
  outputs: KernelOutput[];
  onOutput?: (output: KernelOutput) => void;
  resolve(result: ExecuteResult): void;
  executionCount: number;
  error?: ErrorContent;
  done: Promise<ExecuteResult>;
}

const defaultKernelPath = (): string => fileURLToPath(new URL("./main.js", import.meta.url));

let sessionCounter = 0;

export class KernelClient {
  readonly #options: KernelStartOptions;
  readonly #events = new EventEmitter();
  readonly #session = `${process.pid}.${++sessionCounter}`;
  #child: ChildProcess | undefined;
  #status: KernelStatus = "starting";
  #counter = 0;
  readonly #pending = new Map<string, Pending>();
  readonly #replies = new Map<string, (message: KernelMessage) => void>();
  readonly #finished = new Map<string, true>();
  #ready: Promise<void> = Promise.resolve();
  #expectExit = false;
  #stderrTail = "";

  private constructor(options: KernelStartOptions) {
    this.#options = options;
  }

  /** Starts a kernel process and resolves once it accepts requests. */
  static async start(options: KernelStartOptions = {}): Promise<KernelClient> {
    const client = new KernelClient(options);
    await client.#spawn();
    return client;
  }

  get status(): KernelStatus {
    return this.#status;
  }

  /** The kernel process id (changes on restart); undefined once it is dead. */
  get pid(): number | undefined {
    return this.#status === "dead" ? undefined : this.#child?.pid;
  }

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof KernelClientEvents>(event: E, listener: KernelClientEvents[E]): () => void {
    this.#events.on(event, listener);
    return () => this.#events.off(event, listener);
  }

  /**
   * Runs a cell. Cells run one at a time in call order; calling again before the previous one ends queues it.
   * Resolves (never rejects for user errors) when the cell ends: a failing cell is `status: "error"` with `error`.
   * Rejects only for misuse, e.g. after {@link shutdown}.
   */
  async execute(code: string, options: ExecuteOptions = {}): Promise<ExecuteResult> {
    await this.#ready;
    this.#assertAlive("execute");
    const msgId = this.#nextId();
    let resolve!: (result: ExecuteResult) => void;
    const done = new Promise<ExecuteResult>((r) => (resolve = r));
    const pending: Pending = { outputs: [], onOutput: options.onOutput, resolve, executionCount: 0, done };
    this.#pending.set(msgId, pending);
    this.#setStatus("busy");
    const onAbort = () => void this.#interruptIds([msgId], {});
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    this.#send({ msg_type: "execute_request", msg_id: msgId, content: { code, ...(options.cellId ? { cell_id: options.cellId } : {}) } });
    try {
      return await done;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * Interrupts every cell running or queued now: the kernel cancels the running cell's remote calls (their queued rows
   * are dropped) and ends the cell with an `InterruptError`; queued cells end `aborted`. A cell stuck in synchronous
   * code is stopped with SIGINT (POSIX); if that does not end it within `restartAfterMs`, the kernel is restarted and
   * those cells end with a `KernelRestarted` error that says all state was lost.
   */
  interrupt(options: InterruptOptions = {}): Promise<InterruptOutcome> {
    return this.#interruptIds([...this.#pending.keys()], options);
  }

  /** Kills the kernel process and starts a fresh one (all state is lost); running cells end with a `KernelRestarted` error. */
  async restart(): Promise<void> {
    await this.#restart("The kernel was restarted: all variables and imports were lost.");
  }

  /** Stops the kernel (gracefully, then by force after 3 s). Running cells end with an error. */
  async shutdown(): Promise<void> {
    if (this.#status === "dead") return;
    await this.#stop(3000);
    this.#failPending("KernelShutdown", "The kernel was shut down while this cell was running.");
    this.#setStatus("dead");
  }

  /** Names that complete the identifier or member access ending at `cursorPos` (a UTF-16 index into `code`). */
  async complete(code: string, cursorPos: number, timeoutMs = 2000): Promise<Completion> {
    await this.#ready;
    this.#assertAlive("complete");
    const msgId = this.#nextId();
    const reply = await this.#awaitReply(msgId, timeoutMs, () =>
      this.#send({ msg_type: "complete_request", msg_id: msgId, content: { code, cursor_pos: cursorPos } }),
    );
    if (reply?.msg_type !== "complete_reply") return { matches: [], cursorStart: cursorPos, cursorEnd: cursorPos };
    const items = reply.content.metadata?._jupyter_types_experimental;
    return { matches: reply.content.matches, cursorStart: reply.content.cursor_start, cursorEnd: reply.content.cursor_end, ...(items ? { items } : {}) };
  }

  /** What the name at `cursorPos` holds in the kernel (`name: type` and a short value), for hovers; undefined if nothing. */
  async inspect(code: string, cursorPos: number, timeoutMs = 2000): Promise<string | undefined> {
    await this.#ready;
    this.#assertAlive("inspect");
    const msgId = this.#nextId();
    const reply = await this.#awaitReply(msgId, timeoutMs, () =>
      this.#send({ msg_type: "inspect_request", msg_id: msgId, content: { code, cursor_pos: cursorPos, detail_level: 0 } }),
    );
    return reply?.msg_type === "inspect_reply" && reply.content.found ? String(reply.content.data["text/plain"]) : undefined;
  }

  /**
   * The function queues this kernel's Remotes use (ws:// URLs, the embedded default's included), with their tokens
   * (the embedded queue's is random, made by the kernel's SDK).
   */
  async queueInfo(timeoutMs = 2000): Promise<{ urls: string[]; queues: Array<{ url: string; token?: string }> }> {
    await this.#ready;
    this.#assertAlive("queueInfo");
    const msgId = this.#nextId();
    const reply = await this.#awaitReply(msgId, timeoutMs, () => this.#send({ msg_type: "queue_info_request", msg_id: msgId }));
    return reply?.msg_type === "queue_info_reply" ? reply.content : { urls: [], queues: [] };
  }

  /** The variables the cells declared so far (name, type, short value; Arrow tables with rows, columns, schema). */
  async variables(timeoutMs = 2000): Promise<VariableInfo[]> {
    await this.#ready;
    this.#assertAlive("variables");
    const msgId = this.#nextId();
    const reply = await this.#awaitReply(msgId, timeoutMs, () => this.#send({ msg_type: "variables_request", msg_id: msgId }));
    return reply?.msg_type === "variables_reply" ? reply.content.variables : [];
  }

  /**
   * Asks the kernel about a table it holds (a lazy table's `handle` from its output's metadata): a row window, a
   * sorted or filtered view... Resolves to the kernel's answer; `ok: false` with a code and message when the handle is
   * stale, the op unknown or its arguments wrong. A kernel that is not running answers CHALKNB_NO_KERNEL.
   */
  async tableRequest(handle: string, op: string, args?: unknown, timeoutMs = 60_000): Promise<TableReply["content"]> {
    await this.#ready;
    if (this.#status === "dead" || !this.#child) return { ok: false, code: "CHALKNB_NO_KERNEL", message: "No kernel is running for this notebook: run the cell to browse all rows." };
    const msgId = this.#nextId();
    const reply = await this.#awaitReply(msgId, timeoutMs, () => this.#send({ msg_type: "table_request", msg_id: msgId, content: { handle, op, args } }));
    if (reply?.msg_type === "table_reply") return reply.content;
    return { ok: false, code: "CHALKNB_NO_REPLY", message: `The kernel did not answer "${op}" within ${Math.round(timeoutMs / 1000)} s (busy in synchronous code, or restarted).` };
  }

  /** Whether displayed tables carry the whole table (`fullTables`) or a preview plus a handle (default). */
  async configure(options: { fullTables?: boolean }, timeoutMs = 2000): Promise<void> {
    await this.#ready;
    this.#assertAlive("configure");
    const msgId = this.#nextId();
    await this.#awaitReply(msgId, timeoutMs, () => this.#send({ msg_type: "configure_request", msg_id: msgId, content: { full_tables: options.fullTables === true } }));
  }

  // ---- internals ------------------------------------------------------------------------------------------------

  #nextId(): string {
    return `${this.#session}.${++this.#counter}`;
  }

  #assertAlive(method: string): void {
    if (this.#status === "dead" || !this.#child) {
      throw new Error(`KernelClient.${method}(): the kernel is not running (status ${this.#status})`);
    }
  }

  #setStatus(status: KernelStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#events.emit("status", status);
  }

  #send(message: KernelRequest): void {
    const child = this.#child;
    if (child?.connected) child.send(message);
  }

  #spawn(): Promise<void> {
    const options = this.#options;
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    if (options.typeCheck) env.CHALKNB_TYPECHECK = "1";
    else delete env.CHALKNB_TYPECHECK;
    for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
    this.#expectExit = false;
    this.#stderrTail = "";
    this.#setStatus(this.#status === "restarting" ? "restarting" : "starting");
    const child = fork(options.kernelPath ?? defaultKernelPath(), [], {
      cwd: options.cwd ?? process.cwd(),
      env,
      execPath: options.execPath ?? process.execPath,
      // Our own flags only: never inherit the parent's (--test, --inspect, a loader).
      execArgv: ["--experimental-import-meta-resolve", "--no-warnings=ExperimentalWarning",
        ...(options.maxHeapMiB ? [`--max-old-space-size=${options.maxHeapMiB}`] : [])],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    this.#child = child;
    // Output that bypasses the kernel's console capture (native code, inherited child processes).
    child.stdout?.on("data", (chunk: Buffer) => this.#rawOutput("stdout", chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      this.#stderrTail = (this.#stderrTail + text).slice(-4000);
      this.#rawOutput("stderr", text);
    });
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`KernelClient.start(): the kernel did not start within ${options.startTimeoutMs ?? 30000} ms${this.#stderrDetail()}`));
      }, options.startTimeoutMs ?? 30000);
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
        clearTimeout(timer);
        reject(new Error(`KernelClient.start(): the kernel exited before it was ready (code ${code}, signal ${signal})${this.#stderrDetail()}`));
      };
      child.once("exit", onExit);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(new Error(`KernelClient.start(): could not start the kernel: ${error.message}`));
      });
      child.on("message", (message: KernelMessage) => {
        if (message.msg_type === "kernel_ready") {
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve();
        }
        this.#onMessage(message);
      });
    });
    child.on("exit", (code, signal) => {
      if (this.#child !== child) return;
      const expected = this.#expectExit;
      if (!expected) {
        this.#failPending("KernelDied", `The kernel process exited (code ${code}, signal ${signal}) while this cell was running.${this.#stderrDetail()}`);
        this.#setStatus("dead");
      }
      this.#events.emit("exit", { code, signal, expected });
    });
    return ready.then(() => {
      if (this.#child === child) this.#setStatus(this.#pending.size > 0 ? "busy" : "idle");
    });
  }

  #stderrDetail(): string {
    const tail = this.#stderrTail.trim();
    return tail ? `\nkernel stderr:\n${tail}` : "";
  }

  #rawOutput(name: "stdout" | "stderr", text: string): void {
    const first = this.#pending.entries().next().value as [string, Pending] | undefined;
    if (first) this.#addOutput(first[1], { output_type: "stream", name, text });
    else this.#events.emit("idleOutput", { name, text });
  }

  #onMessage(message: KernelMessage): void {
    switch (message.msg_type) {
      case "kernel_ready":
        return;
      case "idle_stream":
        this.#events.emit("idleOutput", message.content);
        return;
      case "complete_reply":
      case "inspect_reply":
      case "queue_info_reply":
      case "variables_reply":
      case "table_reply":
      case "configure_reply":
      case "interrupt_reply": {
        const waiter = this.#replies.get(message.parent_id);
        this.#replies.delete(message.parent_id);
        waiter?.(message);
        return;
      }
      case "diagnostics":
        this.#events.emit("diagnostics", {
          executionCount: message.content.execution_count,
          ...(message.content.cell_id ? { cellId: message.content.cell_id } : {}),
          diagnostics: message.content.diagnostics,
        });
        return;
      case "status":
        return;
      default:
        break;
    }
    const pending = this.#pending.get(message.parent_id);
    if (!pending) {
      if (message.msg_type === "update_display_data" && message.content.transient?.display_id) {
        const { data, metadata } = message.content;
        this.#events.emit("displayUpdate", { displayId: message.content.transient.display_id, data, metadata });
      }
      return;
    }
    switch (message.msg_type) {
      case "stream":
        this.#addOutput(pending, { output_type: "stream", ...message.content });
        break;
      case "display_data": {
        const displayId = message.content.transient?.display_id;
        const { data, metadata } = message.content;
        this.#addOutput(pending, { output_type: "display_data", data, metadata, ...(displayId ? { display_id: displayId } : {}) });
        break;
      }
      case "update_display_data": {
        const displayId = message.content.transient?.display_id;
        if (!displayId) break;
        this.#addOutput(pending, { output_type: "update_display_data", data: message.content.data, metadata: message.content.metadata, display_id: displayId });
        break;
      }
      case "execute_result":
        pending.executionCount = message.content.execution_count;
        this.#addOutput(pending, { output_type: "execute_result", ...message.content });
        break;
      case "error":
        pending.error = message.content;
        this.#addOutput(pending, { output_type: "error", ...message.content });
        break;
      case "execute_reply":
        this.#pending.delete(message.parent_id);
        this.#remember(message.parent_id);
        pending.resolve({
          status: message.content.status,
          executionCount: message.content.status === "aborted" ? 0 : message.content.execution_count,
          outputs: pending.outputs,
          ...(pending.error ? { error: pending.error } : {}),
        });
        if (this.#pending.size === 0 && this.#status === "busy") this.#setStatus("idle");
        break;
      default:
        break;
    }
  }

  /** Keeps the outputs list as it should be saved, and tells the caller about every piece live. */
  #addOutput(pending: Pending, output: KernelOutput): void {
    const outputs = pending.outputs;
    if (output.output_type === "stream") {
      const last = outputs[outputs.length - 1];
      if (last?.output_type === "stream" && last.name === output.name) {
        outputs[outputs.length - 1] = appendStream(last, output, this.#options.outputCap);
      } else outputs.push(appendStream(undefined, output, this.#options.outputCap));
    } else if (output.output_type === "update_display_data") {
      for (let i = 0; i < outputs.length; i++) {
        const o = outputs[i]!;
        if (o.output_type === "display_data" && o.display_id === output.display_id) {
          outputs[i] = { ...o, data: output.data, metadata: output.metadata };
        }
      }
    } else outputs.push(output);
    try {
      pending.onOutput?.(output);
    } catch {
      // A listener that throws must not break the kernel connection.
    }
  }

  #remember(msgId: string): void {
    this.#finished.set(msgId, true);
    if (this.#finished.size > 1000) this.#finished.delete(this.#finished.keys().next().value as string);
  }

  #awaitReply(msgId: string, timeoutMs: number, sendRequest: () => void): Promise<KernelMessage | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#replies.delete(msgId);
        resolve(undefined);
      }, timeoutMs);
      this.#replies.set(msgId, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      sendRequest();
    });
  }

  async #interruptIds(ids: string[], options: InterruptOptions): Promise<InterruptOutcome> {
    const targets = ids.map((id) => this.#pending.get(id)).filter((p): p is Pending => p !== undefined);
    if (targets.length === 0 || !this.#child) return "idle";
    const allDone = Promise.all(targets.map((p) => p.done)).then(() => true as const);
    const msgId = this.#nextId();
    const acked = this.#awaitReply(msgId, 100, () =>
      this.#send({ msg_type: "interrupt_request", msg_id: msgId, content: { msg_ids: ids } }),
    );
    // No acknowledgement within 100 ms: the kernel is stuck in synchronous code; SIGINT breaks it (vm breakOnSigint).
    const first = await Promise.race([acked, allDone]);
    if (first === undefined && process.platform !== "win32") this.#child?.kill("SIGINT");
    const restartAfter = options.restartAfterMs ?? 5000;
    if (restartAfter <= 0) {
      await allDone;
      return "interrupted";
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), restartAfter)));
    const ended = await Promise.race([allDone, timedOut]);
    clearTimeout(timer);
    if (ended) return "interrupted";
    await this.#restart(
      `The kernel did not stop within ${restartAfter} ms of the interrupt (a synchronous loop after an await cannot be ` +
        "interrupted), so it was restarted: all variables and imports were lost.",
    );
    return "restarted";
  }

  async #restart(reason: string): Promise<void> {
    let release!: () => void;
    const previous = this.#ready;
    this.#ready = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous.catch(() => undefined);
      this.#setStatus("restarting");
      await this.#stop(1000);
      this.#failPending("KernelRestarted", reason);
      await this.#spawn();
    } catch (error) {
      this.#setStatus("dead");
      throw error;
    } finally {
      release();
    }
  }

  /** Asks the process to exit, kills it after `graceMs`, and waits for it to be gone. */
  async #stop(graceMs: number): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.#expectExit = true;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    if (child.connected) child.send({ msg_type: "shutdown_request", msg_id: this.#nextId() } satisfies KernelRequest);
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  #failPending(ename: string, evalue: string): void {
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      const error: ErrorContent = { ename, evalue, traceback: [`${ename}: ${evalue}`] };
      this.#addOutput(pending, { output_type: "error", ...error });
      pending.resolve({ status: "error", executionCount: pending.executionCount, outputs: pending.outputs, error });
    }
  }
}
