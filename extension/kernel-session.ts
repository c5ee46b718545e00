/**
 * One kernel process per notebook, through the kernel's `KernelClient` (the only way the extension talks to it).
 * Started on first run in the notebook's folder (as Jupyter does, so `functions/` and relative paths resolve there),
 * with the queue URL and token from settings / SecretStorage in its environment.
 */
import * as vscode from "vscode";
import type { CellDiagnostics } from "./cell-diagnostics.js";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Completion, KernelClient } from "../kernel/client.js";
import type { KernelOutput, TableReply, VariableInfo } from "../kernel/messages.js";

type TableReplyContent = TableReply["content"];
import { readSettings, readToken } from "./settings.js";

export type KernelState = "not started" | "starting" | "idle" | "busy" | "restarting" | "dead";

export interface ExecuteOutcome {
  status: "ok" | "error" | "aborted";
  executionCount: number;
}

export interface KernelSessionEvents {
  onDidChangeState(listener: (state: KernelState) => void): vscode.Disposable;
}

export interface QueueEndpoint {
  url: string;
  token?: string;
}

export interface DisplayUpdate {
  displayId: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export class KernelSession implements vscode.Disposable {
  readonly notebook: vscode.NotebookDocument;
  #client: KernelClient | null = null;
  #starting: Promise<KernelClient> | null = null;
  #state: KernelState = "not started";
  #pending = 0;
  readonly #changed = new vscode.EventEmitter<KernelState>();
  readonly onDidChangeState = this.#changed.event;
  readonly #displayUpdates = new vscode.EventEmitter<DisplayUpdate>();
  /** update_display_data for a display whose cell is no longer running (e.g. a deferBatch's progress). */
  readonly onDidUpdateDisplay = this.#displayUpdates.event;
  readonly #secrets: vscode.SecretStorage;
  readonly #log: vscode.LogOutputChannel;
  readonly #extensionPath: string;

  readonly #diagnostics: CellDiagnostics;

  constructor(notebook: vscode.NotebookDocument, secrets: vscode.SecretStorage, log: vscode.LogOutputChannel, extensionPath: string, diagnostics: CellDiagnostics) {
    this.notebook = notebook;
    this.#diagnostics = diagnostics;
    this.#secrets = secrets;
    this.#log = log;
    this.#extensionPath = extensionPath;
  }

  get state(): KernelState {
    return this.#state;
  }

  async execute(code: string, cellId: string, onOutput: (o: KernelOutput) => void): Promise<ExecuteOutcome> {
    const client = await this.#ensure();
    this.#set("busy");
    try {
      const result = await client.execute(code, { onOutput, cellId });
      return { status: result.status, executionCount: result.executionCount };
    } finally {
      this.#settle();
    }
  }

  /**
   * Cells queued to run on this kernel (Run All queues them all at once): the kernel shows busy from the moment they
   * are queued until the last of them ended, not idle between two of them. `delta` < 0 when they end.
   */
  pending(delta: number): void {
    this.#pending = Math.max(0, this.#pending + delta);
    if (this.#pending > 0 && this.#state === "idle") this.#set("busy");
    else this.#settle();
  }

  #settle(): void {
    if (this.#state === "busy" && this.#pending === 0) this.#set("idle");
  }

  /** Completions from the kernel, or undefined when it is not running (completing never starts it). */
  async complete(code: string, offset: number): Promise<Completion | undefined> {
    const client = this.#client;
    if (!client || this.#state === "dead") return undefined;
    return client.complete(code, offset, 1_500).catch(() => undefined);
  }

  /** The live value under the cursor as `name: type` and a short value; undefined when unknown or not running. */
  async inspect(code: string, offset: number): Promise<string | undefined> {
    const client = this.#client;
    if (!client || this.#state === "dead") return undefined;
    return client.inspect(code, offset, 1_500).catch(() => undefined);
  }

  /** The variables the cells declared, or none when the kernel is not running (asking never starts it). */
  async variables(): Promise<VariableInfo[]> {
    const client = this.#client;
    if (!client || this.#state === "dead") return [];
    return client.variables(3_000).catch(() => []);
  }

  /** The queues this kernel's Remotes use (the embedded default's, with its token); empty while no cell has used one. */
  async queues(): Promise<QueueEndpoint[]> {
    const client = this.#client;
    if (!client || this.#state === "dead") return [];
    return (await client.queueInfo(1_500).catch(() => ({ queues: [] as QueueEndpoint[] }))).queues;
  }

  /**
   * Asks the kernel about a table it holds (the grid's row windows, sorts, filters; the inspector's ops). Never starts
   * a kernel: without one the answer says so (the saved preview is all there is until the cell runs again).
   */
  async tableRequest(handle: string, op: string, args: unknown): Promise<TableReplyContent> {
    const client = this.#client;
    if (!client || this.#state === "dead" || this.#state === "not started") {
      return { ok: false, code: "CHALKNB_NO_KERNEL", message: "No kernel is running for this notebook: run the cell to browse all rows." };
    }
    return client.tableRequest(handle, op, args).catch((e: unknown) => ({ ok: false as const, code: "CHALKNB_NO_KERNEL", message: `The kernel could not answer: ${e instanceof Error ? e.message : String(e)}` }));
  }

  /** Whether displayed tables carry the whole table (notebooks that save full outputs) or a preview and a handle. */
  async configureTables(fullTables: boolean): Promise<void> {
    // Sent before every run: a restarted kernel process starts with previews again.
    const client = await this.#ensure();
    await client.configure({ fullTables });
  }

  /** Interrupts the running and queued cells; restarts the kernel if a synchronous loop does not stop in 5 s. */
  async interrupt(): Promise<void> {
    const outcome = await this.#client?.interrupt({ restartAfterMs: 5_000 });
    this.#log.info(`interrupt: ${outcome ?? "no kernel"}`);
    if (outcome === "restarted") {
      void vscode.window.showWarningMessage("chalknb: the cell did not stop (synchronous code), so the kernel was restarted: all variables were lost.");
    }
  }

  async restart(): Promise<void> {
    if (!this.#client) return;
    this.#set("restarting");
    try {
      await this.#client.restart();
      this.#set(this.#pending > 0 ? "busy" : "idle");
    } catch (e) {
      this.#set("dead");
      throw e;
    }
  }

  async shutdown(): Promise<void> {
    const client = this.#client;
    this.#client = null;
    this.#starting = null;
    this.#set("not started");
    await client?.shutdown().catch((e: unknown) => this.#log.warn(`kernel shutdown: ${String(e)}`));
  }

  dispose(): void {
    void this.shutdown();
    this.#changed.dispose();
    this.#displayUpdates.dispose();
  }

  #set(state: KernelState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#changed.fire(state);
  }

  async #ensure(): Promise<KernelClient> {
    if (this.#client) return this.#client;
    this.#starting ??= this.#start();
    try {
      return await this.#starting;
    } catch (e) {
      this.#starting = null;
      this.#set("dead");
      throw e;
    }
  }

  async #start(): Promise<KernelClient> {
    this.#set("starting");
    const uri = this.notebook.uri;
    const folder = uri.scheme === "file"
      ? dirname(uri.fsPath)
      : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const settings = readSettings(uri);
    const token = await readToken(this.#secrets);
    const env: Record<string, string> = {};
    if (settings.queueUrl) env.CHALKNB_QUEUE_URL = settings.queueUrl;
    if (token) env.CHALKNB_TOKEN = token;
    env.CHALKNB_FUNCTIONS_DIR = settings.functionsFolder;
    // Function files in the user's folder import "chalknb" and the model packages: resolve them from the extension
    // (NODE_PATH reaches the CommonJS loads tsx makes of .ts files; it is inherited by the embedded queue's workers).
    env.NODE_PATH = [join(this.#extensionPath, "node-path"), join(this.#extensionPath, "node_modules"), process.env.NODE_PATH]
      .filter(Boolean).join(process.platform === "win32" ? ";" : ":");
    this.#log.info(`starting kernel in ${folder} (queue: ${settings.queueUrl || "embedded default"})`);
    const { KernelClient } = await loadKernelModule(this.#extensionPath);
    // Type errors are checked in a worker thread of the kernel after each cell, off the hot path.
    const client = await KernelClient.start({ cwd: folder, env, typeCheck: true });
    this.#diagnostics.clear(this.notebook);
    client.on("diagnostics", (d) => {
      if (this.#client === client && d.cellId) this.#diagnostics.set(d.cellId, d.diagnostics);
    });
    client.on("exit", (info) => {
      if (this.#client !== client || info.expected) return;
      this.#log.warn(`kernel process exited: ${JSON.stringify(info)}`);
      this.#client = null;
      this.#starting = null;
      this.#set("dead");
    });
    client.on("idleOutput", (o) => this.#log.info(`[kernel ${o.name}] ${o.text.trimEnd()}`));
    client.on("displayUpdate", (update) => this.#displayUpdates.fire(update));
    this.#client = client;
    this.#set(this.#pending > 0 ? "busy" : "idle");
    return client;
  }
}

/**
 * The kernel ships as the same compiled ESM files the CLI runs (dist/kernel, dist/queue, dist/protocol): it forks
 * its own entry points (kernel process, embedded queue, type checker) by path, so it is loaded, not bundled.
 */
async function loadKernelModule(extensionPath: string): Promise<typeof import("../kernel/client.js")> {
  return (await import(pathToFileURL(join(extensionPath, "dist", "kernel", "client.js")).href)) as typeof import("../kernel/client.js");
}

/** Sessions by notebook URI; a notebook's kernel is shut down when the notebook closes. */
export class KernelManager implements vscode.Disposable {
  readonly #sessions = new Map<string, KernelSession>();
  readonly #changed = new vscode.EventEmitter<KernelSession>();
  readonly onDidChangeSession = this.#changed.event;
  readonly #disposables: vscode.Disposable[] = [];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly log: vscode.LogOutputChannel,
    private readonly extensionPath: string,
    private readonly diagnostics: CellDiagnostics,
  ) {
    this.#disposables.push(vscode.workspace.onDidCloseNotebookDocument((nb) => {
      const key = nb.uri.toString();
      // A closed notebook's findings would stay in Problems with no cell to show them on.
      this.diagnostics.clear(nb);
      const s = this.#sessions.get(key);
      if (!s) return;
      this.#sessions.delete(key);
      s.dispose();
    }));
  }

  get(notebook: vscode.NotebookDocument): KernelSession {
    const key = notebook.uri.toString();
    let s = this.#sessions.get(key);
    if (!s) {
      s = new KernelSession(notebook, this.secrets, this.log, this.extensionPath, this.diagnostics);
      const session = s;
      this.#disposables.push(s.onDidChangeState(() => this.#changed.fire(session)));
      this.#sessions.set(key, s);
    }
    return s;
  }

  find(notebook: vscode.NotebookDocument | undefined): KernelSession | undefined {
    return notebook ? this.#sessions.get(notebook.uri.toString()) : undefined;
  }

  /** Queues in use by the kernels, the active notebook's first. */
  async queues(active: vscode.NotebookDocument | undefined): Promise<QueueEndpoint[]> {
    const first = this.find(active);
    const sessions = [...(first ? [first] : []), ...[...this.#sessions.values()].filter((s) => s !== first)];
    return (await Promise.all(sessions.map((s) => s.queues()))).flat();
  }

  async shutdownAll(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.shutdown()));
  }

  dispose(): void {
    for (const s of this.#sessions.values()) s.dispose();
    this.#sessions.clear();
    for (const d of this.#disposables) d.dispose();
    this.#changed.dispose();
  }
}
