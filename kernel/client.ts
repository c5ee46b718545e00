import { EventEmitter } from "node:events";
import type { KernelMessage, KernelRequest, TableReply, VariableInfo } from "./messages.js";
import { interruptCells } from "./client/interrupt.js";
import { KernelProcess } from "./client/kernel-process.js";
import { RequestChannel } from "./client/request-channel.js";
import { RunningCells } from "./client/running-cells.js";
import type {
  Completion,
  ExecuteOptions,
  ExecuteResult,
  InterruptOptions,
  InterruptOutcome,
  KernelClientEvents,
  KernelStartOptions,
  KernelStatus,
} from "./client/types.js";

export type * from "./client/types.js";

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
export class KernelClient {
  readonly #events = new EventEmitter();
  readonly #channel: RequestChannel;
  readonly #cells: RunningCells;
  readonly #process: KernelProcess;
  #status: KernelStatus = "starting";

  private constructor(options: KernelStartOptions) {
    this.#channel = new RequestChannel((message) => this.#process.send(message));
    this.#cells = new RunningCells(options.outputCap);
    this.#process = new KernelProcess(options, {
      message: (message) => this.#onMessage(message),
      rawOutput: (name, text) => {
        if (!this.#cells.addRawOutput(name, text)) this.#events.emit("idleOutput", { name, text });
      },
      ready: () => this.#setStatus(this.#cells.size > 0 ? "busy" : "idle"),
      exit: (info, stderr) => {
        if (!info.expected) {
          this.#cells.failAll("KernelDied", `The kernel process exited (code ${info.code}, signal ${info.signal}) while this cell was running.${stderr}`);
          this.#setStatus("dead");
        }
        this.#events.emit("exit", info);
      },
    }, () => this.#channel.nextId());
  }

  /** Starts a kernel process and resolves once it accepts requests. */
  static async start(options: KernelStartOptions = {}): Promise<KernelClient> {
    const client = new KernelClient(options);
    await client.#process.spawn();
    return client;
  }

  get status(): KernelStatus {
    return this.#status;
  }

  /** The kernel process id (changes on restart); undefined once it is dead. */
  get pid(): number | undefined {
    return this.#status === "dead" ? undefined : this.#process.pid;
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
    await this.#process.settled();
    this.#assertAlive("execute");
    const msgId = this.#channel.nextId();
    const done = this.#cells.add(msgId, options.onOutput);
    this.#setStatus("busy");
    const onAbort = () => void this.#interruptIds([msgId], {});
    if (options.signal?.aborted) queueMicrotask(onAbort);
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    this.#process.send({ msg_type: "execute_request", msg_id: msgId, content: { code, ...(options.cellId ? { cell_id: options.cellId } : {}) } });
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
    return this.#interruptIds(this.#cells.ids(), options);
  }

  /** Kills the kernel process and starts a fresh one (all state is lost); running cells end with a `KernelRestarted` error. */
  async restart(): Promise<void> {
    await this.#restart("The kernel was restarted: all variables and imports were lost.");
  }

  /** Stops the kernel (gracefully, then by force after 3 s). Running cells end with an error. */
  async shutdown(): Promise<void> {
    if (this.#status === "dead") return;
    await this.#process.stop(3000);
    this.#cells.failAll("KernelShutdown", "The kernel was shut down while this cell was running.");
    this.#setStatus("dead");
  }

  /** Names that complete the identifier or member access ending at `cursorPos` (a UTF-16 index into `code`). */
  async complete(code: string, cursorPos: number, timeoutMs = 2000): Promise<Completion> {
    const reply = await this.#request("complete", (msgId) => ({ msg_type: "complete_request", msg_id: msgId, content: { code, cursor_pos: cursorPos } }), timeoutMs);
    if (reply?.msg_type !== "complete_reply") return { matches: [], cursorStart: cursorPos, cursorEnd: cursorPos };
    const items = reply.content.metadata?._jupyter_types_experimental;
    return { matches: reply.content.matches, cursorStart: reply.content.cursor_start, cursorEnd: reply.content.cursor_end, ...(items ? { items } : {}) };
  }

  /** What the name at `cursorPos` holds in the kernel (`name: type` and a short value), for hovers; undefined if nothing. */
  async inspect(code: string, cursorPos: number, timeoutMs = 2000): Promise<string | undefined> {
    const reply = await this.#request("inspect", (msgId) => ({ msg_type: "inspect_request", msg_id: msgId, content: { code, cursor_pos: cursorPos, detail_level: 0 } }), timeoutMs);
    return reply?.msg_type === "inspect_reply" && reply.content.found ? String(reply.content.data["text/plain"]) : undefined;
  }

  /**
   * The function queues this kernel's Remotes use (ws:// URLs, the embedded default's included), with their tokens
   * (the embedded queue's is random, made by the kernel's SDK).
   */
  async queueInfo(timeoutMs = 2000): Promise<{ urls: string[]; queues: Array<{ url: string; token?: string }> }> {
    const reply = await this.#request("queueInfo", (msgId) => ({ msg_type: "queue_info_request", msg_id: msgId }), timeoutMs);
    return reply?.msg_type === "queue_info_reply" ? reply.content : { urls: [], queues: [] };
  }

  /** The variables the cells declared so far (name, type, short value; Arrow tables with rows, columns, schema). */
  async variables(timeoutMs = 2000): Promise<VariableInfo[]> {
    const reply = await this.#request("variables", (msgId) => ({ msg_type: "variables_request", msg_id: msgId }), timeoutMs);
    return reply?.msg_type === "variables_reply" ? reply.content.variables : [];
  }

  /**
   * Asks the kernel about a table it holds (a lazy table's `handle` from its output's metadata): a row window, a
   * sorted or filtered view... Resolves to the kernel's answer; `ok: false` with a code and message when the handle is
   * stale, the op unknown or its arguments wrong. A kernel that is not running answers CHALKNB_NO_KERNEL.
   */
  async tableRequest(handle: string, op: string, args?: unknown, timeoutMs = 60_000): Promise<TableReply["content"]> {
    await this.#process.settled();
    if (!this.#alive()) return { ok: false, code: "CHALKNB_NO_KERNEL", message: "No kernel is running for this notebook: run the cell to browse all rows." };
    const reply = await this.#channel.request((msgId) => ({ msg_type: "table_request", msg_id: msgId, content: { handle, op, args } }), timeoutMs);
    if (reply?.msg_type === "table_reply") return reply.content;
    return { ok: false, code: "CHALKNB_NO_REPLY", message: `The kernel did not answer "${op}" within ${Math.round(timeoutMs / 1000)} s (busy in synchronous code, or restarted).` };
  }

  /** Whether displayed tables carry the whole table (`fullTables`) or a preview plus a handle (default). */
  async configure(options: { fullTables?: boolean }, timeoutMs = 2000): Promise<void> {
    await this.#request("configure", (msgId) => ({ msg_type: "configure_request", msg_id: msgId, content: { full_tables: options.fullTables === true } }), timeoutMs);
  }

  // ---- internals ------------------------------------------------------------------------------------------------

  /** A request to a running kernel (after any restart under way); misuse when the kernel is not running. */
  async #request(method: string, build: (msgId: string) => KernelRequest, timeoutMs: number) {
    await this.#process.settled();
    this.#assertAlive(method);
    return this.#channel.request(build, timeoutMs);
  }

  #alive(): boolean {
    return this.#status !== "dead" && this.#process.started;
  }

  #assertAlive(method: string): void {
    if (!this.#alive()) throw new Error(`KernelClient.${method}(): the kernel is not running (status ${this.#status})`);
  }

  #setStatus(status: KernelStatus): void {
    if (this.#status === status) return;
    this.#status = status;
    this.#events.emit("status", status);
  }

  #onMessage(message: KernelMessage): void {
    if (this.#channel.deliver(message)) return;
    switch (message.msg_type) {
      case "kernel_ready":
      case "status":
        return;
      case "idle_stream":
        this.#events.emit("idleOutput", message.content);
        return;
      case "diagnostics":
        this.#events.emit("diagnostics", {
          executionCount: message.content.execution_count,
          ...(message.content.cell_id ? { cellId: message.content.cell_id } : {}),
          diagnostics: message.content.diagnostics,
        });
        return;
      default:
        break;
    }
    const applied = this.#cells.apply(message);
    if (applied === "ended" && this.#cells.size === 0 && this.#status === "busy") this.#setStatus("idle");
    if (applied === "no cell" && message.msg_type === "update_display_data" && message.content.transient?.display_id) {
      const { data, metadata } = message.content;
      this.#events.emit("displayUpdate", { displayId: message.content.transient.display_id, data, metadata });
    }
  }

  async #interruptIds(ids: string[], options: InterruptOptions): Promise<InterruptOutcome> {
    const endings = this.#cells.endings(ids);
    if (endings.length === 0 || !this.#process.started) return "idle";
    return interruptCells(endings, {
      ask: async (timeoutMs) =>
        (await this.#channel.request((msgId) => ({ msg_type: "interrupt_request", msg_id: msgId, content: { msg_ids: ids } }), timeoutMs)) !== undefined,
      signal: () => this.#process.interrupt(),
      restart: (reason) => this.#restart(reason),
    }, options);
  }

  #restart(reason: string): Promise<void> {
    return this.#process.restart({
      begin: () => this.#setStatus("restarting"),
      stopped: () => this.#cells.failAll("KernelRestarted", reason),
      failed: () => this.#setStatus("dead"),
    });
  }
}
